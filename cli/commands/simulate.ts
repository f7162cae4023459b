import type { Command } from 'commander';
import { defaultLocalPorts } from '../../harness/stack/localStack';

export interface SimulationFlags {
  videos: string;
  duplicateRate?: string;
  dropRate?: string;
  shuffle?: boolean;
  transcodeFailRate?: string;
  seed?: string;
  /** Commander's `--no-events`: false when given. */
  events?: boolean;
}

function rate(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new Error(`--${name} must be a number from 0 to 1, got ${value}`);
  return n;
}

export function videoCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000)
    throw new Error(`--videos must be a whole number from 1 to 100000, got ${value}`);
  return n;
}

/** The VOD emulator's upload knobs for the simulation flags. */
export function simulationKnobs(flags: SimulationFlags): Record<string, unknown> {
  const knobs: Record<string, unknown> = {};
  const duplicateRate = rate('duplicate-rate', flags.duplicateRate);
  const dropRate = rate('drop-rate', flags.dropRate);
  const transcodeFailRate = rate('transcode-fail-rate', flags.transcodeFailRate);
  if (duplicateRate !== undefined) knobs.duplicateRate = duplicateRate;
  if (dropRate !== undefined) knobs.dropRate = dropRate;
  if (transcodeFailRate !== undefined) knobs.transcodeFailRate = transcodeFailRate;
  if (flags.shuffle) knobs.reorder = true;
  if (flags.events === false) knobs.suppressEvents = true;
  return knobs;
}

export function withSimulationOptions(command: Command): Command {
  return command
    .option('--duplicate-rate <r>', 'chance each event is pushed twice (0–1)')
    .option('--drop-rate <r>', 'chance each event is lost, to be recovered by reconciliation (0–1)')
    .option('--shuffle', 'push each video’s events in a random order')
    .option('--transcode-fail-rate <r>', 'chance a video’s transcode fails (0–1)')
    .option('--seed <n>', 'seed for reproducible uploads');
}

export function registerSimulateCommand(program: Command): void {
  withSimulationOptions(
    program
      .command('simulate')
      .description('Upload simulated videos into a running `vodflow dev` stack.')
      .requiredOption('--videos <n>', 'how many uploads')
      .option('--vod <url>', 'VOD emulator endpoint', `http://127.0.0.1:${defaultLocalPorts.vod}`)
      .option(
        '--no-events',
        'VOD writes none of these videos’ events (a callback that points nowhere): only `vodflow backfill` finds them',
      ),
  ).action(async (flags: SimulationFlags & { vod: string }) => {
    const count = videoCount(flags.videos);
    const body = {
      count,
      knobs: simulationKnobs(flags),
      ...(flags.seed !== undefined ? { seed: Number(flags.seed) } : {}),
    };
    let response: Response;
    try {
      response = await fetch(`${flags.vod.replace(/\/$/, '')}/_emulator/uploads`, {
        method: 'POST',
        // The admin API answers only non-browser callers that send this header.
        headers: { 'content-type': 'application/json', 'x-vodflow-admin': '1' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new Error(
        `cannot reach the VOD emulator at ${flags.vod} (is \`vodflow dev\` running?): ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const text = await response.text();
    if (!response.ok)
      throw new Error(`the VOD emulator refused the uploads: HTTP ${response.status} ${text}`);
    const { videoIds } = JSON.parse(text) as { videoIds: string[] };
    console.log(JSON.stringify({ uploads: videoIds.length, videoIds }));
  });
}
