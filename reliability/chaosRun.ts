/**
 * One chaos run: start the stack, let the VOD emulator upload the seeded videos (which
 * pushes their events into MNS like VOD, or in HTTP mode posts them to the ingress), plant
 * poison and late duplicates, strike the scheduled faults while messages flow, heal, wait for
 * the system to settle, then hand everything to the independent checker.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCluster, type ClusterService, type RunningCluster } from '../harness/cluster/cluster';
import { clientWith } from '../harness/stack/temporalClient';
import { checkRun, eventKey, type CheckReport, type ExpectedVideo } from './checker';
import {
  countFaults,
  planFaults,
  type FaultAction,
  type FaultKind,
  type FaultScheduleOptions,
} from './faultSchedule';
import { escapeXml } from '../src/mns/xml';
import { signedHeaders } from '../src/ingress/signature';
import { generatePoison, poisonCorpus, type PoisonMessage } from './poison';
import { createRandom } from '../harness/random';
import { startChaosStack, type ChaosStack } from './stack';
import type { StackPart } from '../harness/stack/part';
import { planUploads, type UploadSpec } from './uploadPlan';
import { generateWorkload } from './workload';

/** How many of each fault the run plays (faultSchedule.ts spreads them over production). */
type FaultCounts = Omit<FaultScheduleOptions, 'seed' | 'windowMs' | 'pollers' | 'workers'>;

export interface ChaosOptions extends FaultCounts {
  /** Where VOD pushes: the MNS queue and two pollers (default), or the HTTP ingress. */
  callback?: 'mns' | 'http';
  videos: number;
  seed: number;
  /** Simulated uploads started per second. */
  uploadsPerSecond: number;
  /** Baseline MNS 5xx rate while messages flow. */
  mnsErrorRate: number;
  /** Share of webhook requests the sink refuses with 503 while messages flow. */
  sinkRefuseRate: number;
  /** Generated poison on top of the fixed corpus. */
  generatedPoison: number;
  /** Share of delivered events VOD sends again after the run settled. */
  lateDuplicateRate: number;
  convergenceTimeoutMs: number;
  /**
   * 'cluster': the self-hosted cluster (scripts/cluster, started if it is not running) over
   * mTLS, in a namespace of this run's, with cluster faults instead of dev-server restarts.
   */
  temporal?: 'dev-server' | 'cluster';
  /** The cluster's state dir (VODFLOW_CLUSTER_DIR); default .vodflow/cluster. */
  clusterStateDir?: string;
  keepDataDir?: boolean;
  log?: (message: string) => void;
}

export const shortRunOptions: ChaosOptions = {
  videos: 200,
  seed: 20_260_115,
  uploadsPerSecond: 6,
  pollerKills: 10,
  workerKills: 3,
  temporalRestarts: 1,
  mnsRestarts: 1,
  latencySpikes: 2,
  connectionDrops: 2,
  mnsErrorRate: 0.05,
  sinkRefuseRate: 0.05,
  generatedPoison: 12,
  lateDuplicateRate: 0.02,
  convergenceTimeoutMs: 240_000,
};

export const fullRunOptions: ChaosOptions = {
  ...shortRunOptions,
  videos: 2_000,
  uploadsPerSecond: 10,
  pollerKills: 24,
  workerKills: 6,
  temporalRestarts: 2,
  mnsRestarts: 2,
  latencySpikes: 6,
  connectionDrops: 6,
  generatedPoison: 60,
  convergenceTimeoutMs: 900_000,
};

/**
 * The short run on the cluster: the same workload and process faults, and instead of killing
 * a dev server, the cluster's own faults: both history processes and matching SIGKILLed and
 * started again, the frontend and PostgreSQL restarted.
 */
export const clusterRunOptions: ChaosOptions = {
  ...shortRunOptions,
  temporal: 'cluster',
  temporalRestarts: 0,
  historyKills: 2,
  matchingKills: 1,
  frontendRestarts: 1,
  postgresRestarts: 1,
};

