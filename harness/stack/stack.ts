/**
 * The one stack builder. `dev`/`demo`, the integration tests, the bench and the chaos suite
 * all describe the stack they want as a StackSpec: which parts, each in which mode. The
 * builder starts them in order (Temporal, MNS emulator, VOD emulator, webhook receiver, then
 * `setup` against the emulators, then workers, pollers and the HTTP ingress), wires each of
 * those through the settings `loadConfig` reads in production, and hands back one handle per part
 * (StackPart: start, stop, kill, running) so any of them can be stopped, killed and started
 * again in place.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, Connection } from '@temporalio/client';
import { createVodApi } from '../../src/activities/vodApi';
import { loadConfig, type Role, type VodflowConfig } from '../../src/config';
import { createMnsClient, type MnsClient, type QueueAttributesInput } from '../../src/mns/client';
import { startHealthServer, type HealthServer } from '../../src/observability/healthServer';
import { createLogger, type Logger } from '../../src/observability/logger';
import { createPollerMetrics } from '../../src/observability/metrics';
import { createIngressMetrics } from '../../src/ingress/metrics';
import { startIngressProcess, type RunningIngress } from '../../src/process/ingressProcess';
import { ensureQueue, setupRegion, type SetupAction } from '../../src/operations/setup';
import {
  startPollerProcess,
  type PollerProcessOptions,
  type RunningPoller,
} from '../../src/process/pollerProcess';
import { startWorkerProcess } from '../../src/process/workerProcess';
import type { RunningWorker } from '../../src/worker/createWorker';
import { createWorkerMetrics } from '../../src/worker/workerMetrics';
import { startMnsEmulator, type FaultConfig, type MnsEmulator, type ThrottleOptions } from '../emulators/mns';
import { startVodEmulator, type VodEmulator } from '../emulators/vod';
import { superviseProcess } from './childProcess';
import { freePort } from './freePort';
import { inProcessPart, type StackPart } from './part';
import { cliMain } from './paths';
import {
  createTemporalDevServer,
  existingTemporalServer,
  type ExistingTemporalOptions,
  type TemporalDevServerOptions,
  type TemporalServer,
} from './temporalDevServer';
import { clientWith } from './temporalClient';
import { startWebhookSink, type WebhookSink } from './webhookReceiver';

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
}

/** vodflow settings by name (VODFLOW_*, TEMPORAL_*, ALIBABA_CLOUD_*), as a process's environment holds them. */
export type Settings = Record<string, string>;

export type TemporalSpec =
  /** `temporal server start-dev`, a child process in the stack's data dir. */
  | ({ mode: 'dev-server' } & Omit<TemporalDevServerOptions, 'dataDir' | 'name'>)
  /**
   * A server that already runs (reused, never stopped): a shared dev server, or a cluster
   * reached with the TEMPORAL_* TLS settings in `clientEnv` (mTLS, an API key).
   */
  | ({ mode: 'existing'; address: string; namespace?: string } & ExistingTemporalOptions);

export interface MnsSpec {
  /** 'child' runs `vodflow mns-emulator` (compiled CLI), so it can be killed and restarted. */
  mode: 'in-process' | 'child';
  /** A free port when omitted; fixed for the stack's life, restarts included. */
  port?: number;
  /** Keep queues and messages in dataDir/mns across restarts. Default: a child does, in-process does not. */
  persist?: boolean;
  /** Serve the unsigned fault/stats endpoints. A child always does: its faults are set through them. */
  admin?: boolean;
  /** Given to the event queue and its dead-letter queue after setup (tests shorten the visibility timeout). */
  queueAttributes?: QueueAttributesInput;
  /**
   * The in-process emulator's rate limit (429 TooManyRequests); `false` turns it off, so a
   * benchmark measures its consumer rather than the emulator's throttle. Default: the service's.
   */
  throttle?: ThrottleOptions | false;
}

export interface VodSpec {
  port?: number;
  /** Simulated timeline: 1 ≈ 2–5 s per video. */
  timeScale?: number;
  seed?: number;
  /** Serve the /_emulator admin API (`vodflow simulate` uses it). */
  admin?: boolean;
}

