/**
 * One VOD HTTP callback, from its headers to its answer. VOD counts only 200 and retries
 * anything else twice, a second apart, then drops the event; so:
 * - 200 only once the event is safe: signalWithStart returned (the signal is in the video's
 *   history), or the body is in the region's dead-letter queue (poison must not be retried),
 *   or it was doctor's probe;
 * - 403 for a missing or wrong signature or a timestamp outside the window (counted by reason);
 * - 503 for anything that may succeed later (Temporal down or slow, the dead-letter write
 *   failed), so VOD's retry gets another chance.
 * The decision is the poller's (same decoder, same signaller, same dead-letter document); only
 * the acknowledgement differs: a status code instead of a delete.
 */
import { createHash } from 'node:crypto';
import type { QueueSpec } from '../config/queueSpec';
import type { DecodeResult } from '../events/model';
import { classifyMnsError } from '../mns/client';
import type { Logger } from '../observability/logger';
import {
  callbackDeadLetterDocument,
  type DeadLetterReason,
  type ReceivedCallback,
} from '../poller/deadLetter';
import { errorSummary } from '../poller/queueConsumer';
import { classifyTemporalError } from '../poller/temporalErrors';
import type { SignalOutcome, VideoSignal } from '../poller/videoSignaller';
import type { IngressMetrics } from './metrics';
import { isProbe, probeAnswer } from './probe';
import type { CallbackRoute } from './routes';
import { authenticateCallback, signatureHeader, timestampHeader, type RejectionReason } from './signature';

export interface CallbackRequest {
  route: CallbackRoute;
  /** A request header by lower-case name (the first value when repeated). */
  header(name: string): string | undefined;
  /** The body, read (and capped) only when asked: after authentication. */
  body(): Promise<Buffer>;
  /** For logs: who sent it (the socket's peer, not a header anyone can set). */
  peer: string | undefined;
}

export interface CallbackAnswer {
  status: 200 | 403 | 503;
  body: Record<string, unknown>;
}

export interface CallbackHandlerOptions {
  authKeys: readonly string[];
  maxAgeSeconds: number;
  decode: (body: string) => DecodeResult;
  signaller: { signal(input: VideoSignal): Promise<SignalOutcome> };
  /** Writes a dead-letter document to the queue's dead-letter queue; throws when it could not. */
  deadLetter: (queue: QueueSpec, document: string) => Promise<void>;
  metrics: IngressMetrics;
  logger: Logger;
  /**
   * The answer's budget for signalling: past it VOD hears 503 whatever the call is doing (the
   * SDK's retries can outlast a deadline), before its own 5 s timeout turns the wait into a
   * failed attempt. The call may still land; VOD's retry is then a duplicate the workflow drops.
   */
  signalBudgetMs: number;
  now?: () => number;
}

export type CallbackHandler = (request: CallbackRequest) => Promise<CallbackAnswer>;