/**
 * HTTP mode, short enough for `npm test`: 50 videos over 20 s, the ingress killed for 10 s in
 * the middle (VOD's three pushes a second apart all fail meanwhile, so those events are lost
 * for good), a worker kill and webhook refusals. What VOD lost is recovered by the workflow's
 * reconciliation for every video at least one of whose events arrived.
 */
export const httpShortRunOptions: ChaosOptions = {
  ...shortRunOptions,
  callback: 'http',
  videos: 50,
  uploadsPerSecond: 2.5,
  pollerKills: 0,
  workerKills: 1,
  temporalRestarts: 0,
  mnsRestarts: 0,
  latencySpikes: 0,
  connectionDrops: 0,
  ingressKills: 1,
  ingressDownMs: 10_000,
  mnsErrorRate: 0,
  generatedPoison: 6,
  convergenceTimeoutMs: 120_000,
};

/** Pipeline deadlines short enough that reconciliation happens within a run. */
export const chaosPipelineOptions = {
  overdueAfterMs: { upload: 20_000, transcode: 20_000, snapshot: 20_000 },
  reconcileIntervalMs: 10_000,
  finalDeadlineMs: 30 * 60_000,
  lingerAfterCompletionMs: 15_000,
};

export interface ChaosResult {
  temporal: 'dev-server' | 'cluster';
  callback: 'mns' | 'http';
  seed: number;
  videos: number;
  events_produced: number;
  messages_written: number;
  duplicates_injected: number;
  late_duplicates: number;
  events_dropped_by_vod: number;
  /** Of those: planned drops (the 1 %) and writes VOD gave up after 3 failed attempts (MNS faults). */
  events_dropped_planned: number;
  events_dropped_after_3_attempts: number;
  events_superseded_by_reconciliation: number;
  /** Videos some but not all of whose events VOD delivered: they finish through reconciliation. */
  videos_partially_delivered: number;
  /** Videos none of whose events VOD delivered: undiscoverable without a backfill sweep. */
  videos_undelivered: number;
  dlq_duplicates: number;
  poison_planted: number;
  faults: Record<FaultKind | 'mns_5xx_injected' | 'mns_connections_dropped' | 'sink_refusals', number>;
  videos_completed: number;
  events_lost: number;
  effects_duplicated: number;
  dlq_count: number;
  queue_left: number;
  unexpected_exits: Record<string, number>;
  converged: boolean;
  durations_ms: { production: number; convergence: number; check: number; total: number };
  check: CheckReport;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? ((m: string) => console.error(`[chaos] ${m}`));
  const callback = options.callback ?? 'mns';
  const started = Date.now();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'vodflow-chaos-'));
  log(`data dir ${dataDir}`);
  const uploads = planUploads({ videos: options.videos, seed: options.seed });
  const productionMs = Math.ceil((options.videos / options.uploadsPerSecond) * 1_000);
  const onCluster = options.temporal === 'cluster';
  const schedule = planFaults({
    seed: options.seed,
    windowMs: productionMs,
    pollers: callback === 'http' ? 0 : 2,
    workers: 2,
    pollerKills: callback === 'http' ? 0 : options.pollerKills,
    workerKills: options.workerKills,
    temporalRestarts: options.temporalRestarts,
    mnsRestarts: options.mnsRestarts,
    latencySpikes: options.latencySpikes,
    connectionDrops: options.connectionDrops,
    ...(onCluster
      ? {
          historyKills: options.historyKills ?? 0,
          matchingKills: options.matchingKills ?? 0,
          frontendRestarts: options.frontendRestarts ?? 0,
          postgresRestarts: options.postgresRestarts ?? 0,
        }
      : {}),
    ingressKills: callback === 'http' ? (options.ingressKills ?? 0) : 0,
    ...(options.ingressDownMs !== undefined ? { ingressDownMs: options.ingressDownMs } : {}),
  });
  if (!onCluster && schedule.some((a) => a.kind.startsWith('kill-h') || a.kind.startsWith('kill-m'))) {
    throw new Error('cluster faults need the cluster');
  }
  if (onCluster && options.temporalRestarts > 0) {
    throw new Error('on the cluster, Temporal faults are the cluster faults (temporalRestarts must be 0)');
  }
  const poison = plannedPoison(options);

  // The VOD emulator runs in this process; its per-event warnings would drown the run's log.
  process.env.VODFLOW_LOG_LEVEL ??= 'error';
  const cluster = onCluster
    ? await startCluster({ ...(options.clusterStateDir ? { stateDir: options.clusterStateDir } : {}) })
    : null;
  if (cluster) log(`cluster at ${cluster.address} (mTLS), state ${cluster.stateDir}`);
  const stack = await startChaosStack({
    dataDir,
    seed: options.seed,
    vodTimeScale: 1,
    pipelineOptions: chaosPipelineOptions,
    ...(cluster
      ? { cluster: { handle: cluster, namespace: `chaos-${options.seed}-${Date.now().toString(36)}` } }
      : {}),
    callback,
  });
  try {
    const faults = new MnsFaults(stack, options.mnsErrorRate);
    await faults.apply();
    stack.sink.setRefuseRate(options.sinkRefuseRate);

    log(
      `producing ${options.videos} videos over ~${Math.round(productionMs / 1000)} s with ${schedule.length} faults`,
    );
    const productionStart = Date.now();
    const videoSpecs = new Map<string, UploadSpec>();
    const executed: FaultAction[] = [];
    await Promise.all([
      produce(stack, uploads, poison, options, videoSpecs),
      strike(stack, schedule, faults, productionStart, executed, log),
    ]);
    await waitForVodSettled(stack, [...videoSpecs.keys()], 120_000);
    const late = await sendLateDuplicates(stack, [...videoSpecs.keys()], options);
    const productionDone = Date.now();

    log('healing: faults off, every process up');
    faults.clear();
    await faults.apply();
    stack.sink.setRefuseRate(0);
    // On the cluster, `start` starts whichever of its processes is down.
    if (stack.cluster) await stack.cluster.start();
    for (const child of parts(stack)) await child.start();

    const expected = expectations(stack, videoSpecs);
    const converged = await converge(stack, expected, options.convergenceTimeoutMs, log);
    const convergenceDone = Date.now();

    log('checking');
    const check = await checkRun(
      {
        temporal: stack.temporalClientEnv,
        mns: {
          endpoint: stack.mnsEndpoint,
          ...stack.credentials,
          queue: stack.queue,
          deadLetterQueue: stack.deadLetterQueue,
        },
        workflowType: 'videoPipeline',
        workflowIdOf: (videoId) => `vod-video-${videoId}`,
        signalName: 'vodEvent',
        publishedOutcomes: ['published'],
      },
      expected,
      poison,
      stack.sink.records,
    );
    const checkDone = Date.now();

    const views = [...videoSpecs.keys()].map((id) => stack.vod.video(id)!);
    const records = views.flatMap((v) => v.events);
    const executedCounts = countFaults(executed);
    const mnsStats = await mnsInjected(stack);
    return {
      temporal: onCluster ? 'cluster' : 'dev-server',
      callback,
      seed: options.seed,
      videos: options.videos,
      events_produced: records.filter((r) => r.copy === 0 && producedOutcomes.has(r.outcome)).length,
      messages_written: records.filter((r) => r.outcome === 'delivered').length + late + poison.length,
      duplicates_injected: records.filter((r) => r.copy > 0 && r.outcome === 'delivered').length + late,
      late_duplicates: late,
      events_dropped_by_vod: expected.reduce((n, v) => n + v.neverDelivered.length, 0),
      events_dropped_planned: records.filter((r) => r.copy === 0 && r.outcome === 'lost').length,
      events_dropped_after_3_attempts: records.filter((r) => r.copy === 0 && r.outcome === 'dropped').length,
      events_superseded_by_reconciliation: check.events_superseded_by_reconciliation,
      videos_partially_delivered: expected.filter(
        (v) => v.delivered.length > 0 && v.neverDelivered.length > 0,
      ).length,
      videos_undelivered: expected.filter((v) => v.delivered.length === 0).length,
      dlq_duplicates: check.dlq_duplicates,
      poison_planted: poison.length,
      faults: {
        ...executedCounts,
        mns_5xx_injected: mnsStats.errors + faults.banked.errors,
        mns_connections_dropped: mnsStats.drops + faults.banked.drops,
        sink_refusals: stack.sink.refused,
      },
      videos_completed: check.videos_expected_outcome,
      events_lost: check.events_lost,
      effects_duplicated: check.effects_duplicated,
      dlq_count: check.dlq_count,
      queue_left: check.queue_left.visible + check.queue_left.in_flight + check.queue_left.delayed,
      unexpected_exits: Object.fromEntries(parts(stack).map((p) => [p.name, p.unexpectedExits.length])),
      converged,
      durations_ms: {
        production: productionDone - productionStart,
        convergence: convergenceDone - productionDone,
        check: checkDone - convergenceDone,
        total: checkDone - started,
      },
      check,
    };
  } finally {
    await stack.stop();
    if (options.keepDataDir) log(`kept ${dataDir}`);
    else await rm(dataDir, { recursive: true, force: true });
  }
}