export type WebhookSpec =
  /** The local receiver (harness/stack/webhookReceiver.ts) takes the publications. */
  | { mode: 'receiver'; port?: number; secret?: string }
  /** Publications go to a receiver someone else runs. */
  | { mode: 'external'; url: string; secret: string };

export interface ProcessSpec {
  /** 'child' runs `vodflow worker` / `vodflow poller` (compiled CLI); in-process uses src/process. */
  mode: 'in-process' | 'child';
  /** How many (children only; in-process there is one). Default 1. */
  count?: number;
  /** Settings of these processes on top of the stack's; a function gets the child's index. */
  settings?: Settings | ((index: number) => Settings);
}

export interface IngressSpec {
  /** 'child' runs `vodflow ingress` (compiled CLI), so it can be killed; in-process uses src/process. */
  mode: 'in-process' | 'child';
  /** A free port when omitted; fixed for the stack's life, restarts included. */
  port?: number;
  /** VODFLOW_CALLBACK_AUTH_KEY; default the local stack's documented key. */
  authKey?: string;
  /** Settings of the ingress on top of the stack's. */
  settings?: Settings;
}

export interface StackSpec {
  /** Temporal's database and pid file, the MNS emulator's data and every child's log. Default: a fresh temporary folder, removed by stop(). */
  dataDir?: string;
  /** What the emulators accept and the worker and poller sign with. Default: the local stack's. */
  credentials?: Credentials;
  region?: string;
  /** The event queue; its dead-letter queue is `<queue>-dlq`. Default vod-events. */
  queue?: string;
  taskQueue?: string;
  /** The stack's own logs and the level it gives workers and pollers. Default: warn. */
  logger?: Logger;
  /** Absent: no Temporal (a queue-only stack); workers and pollers need one. */
  temporal?: TemporalSpec;
  mns?: MnsSpec;
  vod?: VodSpec;
  webhook?: WebhookSpec;
  /** Run `setup` against the emulators (queues, dead-letter queue, VOD callback). Default: when there is an MNS emulator. */
  setup?: boolean;
  worker?: ProcessSpec;
  poller?: ProcessSpec;
  /** VOD's HTTP callback receiver, at `http://127.0.0.1:<port>/vod/events` (docs/INGRESS.md). */
  ingress?: IngressSpec;
  /** What setup points the VOD emulator's callback at: the queue (default) or the ingress. */
  callback?: 'mns' | 'http';
  /** Settings every worker and poller gets (pipeline options, tuning). */
  settings?: Settings;
  /** The in-process worker's and poller's one /metrics, /healthz, /readyz (as `vodflow run` serves them). */
  metricsPort?: number;
}

export interface MnsPart extends StackPart {
  readonly endpoint: string;
  /** The emulator while it runs in this process; null for a child, or while stopped. */
  readonly emulator: MnsEmulator | null;
  /** Fault injection: directly in-process, through the admin endpoint for a child (retried while it restarts). */
  setFaults(config: FaultConfig): Promise<void>;
}

export interface ProcessPart<T> extends StackPart {
  readonly mode: 'in-process' | 'child';
  /** The running instance in-process; null for a child, or while stopped. */
  readonly instance: T | null;
  /** The child process while it runs; null in-process. */
  readonly child: ChildProcess | null;
  /** Where its /metrics, /healthz and /readyz answer (in-process: the stack's metrics port, if any). */
  readonly httpUrl: string | null;
}

export type WorkerPart = ProcessPart<RunningWorker>;
export type PollerPart = ProcessPart<RunningPoller>;
export interface IngressPart extends ProcessPart<RunningIngress> {
  /** The default region's callback URL (VODFLOW_CALLBACK_URL), fixed across restarts. */
  readonly callbackUrl: string;
  readonly authKey: string;
}