export function createCallbackHandler(options: CallbackHandlerOptions): CallbackHandler {
  const { metrics, logger } = options;
  const now = options.now ?? Date.now;
  const rejections = new RejectionLog(logger);

  const deadLetter = async (
    route: CallbackRoute,
    callback: ReceivedCallback,
    reason: DeadLetterReason,
    detail: string,
  ): Promise<CallbackAnswer> => {
    const labels = { region: route.region };
    try {
      await options.deadLetter(
        route.queue,
        callbackDeadLetterDocument(callback, route.queue, reason, detail),
      );
    } catch (err) {
      const kind = classifyMnsError(err).kind;
      metrics.failures.inc({ ...labels, class: `mns_dead_letter_${kind}` });
      logger.error(
        {
          region: route.region,
          callbackId: callback.callbackId,
          reason,
          deadLetterQueue: route.queue.deadLetterQueue,
          err: errorSummary(err),
        },
        'could not dead-letter the callback; answering 503 so VOD sends it again',
      );
      return { status: 503, body: { ok: false, error: 'dead_letter_unavailable' } };
    }
    metrics.deadLettered.inc({ ...labels, reason });
    // The body is not logged: it may be large or hostile. The dead-letter queue has it.
    logger.info(
      { region: route.region, callbackId: callback.callbackId, reason, detail },
      'callback dead-lettered',
    );
    return { status: 200, body: { ok: true, deadLettered: reason } };
  };

  return async (request) => {
    const { route } = request;
    const labels = { region: route.region };
    metrics.received.inc(labels);
    const auth = authenticateCallback(
      { timestamp: request.header(timestampHeader), signature: request.header(signatureHeader) },
      { callbackUrl: route.callbackUrl, authKeys: options.authKeys, maxAgeSeconds: options.maxAgeSeconds },
      now(),
    );
    if (!auth.ok) {
      metrics.rejected.inc({ ...labels, reason: auth.reason });
      rejections.note(auth.reason, { region: route.region, peer: request.peer, detail: auth.detail });
      return { status: 403, body: { ok: false, error: auth.reason } };
    }

    const text = (await request.body()).toString('utf8');
    if (isProbe(text)) {
      metrics.probes.inc(labels);
      logger.info({ region: route.region, peer: request.peer }, 'doctor probe answered');
      return { status: 200, body: { ...probeAnswer, region: route.region } };
    }
    const callback: ReceivedCallback = {
      callbackId: callbackIdOf(route.region, text),
      body: text,
      receivedAt: now(),
    };
    const decoded = options.decode(text);
    if (!decoded.ok) return deadLetter(route, callback, 'invalid_body', decoded.reason);
    const event = decoded.event;
    if (event.mediaId === null) {
      return deadLetter(
        route,
        callback,
        'no_media_id',
        `${event.eventType} (status ${event.status ?? 'none'}) carries no VideoId/MediaId to key a workflow on`,
      );
    }
    const ids = { region: route.region, callbackId: callback.callbackId, mediaId: event.mediaId };
    const started = process.hrtime.bigint();
    let outcome: SignalOutcome;
    try {
      outcome = await withinBudget(
        options.signaller.signal({
          event: { ...event, mediaId: event.mediaId },
          region: route.region,
          messageId: callback.callbackId,
        }),
        options.signalBudgetMs,
      );
    } catch (err) {
      const failure = err instanceof SignalBudgetExceeded ? 'deadline' : classifyTemporalError(err);
      if (failure === 'rejected') {
        logger.error({ ...ids, err: errorSummary(err) }, 'Temporal rejected the signal');
        return deadLetter(route, callback, 'temporal_rejected', errorSummary(err));
      }
      metrics.failures.inc({ ...labels, class: `temporal_${failure}` });
      logger.warn(
        { ...ids, class: failure, err: errorSummary(err) },
        'signal failed; answering 503 so VOD sends it again',
      );
      return { status: 503, body: { ok: false, error: `temporal_${failure}` } };
    }
    metrics.signalLatency.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    metrics.signalled.inc({ ...labels, outcome: outcome.kind.replace(/-/g, '_') });
    if (outcome.kind === 'late-after-close') {
      logger.warn(
        { ...ids, eventType: event.eventType, identity: event.identity, eventTime: event.eventTime },
        'event older than the closed workflow run; acknowledged as a late duplicate',
      );
    } else if (logger.isLevelEnabled('debug')) {
      logger.debug(
        { ...ids, eventType: event.eventType, outcome: outcome.kind, runId: outcome.runId },
        'signalled',
      );
    }
    return { status: 200, body: { ok: true, outcome: outcome.kind } };
  };
}

export class SignalBudgetExceeded extends Error {
  constructor(budgetMs: number) {
    super(`no answer from Temporal within ${budgetMs} ms`);
    this.name = 'SignalBudgetExceeded';
  }
}

function withinBudget<T>(work: Promise<T>, budgetMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SignalBudgetExceeded(budgetMs)), budgetMs);
  });
  // The call goes on after the budget; its late failure is nobody's to handle.
  work.catch(() => undefined);
  return Promise.race([work, budget]).finally(() => clearTimeout(timer));
}

/**
 * The ingress's id of a callback: the same for VOD's retries of one body, different for
 * different bodies. Travels as the signal's messageId, for tracing only (dedupe is by the
 * event's identity).
 */
export function callbackIdOf(region: string, body: string): string {
  return `vod-http-${createHash('sha256').update(`${region}\n${body}`, 'utf8').digest('hex').slice(0, 24)}`;
}

/**
 * Rejections are logged, but at most once per reason every 10 s with the count in between: a
 * flood of forged requests must not become a flood of log lines. The metric counts every one.
 */
class RejectionLog {
  private readonly last = new Map<RejectionReason, { at: number; suppressed: number }>();

  constructor(private readonly logger: Logger) {}

  note(reason: RejectionReason, fields: Record<string, unknown>): void {
    const now = Date.now();
    const entry = this.last.get(reason);
    if (entry && now - entry.at < 10_000) {
      entry.suppressed += 1;
      return;
    }
    this.last.set(reason, { at: now, suppressed: 0 });
    this.logger.warn(
      {
        ...fields,
        reason,
        ...(entry && entry.suppressed > 0 ? { suppressedSinceLast: entry.suppressed } : {}),
      },
      'callback refused (403)',
    );
  }
}