/** Every part of the system under test (what healing starts again). */
function parts(stack: ChaosStack): StackPart[] {
  return [
    stack.temporal,
    stack.mns,
    ...stack.workers,
    ...stack.pollers,
    ...(stack.ingress ? [stack.ingress] : []),
  ];
}

function plannedPoison(options: ChaosOptions): PoisonMessage[] {
  // Generated poison derives from synthetic VOD bodies, so it never collides with a real video.
  const synthetic = generateWorkload({ videos: 40, seed: `${options.seed}-poison` });
  const bodies = synthetic.videos.flatMap((v) => v.events.map((e) => e.body));
  return [...poisonCorpus, ...generatePoison(bodies, options.generatedPoison, options.seed)];
}

/** Uploads at a steady rate, with poison planted at seeded moments among them. */
async function produce(
  stack: ChaosStack,
  uploads: UploadSpec[],
  poison: PoisonMessage[],
  options: ChaosOptions,
  videoSpecs: Map<string, UploadSpec>,
): Promise<void> {
  const random = createRandom(options.seed).fork('poison-positions');
  const poisonAt = new Map<number, PoisonMessage[]>();
  for (const p of poison) {
    const at = random.int(0, uploads.length - 1);
    poisonAt.set(at, [...(poisonAt.get(at) ?? []), p]);
  }
  const start = Date.now();
  for (const spec of uploads) {
    const due = start + (spec.index * 1_000) / options.uploadsPerSecond;
    if (due > Date.now()) await sleep(due - Date.now());
    const videoId = await stack.vod.simulateUpload({ seed: spec.seed, knobs: spec.knobs });
    videoSpecs.set(videoId, spec);
    for (const p of poisonAt.get(spec.index) ?? []) await sendExactlyOnce(stack, p.body);
  }
}