export interface AddPollerSpec {
  mode: 'in-process' | 'child';
  settings?: Settings;
  /** In-process: run with exactly this configuration instead of one loaded from the settings. */
  config?: VodflowConfig;
  /** In-process: createPoller options (a test's wrapped transport or client). */
  options?: PollerProcessOptions;
  logger?: Logger;
}

export interface StackWebhook {
  url: string;
  secret: string;
  /** The local receiver, when the stack runs one. */
  receiver: WebhookSink | null;
}

export interface Stack {
  readonly dataDir: string;
  readonly credentials: Credentials;
  readonly region: string;
  readonly queue: string;
  readonly deadLetterQueue: string;
  readonly taskQueue: string;
  readonly temporal: TemporalServer | null;
  readonly mns: MnsPart | null;
  /** `<mns endpoint>/<queue>`, the form VODFLOW_QUEUES takes. */
  readonly queueUrl: string | null;
  readonly vod: VodEmulator | null;
  readonly webhook: StackWebhook | null;
  /** What setup did (empty when it did not run). */
  readonly setup: SetupAction[];
  readonly workers: WorkerPart[];
  readonly pollers: PollerPart[];
  readonly ingress: IngressPart | null;
  readonly metricsUrl: string | null;
  /** The settings a worker or poller of this stack gets (children: plus their own HTTP port). */
  settings(extra?: Settings): Settings;
  /** Those settings through `loadConfig`, as a production process reads them. */
  config(role: Role, extra?: Settings): VodflowConfig;
  /** A client (and its connection) on the stack's Temporal server, opened once, closed by stop(). */
  temporalClient(): Promise<{ connection: Connection; client: Client }>;
  /** An `@alicloud/mns` client on the emulator, with the stack's credentials. */
  mnsClient(): MnsClient;
  /** One more poller (stopped by stop()); started before it resolves. */
  addPoller(spec: AddPollerSpec): Promise<PollerPart>;
  /** Every part with a handle, in start order. */
  parts(): StackPart[];
  /** Stops everything, in reverse start order; one failing stop does not keep the others running. */
  stop(): Promise<void>;
}

/** The stack a spec describes: the parts it asks for are there (not null). */
export type StackOf<S extends StackSpec> = Omit<Stack, 'temporal' | 'mns' | 'vod' | 'webhook' | 'ingress'> & {
  readonly ingress: S extends { ingress: IngressSpec } ? IngressPart : IngressPart | null;
  readonly temporal: S extends { temporal: TemporalSpec } ? TemporalServer : TemporalServer | null;
  readonly mns: S extends { mns: MnsSpec } ? MnsPart : MnsPart | null;
  readonly vod: S extends { vod: VodSpec } ? VodEmulator : VodEmulator | null;
  readonly webhook: S extends { webhook: WebhookSpec } ? StackWebhook : StackWebhook | null;
};

/**
 * Fixed, documented credentials of the local stack. They open only the emulators on
 * 127.0.0.1 and are printed in the README: they are not secrets.
 */
export const localCredentials: Credentials = {
  accessKeyId: 'vodflow-local-key',
  accessKeySecret: 'vodflow-local-secret',
};
export const localWebhookSecret = 'whsec_dm9kZmxvdy1sb2NhbC13ZWJob29rLXNlY3JldC0zMmI=';
/** The local stack's VOD callback AuthKey: documented, opens only the local ingress. */
export const localCallbackAuthKey = 'VodflowLocalCallbackKey2026';
/** Where the ingress listens in a stack: the path of VODFLOW_CALLBACK_URL. */
export const callbackPath = '/vod/events';

/** What a child inherits from this process: enough to run, none of the caller's vodflow settings. */
const inheritedVariables = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'NODE_OPTIONS'];

export function childEnvironment(settings: Settings): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of inheritedVariables) if (process.env[key] !== undefined) env[key] = process.env[key];
  return { ...env, ...settings };
}

