/**
 * The MNS emulator: the queue half of the MNS XML API, spoken well enough that the official
 * SDKs cannot tell it from the service. In-process for tests, or standalone via
 * `vodflow mns-emulator`.
 */
import { listen } from '../listen';
import type { HttpLimits } from '../../../src/http';
import { createLogger, type Logger } from '../../../src/observability/logger';
import { MnsAccount, randomSeed } from './account';
import { SeededRandom, type DeliveryOptions } from './delivery';
import { FaultInjector, validateFaultConfig, type FaultConfig } from './faults';
import { createMnsHttpServer } from './httpServer';
import { Throttle, type ThrottleOptions } from './throttle';
import { selfSignedCertificate } from './tls';
import { QueueObservers, type QueueObserver } from './observer';
import { SnapshotWriter } from './persistence';
import type { QueueStats } from './queue';
import type { Credential } from './signature';

export type { FaultConfig, MnsOperation, OperationFaults } from './faults';
export { mnsOperations } from './faults';
export type { ObservedDelete, ObservedMessage, ObservedReceipt, QueueObserver } from './observer';
export type { QueueStats } from './queue';
export type { Credential } from './signature';
export type { DeliveryOptions } from './delivery';
export type { ThrottleOptions } from './throttle';
export type { DeadLetterPolicy } from './queueAttributes';

export interface MnsEmulatorOptions {
  host?: string;
  /** 0 or omitted: a free port. */
  port?: number;
  /** Shown in error HostIds only; queue URLs use the Host the client addressed. */
  accountId?: string;
  credentials: Credential[];
  /** Keep queues and messages here across restarts (write-behind, see persistence.ts). */
  dataDir?: string;
  /** Write-behind interval for `dataDir`; default 200 ms. */
  flushIntervalMs?: number;
  /**
   * With dataDir: answer a request that changed something only once the change is fsynced
   * (default true; the group commit's interval is flushIntervalMs, default 20 ms). false:
   * write-behind every flushIntervalMs (default 200 ms), which a crash can undo.
   */
  durable?: boolean;
  faults?: FaultConfig;
  /**
   * The emulator's clock runs this far ahead of the host's (negative: behind). Every time it
   * stamps and checks (EnqueueTime, NextVisibleTime, the signature's Date window) uses it, so
   * a consumer can be tested against an MNS whose clock differs from its own. Default 0.
   */
  clockSkewMs?: number;
  /**
   * Replaces the emulator's clock (tests that move time instead of sleeping). Long-poll waits
   * still run on real timers; clockSkewMs is ignored when this is set.
   */
  clock?: () => number;
  /**
   * Seeds every chance the emulator takes (stripes, hold times, injected faults, abandoned
   * polls). Default: a random seed, logged at start so a run can be replayed.
   */
  seed?: number;
  /** Striping and long-poll behaviour; realistic by default (see DeliveryOptions.strictFifo). */
  delivery?: DeliveryOptions;
  /** The service's throttling (429 TooManyRequests after a hold); `false` turns the rate limit off. */
  throttle?: ThrottleOptions | false;
  /** Reject a Content-MD5 that does not match the body (400 InvalidDegist); default true. */
  checkContentMd5?: boolean;
  /** Apply queues' native dead-letter policies; default true. */
  nativeDeadLetter?: boolean;
  /** Accept Signature V4 (`MNS4-HMAC-SHA256`); default true. */
  signatureV4?: boolean;
  /** The region V4 signatures must be scoped to; any region when absent. */
  region?: string;
  /** Serve HTTPS with a freshly generated self-signed certificate for the host (and localhost). */
  tls?: boolean;
  /** Serve `/__admin/faults` and `/__admin/stats` (unsigned); off unless enabled. */
  admin?: boolean;
  logger?: Logger;
  /** Overrides of the HTTP server's limits (timeouts, body and connection caps). */
  httpLimits?: Partial<HttpLimits>;
}

export interface MnsEmulatorStats {
  queues: Record<string, QueueStats>;
  injected: { errors: number; drops: number; throttles: number };
  /** Requests answered 429 because they were over the throttling rate. */
  throttled: number;
  /** Long polls held right now, across queues. */
  longPolls: number;
}