/**
 * SendMessage faults are configured so that a failed send did not enqueue (error answers,
 * drops before the operation), so retrying until success sends exactly one copy. In HTTP mode
 * the body is posted to the ingress, signed as VOD signs, until it answers 200 (a retry after
 * a lost answer may dead-letter a copy, which the checker counts apart).
 */
async function sendExactlyOnce(stack: ChaosStack, body: string): Promise<void> {
  if (stack.ingress) return postUntilAccepted(stack.ingress.callbackUrl, stack.ingress.authKey, body);
  for (let attempt = 0; ; attempt += 1) {
    try {
      await stack.mnsClient.sendMessage(stack.queue, { MessageBody: escapeXml(body) });
      return;
    } catch (err) {
      if (attempt > 200) throw err;
      await sleep(200);
    }
  }
}

async function postUntilAccepted(url: string, authKey: string, body: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signedHeaders(url, authKey) },
        body,
        signal: AbortSignal.timeout(5_000),
      });
      await response.arrayBuffer();
      if (response.status === 200) return;
      if (Date.now() > deadline) throw new Error(`the ingress answered ${response.status}`);
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await sleep(200);
  }
}

class MnsFaults {
  private readonly latency = new Set<number>();
  private readonly drops = new Set<{ rate: number; phase: 'before' | 'after' }>();
  private errorRate: number;
  /** MNS throttles the consumer's calls (429 after a hold) as often as it errs; nothing is done either. */
  private throttleRate: number;

