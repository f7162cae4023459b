/**
 * `vodflow redrive`: moves dead letters back into their source queue. Each one is received
 * from the dead-letter queue, checked (deadLetterRedrive.ts), sent to the source queue with
 * its original body and priority, and deleted only after the send succeeded. Interrupted
 * between the two, a later run sends it again: the source queue then holds the event twice,
 * which the poller treats like any MNS redelivery and the workflow drops by event identity.
 * What stays dead is made visible again at the end, so the next run (or a person) sees it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AlibabaCredentials, QueueSpec } from '../config';
import type { DecodeResult } from '../events/model';
import {
  assertMnsStatus,
  classifyMnsError,
  createMnsClient,
  type MnsClient,
  type ReceivedMessage,
} from '../mns/client';
import { escapeXml } from '../mns/xml';
import { redriveDecision, type LeaveReason, type RedriveFilters } from './deadLetterRedrive';
import type { TokenBucket } from './rateLimiter';

/** One message of the dead-letter queue as redrive sees it. */
export interface DeadLetterMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
}

/** The four MNS calls redrive makes, on the dead-letter queue and on its source. */
export interface RedriveQueues {
  receiveDeadLetters(max: number, waitSeconds: number): Promise<DeadLetterMessage[]>;
  sendToSource(body: string, priority?: number): Promise<string>;
  deleteDeadLetter(receiptHandle: string): Promise<void>;
  /** Makes a received dead letter visible again (MNS's shortest visibility, 1 s). */
  releaseDeadLetter(receiptHandle: string): Promise<void>;
  deadLetterQueueAttributes(): Promise<{
    active: number;
    inactive: number;
    visibilityTimeoutSeconds: number;
  }>;
}

export function mnsRedriveQueues(
  spec: QueueSpec,
  credentials: AlibabaCredentials,
  timeoutMs: number,
): RedriveQueues {
  const base = {
    endpoint: spec.endpoint,
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
  };
  const receiveWaitSeconds = 1;
  const receiver = createMnsClient({ ...base, timeoutMs: receiveWaitSeconds * 1000 + timeoutMs });
  const client: MnsClient = createMnsClient({ ...base, timeoutMs });
  return {
    async receiveDeadLetters(max, waitSeconds) {
      try {
        const response = await receiver.batchReceiveMessage(
          spec.deadLetterQueue,
          max,
          Math.min(waitSeconds, receiveWaitSeconds),
        );
        assertMnsStatus('BatchReceiveMessage', response, [200]);
        const body: ReceivedMessage[] | ReceivedMessage | undefined = response.body;
        const list = body === undefined ? [] : Array.isArray(body) ? body : [body];
        return list.map((m) => ({
          messageId: String(m.MessageId),
          receiptHandle: String(m.ReceiptHandle),
          body: typeof m.MessageBody === 'string' ? m.MessageBody : '',
        }));
      } catch (err) {
        if (classifyMnsError(err).kind === 'message-not-exist') return [];
        throw err;
      }
    },
    async sendToSource(body, priority) {
      // The SDK puts the body into XML unescaped: escape it, as the poller does for dead letters.
      const response = await client.sendMessage(spec.queue, {
        MessageBody: escapeXml(body),
        ...(priority !== undefined ? { Priority: priority } : {}),
      });
      assertMnsStatus('SendMessage', response, [201]);
      return response.body.MessageId;
    },
    async deleteDeadLetter(receiptHandle) {
      const response = await client.deleteMessage(spec.deadLetterQueue, receiptHandle);
      assertMnsStatus('DeleteMessage', response, [204]);
    },
    async releaseDeadLetter(receiptHandle) {
      const response = await client.changeMessageVisibility(spec.deadLetterQueue, receiptHandle, 1);
      assertMnsStatus('ChangeMessageVisibility', response, [200]);
    },
    async deadLetterQueueAttributes() {
      const response = await client.getQueueAttributes(spec.deadLetterQueue);
      assertMnsStatus('GetQueueAttributes', response, [200]);
      return {
        active: Number(response.body.ActiveMessages) || 0,
        inactive: Number(response.body.InactiveMessages) || 0,
        visibilityTimeoutSeconds: Number(response.body.VisibilityTimeout) || 30,
      };
    },
  };
}

