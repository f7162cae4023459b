import type { Command } from 'commander';
import { untilStopSignal } from './lifecycle';
import { startMnsEmulator, type FaultConfig } from '../../harness/emulators/mns';
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
    .action(async (opts: MnsEmulatorCliOptions) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`invalid --port: ${opts.port}`);
      const clockSkewMs = Number(opts.clockSkewMs ?? 0);
      if (!Number.isInteger(clockSkewMs)) throw new Error(`invalid --clock-skew-ms: ${opts.clockSkewMs}`);
      const faults: FaultConfig | undefined =
        opts.faults !== undefined ? validateFaultConfig(JSON.parse(opts.faults)) : undefined;
      const logger = createLogger('mns-emulator');
      const emulator = await startMnsEmulator({
        host: opts.host,
        port,
        credentials: [{ accessKeyId: opts.accessKeyId, accessKeySecret: opts.accessKeySecret }],
        ...(opts.accountId !== undefined ? { accountId: opts.accountId } : {}),
        ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
        ...(faults !== undefined ? { faults } : {}),
        admin: opts.admin ?? false,
        clockSkewMs,
        logger,
      });
      // One JSON line on stdout so scripts can pick up the endpoint (useful with --port 0).
      console.log(JSON.stringify({ endpoint: emulator.endpoint, port: emulator.port }));
      await untilStopSignal();
      await emulator.stop();
      logger.info('mns emulator stopped');
      logger.flush();
    });
}