  constructor(
    private readonly stack: ChaosStack,
    baseErrorRate: number,
  ) {
    this.errorRate = baseErrorRate;
    this.throttleRate = baseErrorRate;
  }

  addLatency(ms: number): () => void {
    this.latency.add(ms);
    return () => this.latency.delete(ms);
  }

  addDrops(rate: number, phase: 'before' | 'after'): () => void {
    const entry = { rate, phase };
    this.drops.add(entry);
    return () => this.drops.delete(entry);
  }

  readonly banked = { errors: 0, drops: 0 };

  bank(counts: { errors: number; drops: number }): void {
    this.banked.errors += Math.max(0, counts.errors);
    this.banked.drops += Math.max(0, counts.drops);
  }

  clear(): void {
    this.latency.clear();
    this.drops.clear();
    this.errorRate = 0;
    this.throttleRate = 0;
  }

  config(): Record<string, unknown> {
    const latencyMs = Math.max(0, ...this.latency);
    const drop = [...this.drops].sort((a, b) => b.rate - a.rate)[0];
    const all = {
      errorRate: this.errorRate,
      throttleRate: this.throttleRate,
      ...(latencyMs > 0 ? { latencyMs } : {}),
      ...(drop ? { dropRate: drop.rate, dropPhase: drop.phase } : {}),
    };
    // Sends only fail in ways that did not enqueue, so a sender's retry cannot duplicate:
    // VOD's writes and the planted poison stay countable. Every other call can also die
    // after it took effect (a delete that happened, reported as a network error).
    // Not throttled: VOD gives an event up after three failed pushes, and more lost events
    // would only make more videos undiscoverable, not test the consumer more.
    const send = {
      errorRate: this.errorRate,
      ...(latencyMs > 0 ? { latencyMs } : {}),
      ...(drop ? { dropRate: drop.rate, dropPhase: 'before' } : {}),
    };
    // The checker and the admin-side reads are not under test.
    const quiet = {};
    return {
      '*': all,
      SendMessage: send,
      BatchSendMessage: send,
      GetQueueAttributes: quiet,
      CreateQueue: quiet,
    };
  }

  apply(): Promise<void> {
    return this.stack.mns.setFaults(this.config());
  }

  /** Removes a fault after `durationMs` and applies the change. */
  expireAfter(remove: () => void, durationMs: number): Promise<void> {
    return sleep(durationMs).then(async () => {
      remove();
      await this.apply();
    });
  }
}

