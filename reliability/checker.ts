/**
 * The independent checker. It knows the workload (what VOD produced, what was planted) and
 * looks only at the outside of the system: Temporal's visibility and history APIs, the
 * webhook sink's records and the MNS queues through the MNS SDK. It imports nothing from
 * vodflow's poller, decoder or workflow.
 */
import MNSClient from '@alicloud/mns';
import type { Client } from '@temporalio/client';
import { clientWith } from '../harness/stack/temporalClient';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { SinkRecord } from './webhookSink';
import type { PoisonMessage } from './poison';
import { settledHistory } from '../harness/stack/settlement';

export type VideoOutcome = 'published' | 'transcode-failed';

/** What VOD did for one video, from the VOD emulator's own records (the truth). */
export interface ExpectedVideo {
  videoId: string;
  outcome: VideoOutcome;
  /** Distinct events VOD wrote to the queue at least once. */
  delivered: { eventType: string; body: Record<string, unknown> }[];
  /** Events VOD produced but never wrote (dropped on purpose, or after 3 failed writes). */
  neverDelivered: { eventType: string; body: Record<string, unknown> }[];
  /**
   * How many of neverDelivered VOD did try to write: a push VOD counts as failed may still have
   * been persisted (the receiver signalled, then its answer was lost), so such a video may or may
   * not be known. Either way is right; if it is known, it must end as expected, published once.
   */
  attemptedUndelivered: number;
}

export interface CheckerTargets {
  /** TEMPORAL_* client settings of the run's server (address, namespace, and TLS on the cluster). */
  temporal: Record<string, string>;
  mns: {
    endpoint: string;
    accessKeyId: string;
    accessKeySecret: string;
    queue: string;
    deadLetterQueue: string;
  };
  /** How the workflow is named and typed, as the product documents it. */
  workflowType: string;
  workflowIdOf(videoId: string): string;
  signalName: string;
  /** Outcomes whose videos must reach the sink exactly once. */
  publishedOutcomes: readonly VideoOutcome[];
}

export interface VideoFinding {
  videoId: string;
  problem: string;
}

export interface CheckReport {
  videos: number;
  videos_completed: number;
  videos_expected_outcome: number;
  workflows_by_status: Record<string, number>;
  /** Runs beyond the first for one video: a closed workflow started again by a late event. */
  extra_runs: number;
  workflows_failed_unexpectedly: number;
  events_signalled: number;
  events_lost: number;
  /** Delivered events of completed videos absent from history: arrived after the workflow closed. */
  events_after_close: number;
  dropped_events_recovered: number;
  /** Delivered essential events that came after reconciliation had completed their stage and the run closed. */
  events_superseded_by_reconciliation: number;
  /** Videos VOD never wrote a single event for: nothing can discover them. */
  videos_undiscoverable: number;
  publications_expected: number;
  publications_received: number;
  publications_missing: number;
  effects_duplicated: number;
  publication_retries_same_key: number;
  signatures_invalid: number;
  /** Distinct messages in the dead-letter queue (copies of one message count once). */
  dlq_count: number;
  dlq_planted_found: number;
  dlq_missing: number;
  dlq_unexpected: number;
  /** Planted messages dead-lettered more than once. */
  dlq_duplicates: number;
  dlq_without_reason: number;
  queue_left: { visible: number; in_flight: number; delayed: number };
  ok: boolean;
  failures: string[];
  findings: VideoFinding[];
}

/** The events that complete a pipeline stage, and the stage each completes. */
const stageOfEvent: Record<string, string | undefined> = {
  FileUploadComplete: 'upload',
  TranscodeComplete: 'transcode',
  SnapshotComplete: 'snapshot',
};