export async function startStack<S extends StackSpec>(spec: S): Promise<StackOf<S>> {
  const logger = spec.logger ?? createLogger('vodflow-stack', 'warn');
  const credentials = spec.credentials ?? localCredentials;
  const region = spec.region ?? 'cn-shanghai';
  const queue = spec.queue ?? 'vod-events';
  const deadLetterQueue = `${queue}-dlq`;
  const taskQueue = spec.taskQueue ?? 'vodflow';
  const ownDataDir = spec.dataDir === undefined;
  const dataDir = spec.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'vodflow-stack-')));
  await mkdir(dataDir, { recursive: true });

  const stops: Array<() => Promise<void>> = [];
  const parts: StackPart[] = [];
  const stop = async (): Promise<void> => {
    for (const step of stops.splice(0).reverse()) {
      await step().catch((err: unknown) =>
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'stopping the stack'),
      );
    }
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
  };
  const track = <T extends StackPart>(part: T): T => {
    parts.push(part);
    stops.push(() => part.stop());
    return part;
  };

  try {
    if (!spec.temporal && (spec.worker || spec.poller || spec.ingress))
      throw new Error('a stack with workers, pollers or an ingress needs Temporal');
    if (spec.callback === 'http' && !spec.ingress) throw new Error('an HTTP callback needs an ingress');
    const ingressPort = spec.ingress ? (spec.ingress.port ?? (await freePort())) : null;
    const callback =
      spec.ingress && ingressPort !== null
        ? {
            url: `http://127.0.0.1:${ingressPort}${callbackPath}`,
            authKey: spec.ingress.authKey ?? localCallbackAuthKey,
          }
        : null;
    const temporal = !spec.temporal
      ? null
      : track(
          spec.temporal.mode === 'existing'
            ? existingTemporalServer(spec.temporal.address, spec.temporal.namespace, {
                ...(spec.temporal.clientEnv ? { clientEnv: spec.temporal.clientEnv } : {}),
                ...(spec.temporal.createNamespace ? { createNamespace: true } : {}),
              })
            : await createTemporalDevServer({ ...withoutMode(spec.temporal), dataDir }),
        );
    await temporal?.start();

    let client: Promise<{ connection: Connection; client: Client }> | null = null;
    stops.push(async () => {
      const opened = await client?.catch(() => null);
      client = null;
      await opened?.connection.close();
    });

    const mns = spec.mns ? track(await mnsPart(spec.mns, { dataDir, credentials, logger })) : null;
    await mns?.start();
    const mnsClient = (): MnsClient => {
      if (!mns) throw new Error('this stack has no MNS emulator');
      return createMnsClient({ endpoint: mns.endpoint, ...credentials, timeoutMs: 15_000 });
    };

    let vod: VodEmulator | null = null;
    if (spec.vod) {
      vod = await startVodEmulator({
        ...(spec.vod.port !== undefined ? { port: spec.vod.port } : {}),
        credentials: [credentials],
        mnsCredentials: credentials,
        timeScale: spec.vod.timeScale ?? 1,
        ...(spec.vod.seed !== undefined ? { seed: spec.vod.seed } : {}),
        admin: spec.vod.admin ?? false,
        region,
      });
      const started = vod;
      stops.push(() => started.stop());
    }

    let webhook: StackWebhook | null = null;
    if (spec.webhook?.mode === 'external') {
      webhook = { url: spec.webhook.url, secret: spec.webhook.secret, receiver: null };
    } else if (spec.webhook?.mode === 'receiver') {
      const secret = spec.webhook.secret ?? localWebhookSecret;
      const receiver = await startWebhookSink(secret, {
        ...(spec.webhook.port !== undefined ? { port: spec.webhook.port } : {}),
        onAccepted: (key) => logger.info({ idempotencyKey: key }, 'video ready published'),
      });
      stops.push(() => receiver.close());
      webhook = { url: receiver.url, secret, receiver };
    }

    const setup: SetupAction[] = [];
    if (mns && spec.setup !== false) {
      const admin = mnsClient();
      if (vod) {
        const vodApi = createVodApi({ credentials, endpoint: vod.endpoint, timeoutMs: 10_000 });
        setup.push(
          ...(await setupRegion(
            {
              region,
              mnsEndpoint: mns.endpoint,
              queueName: queue,
              deadLetterQueueName: deadLetterQueue,
              ...(spec.callback === 'http' && callback ? { httpCallback: callback } : {}),
            },
            {
              vod: { request: (action, params) => vodApi.call(region, action, params) },
              mns: admin,
            },
          )),
        );
      } else {
        for (const name of [queue, deadLetterQueue]) setup.push(await ensureQueue(admin, name));
      }
      if (spec.mns?.queueAttributes) {
        for (const name of [queue, deadLetterQueue])
          await admin.setQueueAttributes(name, spec.mns.queueAttributes);
      }
    }

    const settings = (extra: Settings = {}): Settings => ({
      ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret,
      ...(temporal ? temporal.clientEnv : {}),
      VODFLOW_TASK_QUEUE: taskQueue,
      ...(mns ? { VODFLOW_QUEUES: `${region}=${mns.endpoint}/${queue}` } : {}),
      ...(vod ? { VODFLOW_VOD_ENDPOINT: vod.endpoint } : {}),
      ...(webhook ? { VODFLOW_WEBHOOK_URL: webhook.url, VODFLOW_WEBHOOK_SECRET: webhook.secret } : {}),
      VODFLOW_HTTP_HOST: '127.0.0.1',
      VODFLOW_HTTP_PORT: String(spec.metricsPort ?? 0),
      VODFLOW_LOG_LEVEL: logger.level,
      ...spec.settings,
      ...extra,
    });
    const config = (role: Role, extra?: Settings): VodflowConfig =>
      loadConfig({ role, env: settings(extra) });
    const settingsOf = (of: ProcessSpec | undefined, index: number): Settings =>
      typeof of?.settings === 'function' ? of.settings(index) : (of?.settings ?? {});

    // In-process parts keep one metrics object across restarts, so a scrape sees one series.
    const workerMetrics = createWorkerMetrics({ defaultMetrics: false });
    const workers: WorkerPart[] = [];
    const pollers: PollerPart[] = [];
    const childPart = async (role: 'worker' | 'poller' | 'ingress', name: string, extra: Settings) => {
      const port = await freePort();
      const child = superviseProcess({
        name,
        command: process.execPath,
        args: ['--enable-source-maps', cliMain, role],
        env: childEnvironment(settings({ ...extra, VODFLOW_HTTP_PORT: String(port) })),
        logFile: path.join(dataDir, `${name}.log`),
        // /healthz answers from the start; ready means connected to Temporal (and, for a
        // poller, receiving from MNS).
        ready: () => httpReady(`http://127.0.0.1:${port}/readyz`),
        // Ready means connected: under cluster faults on a loaded machine that can take a while.
        readyTimeoutMs: 120_000,
      });
      return extend(child, {
        mode: 'child' as const,
        instance: null,
        httpUrl: `http://127.0.0.1:${port}`,
      });
    };
    const inProcessUrl = spec.metricsPort !== undefined ? `http://127.0.0.1:${spec.metricsPort}` : null;

    const workerCount = spec.worker?.mode === 'child' ? (spec.worker.count ?? 1) : spec.worker ? 1 : 0;
    for (let i = 0; i < workerCount; i += 1) {
      const name = workerCount > 1 ? `worker-${i}` : 'worker';
      if (spec.worker?.mode === 'child') {
        workers.push(track(await childPart('worker', name, settingsOf(spec.worker, i))));
        continue;
      }
      const workerConfig = config('worker', settingsOf(spec.worker, i));
      const part = inProcessPart<RunningWorker>({
        name,
        launch: () => startWorkerProcess(workerConfig, logger.child({ component: name }), workerMetrics),
        halt: (worker) => worker.shutdown(),
        done: (worker) => worker.done,
      });
      workers.push(track(asProcessPart(part, inProcessUrl)));
    }

    const addPoller = async (launch: AddPollerSpec, name: string): Promise<PollerPart> => {
      if (launch.mode === 'child') {
        const part = track(await childPart('poller', name, launch.settings ?? {}));
        pollers.push(part);
        await part.start();
        return part;
      }
      const pollerConfig = launch.config ?? config('poller', launch.settings);
      const pollerLogger = launch.logger ?? logger.child({ component: name });
      // The Node process metrics ride on the poller's registry, once per process (as in `run`).
      const metrics = createPollerMetrics({ defaultMetrics: pollers.every((p) => p.mode === 'child') });
      const part = track(
        asProcessPart(
          inProcessPart<RunningPoller>({
            name,
            launch: () => startPollerProcess(pollerConfig, pollerLogger, { metrics, ...launch.options }),
            halt: async (running, graceful, graceMs) => {
              if (graceful && graceMs === undefined) return running.stop();
              await running.poller.stop(graceful ? graceMs : 0);
              await running.temporal.close();
            },
          }),
          inProcessUrl,
        ),
      );
      pollers.push(part);
      await part.start();
      return part;
    };

    const pollerCount = spec.poller?.mode === 'child' ? (spec.poller.count ?? 1) : spec.poller ? 1 : 0;
    const pollerStarts: Promise<PollerPart>[] = [];
    await Promise.all(workers.map((w) => w.start()));
    for (let i = 0; i < pollerCount; i += 1) {
      const name = pollerCount > 1 ? `poller-${i}` : 'poller';
      pollerStarts.push(addPoller({ mode: spec.poller!.mode, settings: settingsOf(spec.poller, i) }, name));
    }
    await Promise.all(pollerStarts);

    let ingress: IngressPart | null = null;
    const ingressMetrics = createIngressMetrics({ defaultMetrics: false });
    if (spec.ingress && callback && ingressPort !== null) {
      // The AuthKey goes to the ingress alone, as a deployment would keep it.
      const ingressSettings = {
        VODFLOW_CALLBACK_URL: callback.url,
        VODFLOW_CALLBACK_AUTH_KEY: callback.authKey,
        ...spec.ingress.settings,
        VODFLOW_INGRESS_PORT: String(ingressPort),
      };
      const handle =
        spec.ingress.mode === 'child'
          ? await childPart('ingress', 'ingress', ingressSettings)
          : asProcessPart(
              inProcessPart<RunningIngress>({
                name: 'ingress',
                launch: () =>
                  startIngressProcess(
                    config('ingress', ingressSettings),
                    logger.child({ component: 'ingress' }),
                    { metrics: ingressMetrics },
                  ),
                halt: (running, graceful, graceMs) => running.stop(graceful ? graceMs : 0),
              }),
              inProcessUrl,
            );
      ingress = track(extend(handle, { callbackUrl: callback.url, authKey: callback.authKey }));
      await ingress.start();
    }

    let health: HealthServer | null = null;
    const inProcess = [...workers, ...pollers, ...(ingress ? [ingress] : [])].filter(
      (p) => p.mode === 'in-process',
    );
    if (spec.metricsPort !== undefined && inProcess.length > 0) {
      const worker = workers.find((w) => w.mode === 'in-process');
      const poller = pollers.find((p) => p.mode === 'in-process');
      const started = await startHealthServer({
        host: '127.0.0.1',
        port: spec.metricsPort,
        registries: [
          ...(poller?.instance ? [poller.instance.poller.metrics.registry] : []),
          ...(worker ? [workerMetrics.registry] : []),
          ...(ingress?.mode === 'in-process' ? [ingressMetrics.registry] : []),
        ],
        readiness: () => {
          const state = worker?.instance?.worker.getState();
          if (worker && state !== 'RUNNING') return { ready: false, reason: `worker ${state ?? 'stopped'}` };
          if (!poller) return { ready: true };
          return poller.instance?.poller.readiness() ?? { ready: false, reason: 'poller stopped' };
        },
      });
      health = started;
      stops.push(() => started.close());
    }

    const stack: Stack = {
      dataDir,
      credentials,
      region,
      queue,
      deadLetterQueue,
      taskQueue,
      temporal,
      mns,
      queueUrl: mns ? `${mns.endpoint}/${queue}` : null,
      vod,
      webhook,
      setup,
      workers,
      pollers,
      ingress,
      metricsUrl: health ? `http://127.0.0.1:${health.port}/metrics` : null,
      settings,
      config,
      temporalClient() {
        if (!temporal) return Promise.reject(new Error('this stack has no Temporal'));
        client ??= clientWith(temporal.clientEnv);
        return client;
      },
      mnsClient,
      addPoller: (launch) => addPoller(launch, `poller-${pollers.length}`),
      parts: () => [...parts],
      stop,
    };
    // Which parts are present follows from the spec, checked above as each one started.
    return stack as StackOf<S>;
  } catch (err) {
    await stop();
    throw err;
  }
}