async function strike(
  stack: ChaosStack,
  schedule: FaultAction[],
  faults: MnsFaults,
  start: number,
  executed: FaultAction[],
  log: (m: string) => void,
): Promise<void> {
  const pending: Promise<void>[] = [];
  for (const action of schedule) {
    const wait = start + action.atMs - Date.now();
    if (wait > 0) await sleep(wait);
    executed.push(action);
    switch (action.kind) {
      case 'kill-poller': {
        const poller = stack.pollers[action.target]!;
        await poller.kill();
        pending.push(restartLater(poller, action.downMs, log));
        break;
      }
      case 'kill-worker': {
        const worker = stack.workers[action.target]!;
        await worker.kill();
        pending.push(restartLater(worker, action.downMs, log));
        break;
      }
      case 'kill-history':
      case 'kill-matching': {
        const service: ClusterService =
          action.kind === 'kill-matching' ? 'matching' : `history-${action.target}`;
        const cluster = clusterOf(stack);
        log(`cluster: SIGKILL ${service}, down ${action.downMs} ms`);
        await cluster.kill(service);
        pending.push(
          sleep(action.downMs)
            .then(() => cluster.restart(service))
            .then(
              () => log(`cluster: ${service} back`),
              (err: unknown) =>
                log(`cluster: ${service}: ${err instanceof Error ? err.message : String(err)}`),
            ),
        );
        break;
      }
      case 'restart-frontend':
      case 'restart-postgres': {
        const service: ClusterService = action.kind === 'restart-frontend' ? 'frontend' : 'postgres';
        log(`cluster: restarting ${service}`);
        await clusterOf(stack).restart(service);
        log(`cluster: ${service} back`);
        break;
      }
      case 'kill-ingress': {
        const ingress = stack.ingress;
        if (!ingress) break;
        log(`ingress: SIGKILL, down ${action.downMs} ms`);
        await ingress.kill();
        pending.push(restartLater(ingress, action.downMs, log).then(() => log('ingress: back')));
        break;
      }
      case 'restart-temporal':
        log(`temporal: SIGKILL, down ${action.downMs} ms`);
        await stack.temporal.kill();
        await sleep(action.downMs);
        await stack.temporal.start();
        log('temporal: back');
        break;
      case 'restart-mns':
        // A graceful stop: an MNS outage. (With its data dir the emulator answers a change only
        // once it is fsynced, so a SIGKILL would lose nothing acknowledged either; the stop
        // keeps the injection counters, which live in memory, countable.)
        log(`mns emulator: stopped, down ${action.downMs} ms`);
        // Its injection counters live in memory: bank them before the stop.
        faults.bank(await mnsInjected(stack));
        await stack.mns.stop(5_000);
        await sleep(action.downMs);
        await stack.mns.start();
        await faults.apply();
        log('mns emulator: back');
        break;
      case 'latency-spike':
        pending.push(faults.expireAfter(faults.addLatency(action.latencyMs), action.durationMs));
        await faults.apply();
        break;
      case 'drop-connections': {
        const phase = executed.length % 2 === 0 ? 'after' : 'before';
        pending.push(faults.expireAfter(faults.addDrops(action.rate, phase), action.durationMs));
        await faults.apply();
        break;
      }
    }
  }
  await Promise.all(pending);
}

function clusterOf(stack: ChaosStack): RunningCluster {
  if (!stack.cluster) throw new Error('a cluster fault without a cluster');
  return stack.cluster;
}

/** Restarts after a pause; a failed start is logged and healed later, never fatal here. */
async function restartLater(child: StackPart, downMs: number, log: (m: string) => void): Promise<void> {
  await sleep(downMs);
  await child
    .start()
    .catch((err: unknown) => log(`${child.name}: ${err instanceof Error ? err.message : String(err)}`));
}

async function waitForVodSettled(stack: ChaosStack, videoIds: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (videoIds.every((id) => stack.vod.video(id)?.settled)) return;
    await sleep(500);
  }
  throw new Error('the VOD emulator did not finish writing its events');
}

/** VOD (or MNS) delivering again long after: a duplicate that may meet a closed workflow. */
async function sendLateDuplicates(
  stack: ChaosStack,
  videoIds: string[],
  options: ChaosOptions,
): Promise<number> {
  const random = createRandom(options.seed).fork('late-duplicates');
  let sent = 0;
  for (const id of videoIds) {
    for (const record of stack.vod.video(id)!.events) {
      if (record.copy !== 0 || record.outcome !== 'delivered' || !random.chance(options.lateDuplicateRate))
        continue;
      await sendExactlyOnce(stack, JSON.stringify(record.body));
      sent += 1;
    }
  }
  return sent;
}

/** Outcomes of events VOD really produced for the queue: written, or lost on the way. */
const producedOutcomes = new Set(['delivered', 'dropped', 'lost']);