export type RedriveItemOutcome =
  /** Sent to the source queue and deleted from the dead-letter queue. */
  | 'redriven'
  /** Sent, but the delete failed: a later run sends it again (harmless, see above). */
  | 'redriven-not-deleted'
  /** Dry run: would be redriven. */
  | 'would-redrive'
  /** The send failed: it stays dead. */
  | 'send-failed'
  | LeaveReason;

export interface RedriveItem {
  /** The dead letter's own MNS message id. */
  messageId: string;
  outcome: RedriveItemOutcome;
  /** The original message's id, from the document. */
  originalMessageId?: string;
  deadLetterReason?: string;
  mediaId?: string;
  eventType?: string;
  detail?: string;
  /** The id MNS gave the re-sent message. */
  sentMessageId?: string;
}

export type RedriveAction =
  | { kind: 'sent'; messageId: string; originalMessageId: string; mediaId: string; sentMessageId: string }
  | { kind: 'deleted'; messageId: string };

export interface RedriveReport {
  deadLetterQueue: string;
  sourceQueue: string;
  dryRun: boolean;
  items: RedriveItem[];
  counts: Partial<Record<RedriveItemOutcome, number>>;
  /** Dead letters hidden by someone else's receive (an interrupted run, say) when this run ended. */
  hiddenElsewhere: number;
  /** Why the run stopped early (MNS refused the credentials, the queue is missing, …). */
  aborted?: string;
}

export interface RedriveOptions {
  source: { region: string; queue: string; deadLetterQueue: string };
  filters: RedriveFilters;
  /** At most this many dead letters redriven (or, in a dry run, found redrivable). */
  limit: number;
  dryRun: boolean;
  limiter: TokenBucket;
  decode: (body: string) => DecodeResult;
  /**
   * How long to wait for dead letters hidden by another receive (an interrupted run holds them
   * until the queue's visibility timeout ends); undefined: that visibility timeout plus 5 s.
   */
  waitHiddenMs?: number;
  onProgress?: (done: number, total: number) => void;
  /** Each send and delete as it happens (`--verbose`). */
  onAction?: (action: RedriveAction) => void;
  /** Checked between messages: stop cleanly (e.g. on SIGINT). */
  stopRequested?: () => boolean;
}

/** A send failing so stops the run: no other message would fare better. */
const fatalKinds = new Set(['auth', 'queue-not-exist']);

