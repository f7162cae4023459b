/**
 * What the operator commands (status, list, rerun, cancel, redrive) share: their common
 * flags, the exit codes (docs/OPERATIONS.md), the connection to Temporal, video-id checks
 * and output. The work itself lives in src/operations.
 */
import type { Command } from 'commander';
import { mediaIdSchema } from '../src/events/mediaId';
import type { VodflowConfig } from '../src/config';
import { connectTemporal, type TemporalClientBundle } from '../src/temporal/connection';
import { fanOut } from '../src/operations/fanOut';
import { parseRate, TokenBucket } from '../src/operations/rateLimiter';
import { listVideoRows, type OperatorContext } from '../src/operations/videoPipelines';
import { QueryFilterError, scopedQuery } from '../src/operations/visibilityQuery';
import { configOrExit } from './commands/lifecycle';
import { progressReporter } from './progress';

/** Exit codes of every operator command. */
export const exitCodes = {
  /** Everything asked was done (or, with --dry-run, would be). */
  ok: 0,
  /** Some videos or messages were not found, refused or failed: the table says which. */
  partial: 1,
  /** Bad flags or settings: nothing was done. */
  usage: 2,
  /** Temporal or MNS could not be used (unreachable, credentials refused, queue missing). */
  unavailable: 3,
  /** Interrupted (Ctrl-C): what was done is reported; running the command again finishes it. */
  interrupted: 130,
} as const;

export interface CommonFlags {
  config?: string;
  json?: boolean;
  rps: string;
  timeout: string;
}

export interface FanOutFlags extends CommonFlags {
  concurrency: string;
}

export function withCommonOptions(command: Command): Command {
  return command
    .option('--json', 'print one JSON document on stdout instead of tables (progress stays on stderr)')
    .option('--rps <n>', 'at most this many calls per second to Temporal or MNS (token bucket)', '20')
    .option('--timeout <seconds>', 'deadline of each call', '10')
    .option('-c, --config <file>', 'JSON config file (environment variables override it)');
}

export function withFanOutOptions(command: Command): Command {
  return withCommonOptions(command).option('--concurrency <n>', 'videos handled at the same time', '8');
}

/** Prints the problem and exits 2: bad flags never half-run a command. */
export function usageError(command: string, message: string): never {
  console.error(`vodflow ${command}: ${message}`);
  process.exit(exitCodes.usage);
}

export function positiveInt(command: string, flag: string, text: string, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 1 || value > max) {
    usageError(command, `${flag} must be a whole number from 1 to ${max} (got ${JSON.stringify(text)})`);
  }
  return value;
}

export function limiterFrom(command: string, flags: Pick<CommonFlags, 'rps'>): TokenBucket {
  try {
    return new TokenBucket({ ratePerSecond: parseRate(flags.rps) });
  } catch (err) {
    usageError(command, (err as Error).message);
  }
}

/** Video ids as VOD writes them (what `vod-video-<id>` is made of); anything else is a typo. */
export function checkedVideoIds(command: string, ids: readonly string[]): string[] {
  const unique = [...new Set(ids.map((id) => id.trim()))];
  for (const id of unique) {
    if (!mediaIdSchema.safeParse(id).success) {
      usageError(command, `${JSON.stringify(id)} is not a video id (letters, digits, - and _, at most 64)`);
    }
  }
  return unique;
}

export interface OperatorSession {
  ctx: OperatorContext;
  config: VodflowConfig;
  close(): Promise<void>;
}

/** Settings (exit 2 when wrong), the rate limiter (`--rps`) and a Temporal connection (exit 3 when it fails). */
export async function openOperatorSession(
  command: string,
  flags: CommonFlags,
  extra: { queryTimeoutSeconds?: string } = {},
): Promise<OperatorSession> {
  const timeoutMs = positiveInt(command, '--timeout', flags.timeout, 600) * 1000;
  const queryTimeoutMs =
    extra.queryTimeoutSeconds !== undefined
      ? positiveInt(command, '--query-timeout', extra.queryTimeoutSeconds, 600) * 1000
      : timeoutMs;
  const limiter = limiterFrom(command, flags);
  const config = configOrExit('operator', flags.config);
  let temporal: TemporalClientBundle;
  try {
    temporal = await connectTemporal(config.temporal);
  } catch (err) {
    console.error(
      `vodflow ${command}: cannot connect to Temporal at ${config.temporal.address}: ${(err as Error).message}`,
    );
    process.exit(exitCodes.unavailable);
  }
  return {
    ctx: {
      client: temporal.client,
      namespace: config.temporal.namespace,
      uiBase: config.ui.temporalUrl,
      timeoutMs,
      queryTimeoutMs,
      limiter,
    },
    config,
    close: () => temporal.close(),
  };
}