/** The truth per video, from the VOD emulator's own delivery records. */
function expectations(stack: ChaosStack, videoSpecs: Map<string, UploadSpec>): ExpectedVideo[] {
  return [...videoSpecs.entries()].map(([videoId, spec]) => {
    const view = stack.vod.video(videoId)!;
    const delivered = new Map<string, { eventType: string; body: Record<string, unknown> }>();
    const all = new Map<string, { eventType: string; body: Record<string, unknown> }>();
    const attempted = new Set<string>();
    for (const record of view.events) {
      // Events the callback does not select are never meant to reach the queue.
      if (!producedOutcomes.has(record.outcome)) continue;
      const key = eventKey(videoId, record.eventType, record.body);
      all.set(key, { eventType: record.eventType, body: record.body });
      if (record.outcome === 'delivered')
        delivered.set(key, { eventType: record.eventType, body: record.body });
      // 'dropped': VOD tried three times and gave up; 'lost': dropped before any try. A try the
      // emulator failed on purpose never left it; any other may have reached the receiver.
      const reachedOut = record.attempts.some(
        (a) => !a.ok && !/injected by failDeliveryRate/.test(a.error ?? ''),
      );
      if (record.outcome === 'dropped' && reachedOut) attempted.add(key);
    }
    // VOD's own plan decides: a transcode with no successful stream (or a bad source) fails.
    const transcode = view.plan.transcode;
    const fails = transcode !== null && (transcode.sourceBad || transcode.streams.every((s) => !s.ok));
    return {
      videoId,
      outcome: fails ? 'transcode-failed' : spec.expected === 'published' ? 'published' : 'transcode-failed',
      delivered: [...delivered.values()],
      neverDelivered: [...all.entries()].filter(([key]) => !delivered.has(key)).map(([, e]) => e),
      attemptedUndelivered: [...attempted].filter((key) => !delivered.has(key)).length,
    };
  });
}

/** Waits until the queue is empty and every discoverable video shows a final status. */
async function converge(
  stack: ChaosStack,
  expected: ExpectedVideo[],
  timeoutMs: number,
  log: (m: string) => void,
): Promise<boolean> {
  const target = expected.filter((v) => v.delivered.length > 0).length;
  const deadline = Date.now() + timeoutMs;
  const { connection, client } = await clientWith(stack.temporalClientEnv);
  let lastLog = 0;
  try {
    while (Date.now() < deadline) {
      try {
        const attrs = await stack.mnsClient.getQueueAttributes(stack.queue);
        const left =
          Number(attrs.body.ActiveMessages) +
          Number(attrs.body.InactiveMessages) +
          Number(attrs.body.DelayMessages);
        const final = await client.workflow.count(
          `WorkflowType = 'videoPipeline' AND VodStatus IN ('completed', 'failed')`,
        );
        const open = await client.workflow.count(
          `WorkflowType = 'videoPipeline' AND ExecutionStatus = 'Running'`,
        );
        if (Date.now() - lastLog > 10_000) {
          log(`converging: queue ${left}, final ${final.count}/${target}, open runs ${open.count}`);
          lastLog = Date.now();
        }
        // Runs linger open for late events after their final status; they need not close.
        if (left === 0 && final.count >= target) return true;
      } catch (err) {
        log(`converging: ${err instanceof Error ? err.message : String(err)}`);
      }
      await sleep(2_000);
    }
    return false;
  } finally {
    await connection.close();
  }
}

async function mnsInjected(stack: ChaosStack): Promise<{ errors: number; drops: number }> {
  try {
    const response = await fetch(`${stack.mnsEndpoint}/__admin/stats`, {
      signal: AbortSignal.timeout(5_000),
    });
    const stats = (await response.json()) as { injected?: { errors?: number; drops?: number } };
    return { errors: stats.injected?.errors ?? 0, drops: stats.injected?.drops ?? 0 };
  } catch {
    return { errors: -1, drops: -1 };
  }
}