export async function checkRun(
  targets: CheckerTargets,
  videos: readonly ExpectedVideo[],
  poison: readonly PoisonMessage[],
  sinkRecords: readonly SinkRecord[],
): Promise<CheckReport> {
  const findings: VideoFinding[] = [];
  const { connection, client } = await clientWith(targets.temporal);
  try {
    const runs = await listRuns(client, targets.workflowType);
    const byWorkflowId = new Map<string, typeof runs>();
    for (const run of runs) {
      const list = byWorkflowId.get(run.workflowId) ?? [];
      list.push(run);
      byWorkflowId.set(run.workflowId, list);
    }
    const statusCounts: Record<string, number> = {};
    for (const run of runs) statusCounts[run.status.name] = (statusCounts[run.status.name] ?? 0) + 1;

    let completed = 0;
    let expectedOutcome = 0;
    let extraRuns = 0;
    let failedUnexpectedly = 0;
    let eventsSignalled = 0;
    let eventsLost = 0;
    let eventsAfterClose = 0;
    let droppedRecovered = 0;
    let eventsSupersededByReconciliation = 0;
    let undiscoverable = 0;

    await forEachLimited(videos, 8, async (video) => {
      const videoRuns = (byWorkflowId.get(targets.workflowIdOf(video.videoId)) ?? []).sort(
        (a, b) => a.startTime.getTime() - b.startTime.getTime(),
      );
      if (video.delivered.length === 0 && (videoRuns.length === 0 || video.attemptedUndelivered === 0)) {
        // Nothing ever reached the queue: no consumer can know this video exists.
        undiscoverable += 1;
        if (videoRuns.length > 0)
          findings.push({ videoId: video.videoId, problem: 'run for a video with no event' });
        return;
      }
      if (videoRuns.length === 0) {
        findings.push({ videoId: video.videoId, problem: 'no workflow run' });
        eventsLost += video.delivered.length;
        return;
      }
      extraRuns += videoRuns.length - 1;
      if (videoRuns.length > 1) {
        findings.push({ videoId: video.videoId, problem: `${videoRuns.length} runs for one video` });
      }
      const first = videoRuns[0]!;
      for (const run of videoRuns) {
        if (
          run.status.name === 'FAILED' ||
          run.status.name === 'TERMINATED' ||
          run.status.name === 'TIMED_OUT'
        ) {
          failedUnexpectedly += 1;
          findings.push({ videoId: video.videoId, problem: `run ${run.runId} ${run.status.name}` });
        }
        if (run.status.name === 'RUNNING' && outcomeOf(run.vodStatus) === null) {
          findings.push({
            videoId: video.videoId,
            problem: `run ${run.runId} RUNNING with status ${run.vodStatus}`,
          });
        }
      }
      const signalled = new Set<string>();
      for (const run of videoRuns) {
        const handle = client.workflow.getHandle(run.workflowId, run.runId);
        const history = await withTimeout(settledHistory(handle), 30_000, `history of ${run.workflowId}`);
        for (const key of signalKeys(history, targets.signalName)) signalled.add(key);
      }
      eventsSignalled += signalled.size;

      // A closed run answers with its result; an open one (lingering for late events) shows
      // its status in the VodStatus search attribute.
      let status: string | null = first.vodStatus;
      let detail = '';
      let stageSources: Record<string, string | undefined> = {};
      if (first.status.name === 'COMPLETED') {
        const result: unknown = await withTimeout(
          client.workflow.getHandle(first.workflowId, first.runId).result(),
          30_000,
          `result of ${first.workflowId}`,
        );
        status = statusOf(result);
        stageSources = stageSourcesOf(result);
        detail = JSON.stringify(result).slice(0, 200);
      }
      const outcome = outcomeOf(status);
      if (outcome !== null) completed += 1;
      if (outcome === video.outcome) expectedOutcome += 1;
      else {
        findings.push({
          videoId: video.videoId,
          problem: `status ${status ?? 'unknown'} (run ${first.status.name} ${detail}), expected ${video.outcome}`,
        });
      }
      const done = outcome === video.outcome;
      for (const event of video.neverDelivered) {
        if (signalled.has(eventKey(video.videoId, event.eventType, event.body))) continue;
        if (done) droppedRecovered += 1;
        else eventsLost += 1;
      }
      for (const event of video.delivered) {
        const seen = signalled.has(eventKey(video.videoId, event.eventType, event.body));
        if (seen) continue;
        // Absent from history. A non-essential event after a correct completion simply came
        // late. An essential one is excused only when its stage was completed from the VOD
        // API (reconciliation) and the run had closed: the poller then acknowledges it as
        // late. Open runs get every event signalled, so absence there is a loss.
        const stage = stageOfEvent[event.eventType];
        const closed = first.status.name === 'COMPLETED';
        if (done && stage === undefined) eventsAfterClose += 1;
        else if (done && closed && stage !== undefined && stageSources[stage] !== 'event') {
          eventsSupersededByReconciliation += 1;
        } else {
          eventsLost += 1;
          findings.push({
            videoId: video.videoId,
            problem: `${event.eventType} delivered but never signalled (stage source ${stage ? (stageSources[stage] ?? 'unknown') : '-'})`,
          });
        }
      }
    });

    const publications = checkPublications(videos, sinkRecords, targets.publishedOutcomes, findings);
    const queues = await checkQueues(targets, poison);
    for (const body of queues.unexpectedBodies)
      findings.push({ videoId: '(dead letter)', problem: `unexpected: ${body}` });

    const failures: string[] = [];
    const expect = (condition: boolean, message: string): void => {
      if (!condition) failures.push(message);
    };
    // A video none of whose events reached the queue cannot be known to any consumer.
    expect(
      expectedOutcome === videos.length - undiscoverable,
      `${videos.length - undiscoverable - expectedOutcome} videos did not reach their expected outcome`,
    );
    expect(extraRuns === 0, `${extraRuns} extra workflow runs`);
    expect(failedUnexpectedly === 0, `${failedUnexpectedly} runs failed, terminated or timed out`);
    expect(eventsLost === 0, `${eventsLost} events lost`);
    expect(publications.missing === 0, `${publications.missing} publications missing`);
    expect(publications.duplicated === 0, `${publications.duplicated} duplicated effects`);
    expect(
      publications.invalidSignatures === 0,
      `${publications.invalidSignatures} publications with a bad signature`,
    );
    expect(
      queues.left.visible + queues.left.inFlight + queues.left.delayed === 0,
      `queue not empty: ${JSON.stringify(queues.left)}`,
    );
    expect(queues.missing === 0, `${queues.missing} planted poison messages not in the dead-letter queue`);
    expect(queues.unexpected === 0, `${queues.unexpected} unexpected dead-letter messages`);
    expect(queues.withoutReason === 0, `${queues.withoutReason} dead letters without a reason`);

    return {
      videos: videos.length,
      videos_completed: completed,
      videos_expected_outcome: expectedOutcome,
      workflows_by_status: statusCounts,
      extra_runs: extraRuns,
      workflows_failed_unexpectedly: failedUnexpectedly,
      events_signalled: eventsSignalled,
      events_lost: eventsLost,
      events_after_close: eventsAfterClose,
      dropped_events_recovered: droppedRecovered,
      events_superseded_by_reconciliation: eventsSupersededByReconciliation,
      videos_undiscoverable: undiscoverable,
      publications_expected: publications.expected,
      publications_received: publications.received,
      publications_missing: publications.missing,
      effects_duplicated: publications.duplicated,
      publication_retries_same_key: publications.sameKeyRepeats,
      signatures_invalid: publications.invalidSignatures,
      // Distinct dead-lettered messages. Dead-lettering is at least once (send to the DLQ,
      // then delete the source: a crash between the two repeats the send), so copies of one
      // planted message are counted apart, in dlq_duplicates, not as unexpected content.
      dlq_count: queues.dlqCount - queues.duplicates,
      dlq_planted_found: queues.found,
      dlq_missing: queues.missing,
      dlq_unexpected: queues.unexpected,
      dlq_duplicates: queues.duplicates,
      dlq_without_reason: queues.withoutReason,
      queue_left: {
        visible: queues.left.visible,
        in_flight: queues.left.inFlight,
        delayed: queues.left.delayed,
      },
      ok: failures.length === 0,
      failures,
      findings: findings.slice(0, 200),
    };
  } finally {
    await connection.close();
  }
}