/** An error that means Temporal itself is unusable rather than one video having a problem. */
export function isUnavailable(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    // gRPC UNAVAILABLE, UNAUTHENTICATED, PERMISSION_DENIED
    if (code === 14 || code === 16 || code === 7) return true;
    if ((e as { name?: unknown }).name === 'NamespaceNotFoundError') return true;
  }
  return false;
}

/** The exit code for a command-level failure: Temporal unusable (3), a query it refused (2), else 1. */
export function exitCodeFor(err: unknown): number {
  if (isUnavailable(err)) return exitCodes.unavailable;
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === 3) return exitCodes.usage; // gRPC INVALID_ARGUMENT: a bad query
  }
  return exitCodes.partial;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function errorText(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string } };
  return (e?.cause?.message ?? e?.message ?? String(err)).split('\n')[0]!.slice(0, 300);
}

/** A video to act on; `runId` when a query selected one of its runs (skipped if a newer run exists). */
export interface SelectedVideo {
  videoId: string;
  runId?: string;
}

/** The videos named on the command line, or those a visibility query finds (exactly one of the two). */
export async function selectVideos(
  command: string,
  session: OperatorSession,
  ids: readonly string[],
  query: string | undefined,
  limitText: string,
): Promise<SelectedVideo[]> {
  if (ids.length > 0 && query !== undefined) usageError(command, 'give video ids or --query, not both');
  if (ids.length === 0 && query === undefined) usageError(command, 'give video ids or --query');
  if (query === undefined) return checkedVideoIds(command, ids).map((videoId) => ({ videoId }));
  const limit = positiveInt(command, '--limit', limitText, 100_000);
  let scoped: string;
  try {
    scoped = scopedQuery(query);
  } catch (err) {
    if (err instanceof QueryFilterError) usageError(command, err.message);
    throw err;
  }
  try {
    const { rows, truncated } = await listVideoRows(session.ctx, scoped, { limit });
    if (truncated)
      console.error(`vodflow ${command}: more runs match than --limit ${limit}; run again for the rest`);
    return rows.map((row) => ({ videoId: row.videoId, runId: row.runId }));
  } catch (err) {
    console.error(`vodflow ${command}: --query: ${errorText(err)}`);
    await session.close();
    process.exit(exitCodeFor(err));
  }
}

/** A video a command could not handle: the error, and whether Temporal itself was unusable. */
export interface VideoFailure {
  videoId: string;
  action: 'error';
  error: string;
  unavailable: boolean;
}

/**
 * Runs `work` for each selected video, `--concurrency` at a time, with a progress bar on
 * stderr; an error thrown for one video becomes that video's failure, never the command's.
 */
export async function forEachVideo<R>(
  command: string,
  flags: FanOutFlags & { dryRun?: boolean },
  videos: readonly SelectedVideo[],
  work: (video: SelectedVideo) => Promise<R>,
): Promise<(R | VideoFailure)[]> {
  const progress = progressReporter(flags.dryRun ? `${command} (dry run)` : command);
  const results = await fanOut(videos, work, {
    concurrency: positiveInt(command, '--concurrency', flags.concurrency, 64),
    onProgress: (done, total) => progress.update(done, total),
  });
  progress.finish();
  return results.map((r) =>
    r.ok
      ? r.value
      : {
          videoId: r.item.videoId,
          action: 'error' as const,
          error: errorText(r.error),
          unavailable: isUnavailable(r.error),
        },
  );
}

/** Exit 3 when Temporal was unusable for a video, else 1 when a video ended in one of `partial`. */
export function setOutcomeExitCode(
  outcomes: readonly { action: string; unavailable?: boolean }[],
  partial: readonly string[],
): void {
  if (outcomes.some((o) => o.action === 'error' && o.unavailable === true)) {
    process.exitCode = exitCodes.unavailable;
  } else if (outcomes.some((o) => o.action === 'error' || partial.includes(o.action))) {
    process.exitCode = exitCodes.partial;
  }
}
