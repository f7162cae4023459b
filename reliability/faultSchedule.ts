/**
 * When each fault strikes, drawn from the seed. Process faults (SIGKILL + restart) and
 * MNS fault windows are spread over the production window, so they hit while messages flow.
 */
import { createRandom } from '../harness/random';

export type FaultAction =
  | { kind: 'kill-poller'; atMs: number; target: number; downMs: number }
  | { kind: 'kill-worker'; atMs: number; target: number; downMs: number }
  /** HTTP mode: the ingress SIGKILLed; VOD's pushes meanwhile fail three times and are lost. */
  | { kind: 'kill-ingress'; atMs: number; downMs: number }
  | { kind: 'restart-temporal'; atMs: number; downMs: number }
  /** Cluster faults: SIGKILL a history process (1 or 2) or matching and start it again after downMs. */
  | { kind: 'kill-history'; atMs: number; target: 1 | 2; downMs: number }
  | { kind: 'kill-matching'; atMs: number; downMs: number }
  /** Graceful restarts of the frontend and of PostgreSQL under the running cluster. */
  | { kind: 'restart-frontend'; atMs: number }
  | { kind: 'restart-postgres'; atMs: number }
  | { kind: 'restart-mns'; atMs: number; downMs: number }
  | { kind: 'latency-spike'; atMs: number; durationMs: number; latencyMs: number }
  | { kind: 'drop-connections'; atMs: number; durationMs: number; rate: number };

export type FaultKind = FaultAction['kind'];

export interface FaultScheduleOptions {
  seed: number | string;
  /** The window faults are spread over, from the start of production. */
  windowMs: number;
  pollers: number;
  /** Worker processes the kills are spread over (default 1). */
  workers?: number;
  pollerKills: number;
  workerKills: number;
  temporalRestarts: number;
  mnsRestarts: number;
  latencySpikes: number;
  connectionDrops: number;
  /** On the cluster only (default 0 each). */
  historyKills?: number;
  matchingKills?: number;
  frontendRestarts?: number;
  postgresRestarts?: number;
  /** HTTP mode. Default 0. */
  ingressKills?: number;
  /** How long a killed ingress stays down. Default 10 s. */
  ingressDownMs?: number;
}

export function planFaults(options: FaultScheduleOptions): FaultAction[] {
  const random = createRandom(options.seed).fork('faults');
  const at = (): number => Math.round(options.windowMs * (0.05 + 0.85 * random.next()));
  const actions: FaultAction[] = [];
  for (let i = 0; i < options.pollerKills; i += 1) {
    actions.push({
      kind: 'kill-poller',
      atMs: at(),
      target: i % options.pollers,
      downMs: random.int(200, 3_000),
    });
  }
  for (let i = 0; i < options.workerKills; i += 1) {
    actions.push({
      kind: 'kill-worker',
      atMs: at(),
      target: i % (options.workers ?? 1),
      downMs: random.int(500, 4_000),
    });
  }
  // Server restarts go into the middle of the window so that work is in flight on both sides.
  const middle = (): number => Math.round(options.windowMs * (0.3 + 0.4 * random.next()));
  for (let i = 0; i < options.temporalRestarts; i += 1) {
    actions.push({ kind: 'restart-temporal', atMs: middle(), downMs: random.int(1_000, 4_000) });
  }
  for (let i = 0; i < options.mnsRestarts; i += 1) {
    actions.push({ kind: 'restart-mns', atMs: middle(), downMs: random.int(500, 2_000) });
  }
  // Drawn after the dev-server faults, so a dev-server run's schedule is what it always was.
  for (let i = 0; i < (options.historyKills ?? 0); i += 1) {
    actions.push({
      kind: 'kill-history',
      atMs: middle(),
      target: i % 2 === 0 ? 1 : 2,
      downMs: random.int(1_000, 5_000),
    });
  }
  for (let i = 0; i < (options.matchingKills ?? 0); i += 1) {
    actions.push({ kind: 'kill-matching', atMs: middle(), downMs: random.int(1_000, 5_000) });
  }
  for (let i = 0; i < (options.frontendRestarts ?? 0); i += 1) {
    actions.push({ kind: 'restart-frontend', atMs: middle() });
  }
  for (let i = 0; i < (options.postgresRestarts ?? 0); i += 1) {
    actions.push({ kind: 'restart-postgres', atMs: middle() });
  }
  for (let i = 0; i < options.latencySpikes; i += 1) {
    actions.push({
      kind: 'latency-spike',
      atMs: at(),
      durationMs: random.int(2_000, 6_000),
      latencyMs: random.int(300, 2_500),
    });
  }
  for (let i = 0; i < options.connectionDrops; i += 1) {
    actions.push({ kind: 'drop-connections', atMs: at(), durationMs: random.int(2_000, 6_000), rate: 0.2 });
  }
  // Drawn last, so adding them leaves the other faults of a seed where they were.
  for (let i = 0; i < (options.ingressKills ?? 0); i += 1) {
    actions.push({ kind: 'kill-ingress', atMs: middle(), downMs: options.ingressDownMs ?? 10_000 });
  }
  // Two restarts of one server at once would merge into one: keep them apart.
  const sorted = actions.sort((a, b) => a.atMs - b.atMs);
  let lastServerRestart = -Infinity;
  for (const action of sorted) {
    if (!serverFaults.has(action.kind)) continue;
    if (action.atMs - lastServerRestart < 8_000) action.atMs = lastServerRestart + 8_000;
    lastServerRestart = action.atMs;
  }
  return sorted.sort((a, b) => a.atMs - b.atMs);
}

/** Faults on a server: kept 8 s apart so that each one is its own outage. */
const serverFaults = new Set<FaultKind>([
  'restart-temporal',
  'restart-mns',
  'kill-history',
  'kill-matching',
  'restart-frontend',
  'restart-postgres',
]);

export function countFaults(actions: readonly FaultAction[]): Record<FaultKind, number> {
  const counts: Record<FaultKind, number> = {
    'kill-poller': 0,
    'kill-worker': 0,
    'kill-ingress': 0,
    'restart-temporal': 0,
    'restart-mns': 0,
    'kill-history': 0,
    'kill-matching': 0,
    'restart-frontend': 0,
    'restart-postgres': 0,
    'latency-spike': 0,
    'drop-connections': 0,
  };
  for (const action of actions) counts[action.kind] += 1;
  return counts;
}