interface RunInfo {
  workflowId: string;
  runId: string;
  status: { name: string };
  startTime: Date;
  vodStatus: string | null;
}

async function listRuns(client: Client, workflowType: string): Promise<RunInfo[]> {
  const runs: RunInfo[] = [];
  const iterable = client.workflow.list({ query: `WorkflowType = '${workflowType}'`, pageSize: 1_000 });
  for await (const info of iterable) {
    runs.push({
      workflowId: info.workflowId,
      runId: info.runId,
      status: info.status,
      startTime: info.startTime,
      vodStatus: Array.isArray(info.searchAttributes.VodStatus)
        ? String(info.searchAttributes.VodStatus[0])
        : null,
    });
  }
  return runs;
}

/** The identity the checker gives an event: what VOD would call the same event. */
export function eventKey(videoId: string, eventType: string, body: string | Record<string, unknown>): string {
  const fields = typeof body === 'string' ? (JSON.parse(body) as Record<string, unknown>) : body;
  const definition = typeof fields.Definition === 'string' ? fields.Definition : '';
  return `${videoId}|${eventType}|${definition}`;
}

/** Keys of the events signalled in one run's history, read from the signal payloads. */
function signalKeys(history: temporal.api.history.v1.IHistory, signalName: string): string[] {
  const keys: string[] = [];
  for (const event of history.events ?? []) {
    const attrs = event.workflowExecutionSignaledEventAttributes;
    if (!attrs || attrs.signalName !== signalName) continue;
    const payload = attrs.input?.payloads?.[0];
    if (!payload) continue;
    const delivery = defaultPayloadConverter.fromPayload<Record<string, unknown>>(payload);
    const ev = (delivery.event ?? delivery) as Record<string, unknown>;
    const mediaId = typeof ev.mediaId === 'string' ? ev.mediaId : null;
    const eventType = typeof ev.eventType === 'string' ? ev.eventType : null;
    const body = (ev.payload ?? {}) as Record<string, unknown>;
    if (mediaId && eventType) keys.push(eventKey(mediaId, eventType, body));
  }
  return keys;
}