export async function redrive(queues: RedriveQueues, options: RedriveOptions): Promise<RedriveReport> {
  const report: RedriveReport = {
    deadLetterQueue: options.source.deadLetterQueue,
    sourceQueue: options.source.queue,
    dryRun: options.dryRun,
    items: [],
    counts: {},
    hiddenElsewhere: 0,
  };
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt += 1) {
      await options.limiter.take();
      try {
        return await fn();
      } catch (err) {
        if (!classifyMnsError(err).retryable || attempt >= 4) throw err;
        await sleep(250 * 2 ** attempt);
      }
    }
  };
  /** Dead letters this run received and leaves in the queue, by message id: released at the end. */
  const held = new Map<string, string>();
  /** Dead letters this run already sent: met again (their delete failed), they are only deleted. */
  const sent = new Set<string>();
  const record = (item: RedriveItem) => {
    report.items.push(item);
    report.counts[item.outcome] = (report.counts[item.outcome] ?? 0) + 1;
  };
  let redriven = 0;
  let total = 0;
  try {
    const start = await call(() => queues.deadLetterQueueAttributes());
    total = Math.min(options.limit, start.active + start.inactive);
    const waitHiddenMs = options.waitHiddenMs ?? (start.visibilityTimeoutSeconds + 5) * 1000;
    let hiddenDeadline: number | undefined;
    options.onProgress?.(0, total);
    receiving: while (redriven < options.limit && !options.stopRequested?.()) {
      const batch = await call(() => queues.receiveDeadLetters(16, 1));
      if (batch.length === 0) {
        const now = await call(() => queues.deadLetterQueueAttributes());
        report.hiddenElsewhere = Math.max(0, now.inactive - held.size);
        if (report.hiddenElsewhere === 0 || waitHiddenMs <= 0) break;
        hiddenDeadline ??= Date.now() + waitHiddenMs;
        if (Date.now() >= hiddenDeadline) break;
        await sleep(1_000);
        continue;
      }
      hiddenDeadline = undefined;
      for (const [index, message] of batch.entries()) {
        if (redriven >= options.limit || options.stopRequested?.()) {
          // Received but not looked at: hand back as they are.
          for (const rest of batch.slice(index))
            if (!sent.has(rest.messageId)) held.set(rest.messageId, rest.receiptHandle);
          break receiving;
        }
        if (sent.has(message.messageId)) {
          await call(() => queues.deleteDeadLetter(message.receiptHandle)).catch(() => undefined);
          continue;
        }
        if (held.has(message.messageId)) {
          // Visible again during a long run: keep the newest handle, it was judged already.
          held.set(message.messageId, message.receiptHandle);
          continue;
        }
        const outcome = await redriveOne(queues, options, message, call);
        record(outcome);
        if (outcome.outcome === 'redriven' || outcome.outcome === 'redriven-not-deleted') {
          sent.add(message.messageId);
          redriven += 1;
        } else {
          held.set(message.messageId, message.receiptHandle);
          if (outcome.outcome === 'would-redrive') redriven += 1;
        }
        options.onProgress?.(report.items.length, Math.max(total, report.items.length));
      }
    }
  } catch (err) {
    // MNS refused the credentials, the queue is gone, or it stayed unreachable through the retries.
    const kind = classifyMnsError(err);
    report.aborted = `${kind.code ?? kind.kind}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  } finally {
    for (const receiptHandle of held.values()) {
      await call(() => queues.releaseDeadLetter(receiptHandle)).catch(() => undefined);
    }
  }
  return report;
}

async function redriveOne(
  queues: RedriveQueues,
  options: RedriveOptions,
  message: DeadLetterMessage,
  call: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<RedriveItem> {
  const decision = redriveDecision(message.body, options.source, options.filters, options.decode);
  const document = decision.deadLetter;
  const base: RedriveItem = {
    messageId: message.messageId,
    outcome: 'would-redrive',
    ...(document
      ? { originalMessageId: document.attributes.messageId, deadLetterReason: document.reason }
      : {}),
  };
  if (decision.action === 'leave') return { ...base, outcome: decision.why, detail: decision.detail };
  const described = { ...base, mediaId: decision.mediaId, eventType: decision.eventType };
  if (options.dryRun) return described;
  let sentMessageId: string;
  try {
    sentMessageId = await call(() => queues.sendToSource(decision.body, decision.priority));
  } catch (err) {
    const kind = classifyMnsError(err);
    if (fatalKinds.has(kind.kind) || kind.retryable) throw err;
    return { ...described, outcome: 'send-failed', detail: `${kind.code ?? kind.kind}` };
  }
  options.onAction?.({
    kind: 'sent',
    messageId: message.messageId,
    originalMessageId: decision.deadLetter.attributes.messageId,
    mediaId: decision.mediaId,
    sentMessageId,
  });
  try {
    await call(() => queues.deleteDeadLetter(message.receiptHandle));
    options.onAction?.({ kind: 'deleted', messageId: message.messageId });
    return { ...described, outcome: 'redriven', sentMessageId };
  } catch (err) {
    const kind = classifyMnsError(err);
    return {
      ...described,
      outcome: 'redriven-not-deleted',
      sentMessageId,
      detail: `delete failed (${kind.code ?? kind.kind}): a later redrive sends it again, which the pipeline ignores`,
    };
  }
}