function withoutMode<T extends { mode: string }>(spec: T): Omit<T, 'mode'> {
  const { mode: _mode, ...rest } = spec;
  return rest;
}

function asProcessPart<T>(
  part: StackPart & { readonly current: T | null },
  httpUrl: string | null,
): ProcessPart<T> {
  return extend(part, {
    mode: 'in-process' as const,
    get instance() {
      return part.current;
    },
    child: null,
    httpUrl,
  });
}

/** Object.assign that keeps getters as getters (the part's state is read when asked, not copied). */
function extend<T extends object, U extends object>(target: T, extra: U): T & U {
  return Object.defineProperties(target, Object.getOwnPropertyDescriptors(extra)) as T & U;
}

async function mnsPart(
  spec: MnsSpec,
  context: { dataDir: string; credentials: Credentials; logger: Logger },
): Promise<MnsPart> {
  const port = spec.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const persist = spec.persist ?? spec.mode === 'child';
  const mnsDataDir = path.join(context.dataDir, 'mns');

  if (spec.mode === 'in-process') {
    const part = inProcessPart<MnsEmulator>({
      name: 'mns-emulator',
      launch: () =>
        startMnsEmulator({
          port,
          credentials: [context.credentials],
          ...(persist ? { dataDir: mnsDataDir } : {}),
          admin: spec.admin ?? false,
          ...(spec.throttle !== undefined ? { throttle: spec.throttle } : {}),
          logger: context.logger.child({ component: 'mns-emulator' }),
        }),
      halt: (emulator) => emulator.stop(),
    });
    return extend(part, {
      endpoint,
      get emulator() {
        return part.current;
      },
      setFaults(config: FaultConfig) {
        if (!part.current) return Promise.reject(new Error('the MNS emulator is stopped'));
        part.current.setFaults(config);
        return Promise.resolve();
      },
    });
  }

  const child = superviseProcess({
    name: 'mns-emulator',
    command: process.execPath,
    args: [
      '--enable-source-maps',
      cliMain,
      'mns-emulator',
      '--port',
      String(port),
      '--access-key-id',
      context.credentials.accessKeyId,
      '--access-key-secret',
      context.credentials.accessKeySecret,
      ...(persist ? ['--data-dir', mnsDataDir] : []),
      '--admin',
    ],
    env: childEnvironment({ VODFLOW_LOG_LEVEL: 'warn' }),
    logFile: path.join(context.dataDir, 'mns-emulator.log'),
    ready: () => httpAnswers(`${endpoint}/__admin/stats`),
  });
  return extend(child, {
    endpoint,
    emulator: null,
    async setFaults(config: FaultConfig) {
      // A restart in progress refuses connections for a moment: retry for up to a minute.
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          const response = await fetch(`${endpoint}/__admin/faults`, {
            method: 'PUT',
            body: JSON.stringify(config),
            signal: AbortSignal.timeout(5_000),
          });
          if (response.ok) return;
          throw new Error(`admin faults answered ${response.status}: ${await response.text()}`);
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await sleep(300);
        }
      }
    },
  });
}

/** /readyz answers 200. */
async function httpReady(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  await response.arrayBuffer();
  return response.status === 200;
}

/** Any HTTP answer means the process is up and serving its health port. */
async function httpAnswers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  await response.arrayBuffer();
  return true;
}