/** The pipeline's status from a workflow result, without knowing its exact type. */
export function statusOf(result: unknown): string | null {
  if (typeof result !== 'object' || result === null) return null;
  const value = (result as Record<string, unknown>).status;
  return typeof value === 'string' ? value : null;
}

/** Where each stage's result came from ('event' or the VOD API), from a workflow result. */
function stageSourcesOf(result: unknown): Record<string, string | undefined> {
  const stages = (result as { stages?: Record<string, { source?: unknown }> } | null)?.stages ?? {};
  return Object.fromEntries(
    Object.entries(stages).map(([name, s]) => [name, typeof s?.source === 'string' ? s.source : undefined]),
  );
}

/** completed = published, failed = the transcode failed; anything else is not final. */
export function outcomeOf(status: string | null): VideoOutcome | null {
  if (status === 'completed') return 'published';
  if (status === 'failed') return 'transcode-failed';
  return null;
}

function checkPublications(
  videos: readonly ExpectedVideo[],
  records: readonly SinkRecord[],
  publishedOutcomes: readonly VideoOutcome[],
  findings: VideoFinding[],
): {
  expected: number;
  received: number;
  missing: number;
  duplicated: number;
  sameKeyRepeats: number;
  invalidSignatures: number;
} {
  const byVideo = new Map<string, SinkRecord[]>();
  let invalidSignatures = 0;
  for (const record of records) {
    if (!record.signatureValid) {
      invalidSignatures += 1;
      continue;
    }
    const key = record.videoId ?? '(no video id)';
    const list = byVideo.get(key) ?? [];
    list.push(record);
    byVideo.set(key, list);
  }
  let expected = 0;
  let missing = 0;
  let duplicated = 0;
  let sameKeyRepeats = 0;
  const known = new Set(videos.map((v) => v.videoId));
  for (const video of videos) {
    const list = byVideo.get(video.videoId) ?? [];
    const mustPublish = video.delivered.length > 0 && publishedOutcomes.includes(video.outcome);
    // A push VOD counted as failed may have been persisted all the same (see attemptedUndelivered).
    const mayPublish = video.attemptedUndelivered > 0 && publishedOutcomes.includes(video.outcome);
    if (mustPublish) expected += 1;
    const keys = new Set(list.map((r) => r.idempotencyKey ?? '(none)'));
    // The publication's own version when it states one; otherwise its bytes.
    const versions = new Set(list.map((r) => publicationVersion(r)));
    if (mustPublish && list.length === 0) {
      missing += 1;
      findings.push({ videoId: video.videoId, problem: 'publication missing' });
    }
    if (!mustPublish && !mayPublish && list.length > 0) {
      duplicated += 1;
      findings.push({ videoId: video.videoId, problem: 'published although it should not be' });
    }
    // One effect per video: one key and one content. Same key + same body is a retry
    // the receiver dedupes; anything else would be applied twice downstream.
    if (keys.size > 1 || versions.size > 1) {
      duplicated += Math.max(keys.size, versions.size) - 1;
      findings.push({
        videoId: video.videoId,
        problem: `${keys.size} keys, ${versions.size} versions published: ${[...keys].join(' ')}`,
      });
    }
    sameKeyRepeats += list.length - keys.size;
  }
  for (const [videoId, list] of byVideo) {
    if (!known.has(videoId)) {
      duplicated += list.length;
      findings.push({ videoId, problem: 'publication for a video not in the workload' });
    }
  }
  const received = [...byVideo.entries()].filter(([id]) => known.has(id)).length;
  return { expected, received, missing, duplicated, sameKeyRepeats, invalidSignatures };
}