export interface MnsEmulator {
  /** `http://host:port` (`https://` with tls), ready for createMnsClient({ endpoint }). */
  endpoint: string;
  port: number;
  accountId: string;
  /** The seed in force (see reseed). */
  seed: number;
  /** PEM of the self-signed certificate when serving HTTPS; clients trust it to verify TLS. */
  certificate?: string;
  /** Restarts the emulator's random sequence (a model-based test replays from its own seed). */
  reseed(seed: number): void;
  setFaults(faults: FaultConfig): void;
  /** Message counts of one queue (active / in flight / delayed), undefined if it does not exist. */
  queueStats(queueName: string): QueueStats | undefined;
  stats(): MnsEmulatorStats;
  /**
   * Calls `observer` synchronously after each send, receive and delete on `queueName` (which
   * need not exist yet; the subscription survives a delete and re-create). Returns the
   * unsubscribe function. Observer exceptions are logged at warn and never reach the client.
   */
  observe(queueName: string, observer: QueueObserver): () => void;
  /** Writes the data-dir snapshot now (no-op without dataDir). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** Runs an operation, then waits until whatever it changed is on disk. */
function persistedAfter(writer: SnapshotWriter) {
  return async <T>(operation: () => Promise<T>): Promise<T> => {
    const before = writer.changes;
    const result = await operation();
    if (writer.changes !== before) await writer.durable();
    return result;
  };
}

export async function startMnsEmulator(options: MnsEmulatorOptions): Promise<MnsEmulator> {
  if (options.credentials.length === 0)
    throw new Error('startMnsEmulator: at least one credential is required');
  const logger = options.logger ?? createLogger('mns-emulator');
  const host = options.host ?? '127.0.0.1';
  const accountId = options.accountId ?? '1234567890123456';
  const secrets = new Map(options.credentials.map((c) => [c.accessKeyId, c.accessKeySecret]));

  let writer: SnapshotWriter | undefined;
  const skew = options.clockSkewMs ?? 0;
  const clock = options.clock ?? (skew === 0 ? Date.now : () => Date.now() + skew);
  let seed = options.seed ?? randomSeed();
  const random = new SeededRandom(seed);
  const observers = new QueueObservers(clock, logger);
  const account = new MnsAccount(clock, () => writer?.markDirty(), observers, {
    ...(options.delivery !== undefined ? { delivery: options.delivery } : {}),
    random,
    nativeDeadLetter: options.nativeDeadLetter ?? true,
  });
  if (options.dataDir !== undefined) {
    const durable = options.durable ?? true;
    writer = new SnapshotWriter(
      account.snapshot.bind(account),
      options.flushIntervalMs ?? (durable ? 20 : 200),
      (err) => logger.error({ err }, 'mns emulator snapshot write failed'),
    ).open(options.dataDir);
    const saved = writer.load();
    if (saved !== undefined) account.restore(saved);
  }
  const faults = new FaultInjector(options.faults ?? faultsFromEnvironment(), random.next);
  const throttle = new Throttle(options.throttle ?? {}, random);
  let throttled = 0;
  const tls = options.tls ? await selfSignedCertificate(host) : undefined;

  const stats = (): MnsEmulatorStats => ({
    queues: Object.fromEntries([...account.queues.values()].map((q) => [q.name, q.stats()])),
    injected: { ...faults.counts },
    throttled,
    longPolls: account.longPolls.waiting,
  });
  let endpoint = '';
  const server = createMnsHttpServer({
    account,
    clock,
    secrets,
    faults,
    admin: options.admin ?? false,
    fallbackOrigin: () => endpoint,
    adminStats: stats,
    logger,
    ...(tls ? { tls } : {}),
    checkContentMd5: options.checkContentMd5 ?? true,
    throttle,
    onThrottled: () => {
      throttled += 1;
    },
    auth: {
      signatureV4: options.signatureV4 ?? true,
      ...(options.region !== undefined ? { region: options.region } : {}),
    },
    ...(options.httpLimits ? { limits: options.httpLimits } : {}),
    ...(writer && (options.durable ?? true) ? { persisted: persistedAfter(writer) } : {}),
  });
  const bound = await listen(server, options.port ?? 0, host);
  const port = bound.port;
  endpoint = tls ? bound.origin.replace(/^http:/, 'https:') : bound.origin;
  // Retention expiry is also checked lazily; the sweep keeps idle queues' counts honest.
  const sweeper = setInterval(() => account.sweepExpired(), 5_000);
  sweeper.unref();
  logger.info(
    {
      endpoint,
      dataDir: options.dataDir,
      admin: options.admin ?? false,
      seed,
      strictFifo: account.delivery.strictFifo,
    },
    'mns emulator listening',
  );

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    port,
    accountId,
    get seed() {
      return seed;
    },
    ...(tls ? { certificate: tls.cert } : {}),
    reseed: (next) => {
      seed = next;
      random.reseed(next);
    },
    setFaults: (config) => faults.set(config),
    queueStats: (name) => account.queues.get(name)?.stats(),
    stats,
    observe: (name, observer) => observers.observe(name, observer),
    flush: async () => {
      await writer?.flush();
    },
    stop: () => {
      stopping ??= (async () => {
        clearInterval(sweeper);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Waiting long polls answer 404 MessageNotExist, then idle keep-alive sockets go.
        account.close();
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 100).unref();
        await closed;
        await writer?.close();
      })();
      return stopping;
    },
  };
}

/**
 * `VODFLOW_MNS_EMULATOR_FAULTS` (JSON, the FaultConfig shape) gives every emulator started
 * without `faults` its initial faults, so any suite can be run under, say, throttling
 * without touching its stack: `VODFLOW_MNS_EMULATOR_FAULTS='{"*":{"throttleRate":0.05}}'`.
 */
export function faultsFromEnvironment(env: NodeJS.ProcessEnv = process.env): FaultConfig {
  const text = env.VODFLOW_MNS_EMULATOR_FAULTS;
  if (text === undefined || text.trim() === '') return {};
  try {
    return validateFaultConfig(JSON.parse(text));
  } catch (err) {
    throw new Error(`VODFLOW_MNS_EMULATOR_FAULTS: ${err instanceof Error ? err.message : String(err)}`);
  }
}
