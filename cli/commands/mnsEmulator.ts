import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { untilStopSignal } from './lifecycle';
import { startMnsEmulator, type FaultConfig, type ThrottleOptions } from '../../harness/emulators/mns';
import { validateFaultConfig } from '../../harness/emulators/mns/faults';
import { createLogger } from '../../src/observability/logger';

interface MnsEmulatorCliOptions {
  host: string;
  port: string;
  accessKeyId: string;
  accessKeySecret: string;
  accountId?: string;
  dataDir?: string;
  admin?: boolean;
  faults?: string;
  clockSkewMs?: string;
  seed?: string;
  strictFifo?: boolean;
  longPollLimit?: string;
  abandonedPollConsumeRate?: string;
  throttle: boolean;
  throttleLimit?: string;
  throttleHoldMs?: string;
  contentMd5Check: boolean;
  nativeDeadLetter: boolean;
  signatureV4: boolean;
  region?: string;
  tls?: boolean;
  tlsCertFile?: string;
}

function integer(name: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`invalid ${name}: ${value}`);
  return n;
}

function rate(name: string, value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new Error(`invalid ${name} (0..1): ${value}`);
  return n;
}

/** `500` or `10-500`. */
function holdMs(value: string): number | [number, number] {
  const range = /^(\d+)-(\d+)$/.exec(value);
  if (range) return [Number(range[1]), Number(range[2])];
  return integer('--throttle-hold-ms', value, 0, 5_000);
}

export function registerMnsEmulatorCommand(program: Command): void {
  program
    .command('mns-emulator')
    .description('Run the local MNS queue emulator (the MNS XML API, for the official SDKs).')
    .requiredOption('--port <port>', 'TCP port (0 = any free port)')
    .requiredOption('--access-key-id <id>', 'AccessKeyId clients sign with')
    .requiredOption('--access-key-secret <secret>', 'AccessKeySecret clients sign with')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--account-id <id>', 'account id shown in error HostIds')
    .option('--data-dir <dir>', 'keep queues and messages in this directory across restarts')
    .option('--admin', 'serve the unsigned /__admin/faults and /__admin/stats endpoints')
    .option('--faults <json>', 'initial fault config, e.g. \'{"DeleteMessage":{"errorRate":0.1}}\'')
    .option(
      '--clock-skew-ms <ms>',
      "run the emulator's clock this far ahead of the host's (negative: behind)",
    )
    .option('--seed <n>', 'seed of every chance the emulator takes (default: random, logged)')
    .option('--strict-fifo', 'debugging: full batches, oldest first, priority ignored (no striping)')
    .option('--long-poll-limit <n>', 'held long polls per account before MessageNotExist at once (0 = none)')
    .option(
      '--abandoned-poll-consume-rate <p>',
      'chance that a long poll whose client left still consumes what it is answered with',
    )
    .option('--no-throttle', 'never answer 429 TooManyRequests for the rate (injected throttles still apply)')
    .option('--throttle-limit <perSecond>', 'throttling rate per account (default 20000)')
    .option('--throttle-hold-ms <ms>', 'hold before a 429: ms or min-max (default 10-500)')
    .option('--no-content-md5-check', 'accept a Content-MD5 that does not match the body')
    .option('--no-native-dead-letter', "ignore queues' native dead-letter policies")
    .option('--no-signature-v4', 'refuse MNS4-HMAC-SHA256 signatures')
    .option('--region <id>', 'region V4 signatures must be scoped to (default: any)')
    .option('--tls', 'serve HTTPS with a self-signed certificate')
    .option('--tls-cert-file <path>', 'with --tls: write the certificate (PEM) here, for NODE_EXTRA_CA_CERTS')
    .action(async (opts: MnsEmulatorCliOptions) => {
      const port = integer('--port', opts.port, 0, 65535);
      const clockSkewMs = Number(opts.clockSkewMs ?? 0);
      if (!Number.isInteger(clockSkewMs)) throw new Error(`invalid --clock-skew-ms: ${opts.clockSkewMs}`);
      const faults: FaultConfig | undefined =
        opts.faults !== undefined ? validateFaultConfig(JSON.parse(opts.faults)) : undefined;
      if (opts.tlsCertFile !== undefined && !opts.tls) throw new Error('--tls-cert-file needs --tls');
      const throttle: ThrottleOptions | false = opts.throttle
        ? {
            ...(opts.throttleLimit !== undefined
              ? { limitPerSecond: integer('--throttle-limit', opts.throttleLimit, 1) }
              : {}),
            ...(opts.throttleHoldMs !== undefined ? { holdMs: holdMs(opts.throttleHoldMs) } : {}),
          }
        : false;
      const logger = createLogger('mns-emulator');
      const emulator = await startMnsEmulator({
        host: opts.host,
        port,
        credentials: [{ accessKeyId: opts.accessKeyId, accessKeySecret: opts.accessKeySecret }],
        ...(opts.accountId !== undefined ? { accountId: opts.accountId } : {}),
        ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
        ...(faults !== undefined ? { faults } : {}),
        ...(opts.seed !== undefined ? { seed: integer('--seed', opts.seed, 0, 0xffffffff) } : {}),
        delivery: {
          strictFifo: opts.strictFifo ?? false,
          ...(opts.longPollLimit !== undefined
            ? { longPollLimit: integer('--long-poll-limit', opts.longPollLimit, 0) }
            : {}),
          ...(opts.abandonedPollConsumeRate !== undefined
            ? {
                abandonedPollConsumeRate: rate(
                  '--abandoned-poll-consume-rate',
                  opts.abandonedPollConsumeRate,
                ),
              }
            : {}),
        },
        throttle,
        checkContentMd5: opts.contentMd5Check,
        nativeDeadLetter: opts.nativeDeadLetter,
        signatureV4: opts.signatureV4,
        ...(opts.region !== undefined ? { region: opts.region } : {}),
        tls: opts.tls ?? false,
        admin: opts.admin ?? false,
        clockSkewMs,
        logger,
      });
      if (opts.tlsCertFile !== undefined && emulator.certificate !== undefined) {
        writeFileSync(opts.tlsCertFile, emulator.certificate);
      }
      // One JSON line on stdout so scripts can pick up the endpoint (useful with --port 0).
      console.log(
        JSON.stringify({
          endpoint: emulator.endpoint,
          port: emulator.port,
          seed: emulator.seed,
          ...(opts.tlsCertFile !== undefined ? { certificateFile: opts.tlsCertFile } : {}),
        }),
      );
      await untilStopSignal();
      await emulator.stop();
      logger.info('mns emulator stopped');
      logger.flush();
    });
}