function publicationVersion(record: SinkRecord): string {
  const body = record.body as { version?: unknown } | null;
  return typeof body?.version === 'string' ? body.version : record.bodyHash;
}

async function checkQueues(
  targets: CheckerTargets,
  poison: readonly PoisonMessage[],
): Promise<{
  left: { visible: number; inFlight: number; delayed: number };
  dlqCount: number;
  found: number;
  missing: number;
  unexpected: number;
  duplicates: number;
  withoutReason: number;
  unexpectedBodies: string[];
}> {
  const mns = new MNSClient('vodflow', {
    endpoint: targets.mns.endpoint,
    accessKeyId: targets.mns.accessKeyId,
    accessKeySecret: targets.mns.accessKeySecret,
    readTimeout: 15_000,
    connectTimeout: 5_000,
  });
  const attrs = await retrying(() => mns.getQueueAttributes(targets.mns.queue));
  const left = {
    visible: Number(attrs.body.ActiveMessages),
    inFlight: Number(attrs.body.InactiveMessages),
    delayed: Number(attrs.body.DelayMessages),
  };
  const dlqAttrs = await retrying(() => mns.getQueueAttributes(targets.mns.deadLetterQueue));
  const dlqCount =
    Number(dlqAttrs.body.ActiveMessages) +
    Number(dlqAttrs.body.InactiveMessages) +
    Number(dlqAttrs.body.DelayMessages);

  // Peek shows only the head of a queue, so read every dead letter by receiving it with a
  // long visibility timeout (the run is over; nothing else consumes the dead-letter queue).
  const bodies: string[] = [];
  for (;;) {
    let batch: MNSClient.ReceivedMessage[];
    try {
      batch = (await retrying(() => mns.batchReceiveMessage(targets.mns.deadLetterQueue, 16, 1))).body;
    } catch (err) {
      if (err instanceof Error && /MessageNotExist/.test(err.name)) break;
      throw err;
    }
    if (batch.length === 0) break;
    bodies.push(...batch.map((m) => m.MessageBody));
  }
  const planted = new Map<string, number>();
  for (const p of poison) planted.set(p.body, (planted.get(p.body) ?? 0) + 1);
  const plantedBodies = new Set(planted.keys());
  let found = 0;
  let unexpected = 0;
  let duplicates = 0;
  let withoutReason = 0;
  const unexpectedBodies: string[] = [];
  for (const text of bodies) {
    let original = text;
    try {
      const doc = JSON.parse(text) as { body?: unknown; reason?: unknown };
      if (typeof doc.body === 'string') original = doc.body;
      if (typeof doc.reason !== 'string' || doc.reason === '') withoutReason += 1;
    } catch {
      withoutReason += 1;
    }
    const remaining = planted.get(original) ?? 0;
    if (remaining > 0) {
      planted.set(original, remaining - 1);
      found += 1;
    } else if (plantedBodies.has(original)) {
      // A planted message dead-lettered twice: written to the DLQ, then the source delete
      // was lost (crash, fault) and the redelivery was dead-lettered again.
      duplicates += 1;
      unexpectedBodies.push(`duplicate of planted: ${text.slice(0, 240)}`);
    } else {
      unexpected += 1;
      unexpectedBodies.push(text.slice(0, 300));
    }
  }
  const missing = [...planted.values()].reduce((a, b) => a + b, 0);
  return { left, dlqCount, found, missing, unexpected, duplicates, withoutReason, unexpectedBodies };
}

async function retrying<T>(call: () => Promise<T>, attempts = 8): Promise<T> {
  let lastError: unknown;
  for (let i = 0; i < attempts; i += 1) {
    try {
      return await call();
    } catch (err) {
      lastError = err;
      if (err instanceof Error && /MessageNotExist|QueueNotExist/.test(err.name)) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250 * (i + 1)));
    }
  }
  throw lastError;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next]!;
      next += 1;
      await fn(item);
    }
  });
  await Promise.all(workers);
}
