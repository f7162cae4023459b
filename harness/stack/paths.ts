/**
 * Where things are: the repository root, the compiled CLI, and the one place that decides
 * which Temporal CLI (and so which dev server) every local stack, test, bench and chaos run
 * uses: VODFLOW_TEMPORAL_CLI, else `temporal` on PATH when it is at least the pinned version,
 * else the pinned version built from the Go module proxy by scripts/install-temporal.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

// dist/harness/stack/paths.js → repository root. Compiled and source layouts differ by one
// "dist" level, so resolve from the nearest package.json instead of counting.
function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const pkg = require(candidate) as { name?: string };
      if (pkg.name === 'vodflow') return dir;
    } catch {
      // keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`vodflow: cannot find the repository root above ${start}`);
    dir = parent;
  }
}

export const repoRoot = findRoot(__dirname);
/** The compiled CLI the stack's child processes run (`bin/vodflow` minus the bootstrap check). */
export const cliMain = path.join(repoRoot, 'dist', 'cli', 'main.js');
export const binVodflow = path.join(repoRoot, 'bin', 'vodflow');
export const installTemporalScript = path.join(repoRoot, 'scripts', 'install-temporal');
/** What scripts/install-temporal links; the build itself lives in the per-user cache. */
export const builtTemporalCli = path.join(repoRoot, '.tools', 'bin', 'temporal');

/** The oldest Temporal CLI vodflow runs on (the one scripts/install-temporal builds). */
export const pinnedTemporalVersion = '1.5.1';
export const temporalCliVariable = 'VODFLOW_TEMPORAL_CLI';

/** `temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)` → `1.5.1`; null when it says something else. */
export function parseTemporalVersion(output: string): string | null {
  return /\btemporal version v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/.exec(output)?.[1] ?? null;
}

/**
 * Semantic-version order of two `major.minor.patch[-pre]` strings: negative, 0 or positive.
 * A pre-release sorts before its release (1.6.0-rc.1 < 1.6.0); pre-release labels compare as
 * text, which is all a CLI version check needs.
 */
export function compareVersions(a: string, b: string): number {
  const split = (v: string) => {
    const [core = '', pre] = v.replace(/^v/, '').split('-', 2);
    return { parts: core.split('.').map((n) => Number(n)), pre };
  };
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < 3; i += 1) {
    const diff = (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
    if (diff !== 0) return diff;
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}

export function isRecentEnough(version: string): boolean {
  return compareVersions(version, pinnedTemporalVersion) >= 0;
}

export interface TemporalCli {
  path: string;
  version: string;
  source: 'VODFLOW_TEMPORAL_CLI' | 'PATH' | 'built';
}

/** What `binary --version` reports, or null when it does not run or says something unexpected. */
export function temporalCliVersion(binary: string): string | null {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  if (result.error || result.status !== 0) return null;
  return parseTemporalVersion(`${result.stdout ?? ''}`);
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export interface ResolveTemporalCliOptions {
  env?: NodeJS.ProcessEnv;
  /** The pinned build's location; scripts/install-temporal's link by default. */
  built?: string;
  /** Builds the pinned version when nothing else fits; scripts/install-temporal by default. */
  install?: () => void;
}

/**
 * Chooses the Temporal CLI: an explicit VODFLOW_TEMPORAL_CLI must exist and be recent enough
 * (a clear error otherwise: the user asked for it); `temporal` on PATH is used when recent
 * enough and skipped otherwise; the pinned build is the fallback, built once when missing.
 */
export function resolveTemporalCli(options: ResolveTemporalCliOptions = {}): TemporalCli {
  const env = options.env ?? process.env;
  const explicit = env[temporalCliVariable]?.trim();
  if (explicit) {
    const version = temporalCliVersion(explicit);
    if (version === null)
      throw new Error(`${temporalCliVariable}=${explicit} does not run as a Temporal CLI (--version)`);
    if (!isRecentEnough(version))
      throw new Error(
        `${temporalCliVariable}=${explicit} is Temporal CLI ${version}; vodflow needs ${pinnedTemporalVersion} or later`,
      );
    return { path: explicit, version, source: temporalCliVariable };
  }
  const fromPath = onPath('temporal', env);
  if (fromPath !== null) {
    const version = temporalCliVersion(fromPath);
    if (version !== null && isRecentEnough(version)) return { path: fromPath, version, source: 'PATH' };
  }
  const built = options.built ?? builtTemporalCli;
  if (!existsSync(built)) (options.install ?? runInstallScript)();
  const version = temporalCliVersion(built);
  if (version === null) throw new Error(`the Temporal CLI at ${built} does not run (--version)`);
  return { path: built, version, source: 'built' };
}

function runInstallScript(): void {
  // stdout too goes to stderr: commands that print JSON on stdout must not carry build chatter.
  const result = spawnSync('bash', [installTemporalScript], {
    stdio: ['ignore', process.stderr, process.stderr],
    env: { ...process.env, VODFLOW_TEMPORAL_CLI_VERSION: `v${pinnedTemporalVersion}` },
  });
  if (result.status !== 0) throw new Error(`could not install the Temporal CLI (${installTemporalScript})`);
}

let chosen: TemporalCli | undefined;
/** The Temporal CLI of this process, chosen once (see resolveTemporalCli). */
export function temporalCli(): TemporalCli {
  chosen ??= resolveTemporalCli();
  return chosen;
}

// `node dist/harness/stack/paths.js`: choose (and build when needed) before a long run.
if (require.main === module) {
  const cli = temporalCli();
  console.error(`Temporal CLI ${cli.version} (${cli.source}): ${cli.path}`);
}
