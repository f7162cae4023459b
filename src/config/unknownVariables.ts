import { settingNames, type UnknownVariable } from './schema';
import { grpcMetaPrefix, temporalClientVariables } from './temporalClient';

/**
 * Variables of vodflow's namespaces that are read, but not as settings: the development
 * harness's, and the Temporal CLI's. They are not reported as unknown.
 */
const toolVariables = new Set([
  'VODFLOW_CONFIG_FILE',
  'VODFLOW_CACHE_DIR',
  'VODFLOW_TEMPORAL_CLI',
  'VODFLOW_TEMPORAL_CLI_VERSION',
  'VODFLOW_TEMPORAL_SERVER_VERSION',
  'VODFLOW_RECORD_HISTORIES',
  'VODFLOW_MNS_EMULATOR_FAULTS',
  'VODFLOW_POLLER_HEAP_MB',
  'VODFLOW_CHROMIUM',
  'TEMPORAL_ENV',
  'TEMPORAL_VERSION_CHECK_DISABLED',
]);
/** Prefixes of the harness's own families: the local cluster, the tests, models, the bench. */
const toolPrefixes = [
  'VODFLOW_CLUSTER_',
  'VODFLOW_TEST_',
  'VODFLOW_MODEL_',
  'VODFLOW_BENCH_',
  grpcMetaPrefix,
];

const known = new Set<string>([...settingNames, ...temporalClientVariables, ...toolVariables]);
const suggestions = [...settingNames, ...temporalClientVariables];

/**
 * TEMPORAL_* and VODFLOW_* names in `env` that no part of vodflow reads: most often a typo
 * (VODFLOW_QEUES) or a name from another tool's documentation, which would otherwise be
 * ignored without a word. Names only; values are never looked at.
 */
export function unknownVariables(
  env: NodeJS.ProcessEnv | Record<string, string | undefined>,
): UnknownVariable[] {
  const unknown: UnknownVariable[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!/^(TEMPORAL|VODFLOW)_/.test(name)) continue;
    if (known.has(name) || toolPrefixes.some((prefix) => name.startsWith(prefix))) continue;
    const didYouMean = closest(name);
    unknown.push({ name, ...(didYouMean ? { didYouMean } : {}) });
  }
  return unknown;
}

/** The known name within a few edits, or sharing all but one underscore-separated word. */
function closest(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of suggestions) {
    const distance = editDistance(name, candidate);
    if (best === undefined || distance < best.distance) best = { name: candidate, distance };
  }
  if (best && best.distance <= Math.max(2, Math.floor(name.length / 6))) return best.name;
  // TEMPORAL_TLS_CERT for TEMPORAL_TLS_CLIENT_CERT_PATH: the known name with every word of it
  // and the fewest others (the first listed on a tie).
  const words = name.split('_');
  let fewest: { name: string; extra: number } | undefined;
  for (const candidate of suggestions) {
    const theirs = candidate.split('_');
    if (!words.every((word) => theirs.includes(word))) continue;
    const extra = theirs.length - words.length;
    if (fewest === undefined || extra < fewest.extra) fewest = { name: candidate, extra };
  }
  return fewest?.name;
}

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/** The one-line warning a process logs at start. */
export function describeUnknownVariables(unknown: readonly UnknownVariable[]): string {
  const names = unknown.map((u) => (u.didYouMean ? `${u.name} (did you mean ${u.didYouMean}?)` : u.name));
  return `ignoring unknown variable${unknown.length > 1 ? 's' : ''} ${names.join(', ')}: not a vodflow or Temporal client setting (docs/CONFIGURATION.md)`;
}
