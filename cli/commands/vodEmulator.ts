import type { Command } from 'commander';
import { untilStopSignal } from './lifecycle';
import { startVodEmulator } from '../../harness/emulators/vod';

interface VodEmulatorFlags {
  host: string;
  port: string;
  accessKeyId: string;
  accessKeySecret: string;
  mnsAccessKeyId?: string;
  mnsAccessKeySecret?: string;
  timeScale: string;
  seed?: string;
  region: string;
  admin?: boolean;
}

function positiveNumber(name: string, raw: string): number {
  const n = Number(raw);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`--${name} must be a positive number, got ${raw}`);
  return n;
}

export function registerVodEmulatorCommand(program: Command): void {
  program
    .command('vod-emulator')
    .description('Run the local ApsaraVideo VOD OpenAPI emulator (simulated uploads push events to MNS).')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '9200')
    .requiredOption('--access-key-id <id>', 'access key id clients sign with')
    .requiredOption('--access-key-secret <secret>', 'access key secret clients sign with')
    .option('--mns-access-key-id <id>', 'access key id the emulator writes to MNS with')
    .option('--mns-access-key-secret <secret>', 'access key secret the emulator writes to MNS with')
    .option('--time-scale <x>', 'multiplier on the simulated timeline (1 ≈ 2–5 s per video)', '1')
    .option('--seed <n>', 'seed for video ids and knob draws (default random)')
    .option('--region <id>', 'region the emulator plays', 'cn-shanghai')
    .option('--admin', 'serve the /_emulator admin API (uploads, video state, knobs)')
    .action(async (flags: VodEmulatorFlags) => {
      if ((flags.mnsAccessKeyId === undefined) !== (flags.mnsAccessKeySecret === undefined)) {
        throw new Error('--mns-access-key-id and --mns-access-key-secret go together');
      }
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`--port: invalid port ${flags.port}`);
      const emulator = await startVodEmulator({
        host: flags.host,
        port,
        region: flags.region,
        credentials: [{ accessKeyId: flags.accessKeyId, accessKeySecret: flags.accessKeySecret }],
        ...(flags.mnsAccessKeyId !== undefined && flags.mnsAccessKeySecret !== undefined
          ? {
              mnsCredentials: {
                accessKeyId: flags.mnsAccessKeyId,
                accessKeySecret: flags.mnsAccessKeySecret,
              },
            }
          : {}),
        timeScale: positiveNumber('time-scale', flags.timeScale),
        ...(flags.seed !== undefined ? { seed: Number.parseInt(flags.seed, 10) } : {}),
        admin: flags.admin ?? false,
      });
      console.log(
        JSON.stringify({
          endpoint: emulator.endpoint,
          admin: flags.admin ? `${emulator.endpoint}/_emulator/` : null,
        }),
      );
      await untilStopSignal();
      await emulator.stop();
    });
}
