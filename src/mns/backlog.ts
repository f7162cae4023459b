import { classifyMnsError } from './client';

/** The two MNS calls a backlog reading needs; the real client (src/mns/client) has both. */
export interface BacklogReader {
  getQueueAttributes(queueName: string): Promise<{
    body?: {
      ActiveMessages?: string | number;
      InactiveMessages?: string | number;
      DelayMessages?: string | number;
    };
  }>;
  batchPeekMessage(
    queueName: string,
    numOfMessages: number,
  ): Promise<{ body?: Array<{ EnqueueTime?: string | number }> }>;
}

export interface QueueBacklog {
  /** Visible now. */
  active: number;
  /** Received and not deleted yet (in flight). */
  inactive: number;
  delayed: number;
  /**
   * Age of the oldest of the first visible messages (one BatchPeekMessage of 16: MNS keeps no
   * strict order, so this is an approximation from below); 0 when none is visible.
   */
  oldestAgeSeconds: number;
}

const peekCount = 16;

/** Depth and oldest visible message of one queue: GetQueueAttributes, then BatchPeekMessage. */
export async function readBacklog(
  mns: BacklogReader,
  queueName: string,
  now = Date.now(),
): Promise<QueueBacklog> {
  const attributes = (await mns.getQueueAttributes(queueName)).body ?? {};
  const count = (v: string | number | undefined) => (Number.isFinite(Number(v)) ? Number(v) : 0);
  const backlog: QueueBacklog = {
    active: count(attributes.ActiveMessages),
    inactive: count(attributes.InactiveMessages),
    delayed: count(attributes.DelayMessages),
    oldestAgeSeconds: 0,
  };
  if (backlog.active === 0) return backlog;
  try {
    const peeked = (await mns.batchPeekMessage(queueName, peekCount)).body ?? [];
    const oldest = Math.min(...peeked.map((m) => Number(m.EnqueueTime)).filter(Number.isFinite));
    if (Number.isFinite(oldest)) backlog.oldestAgeSeconds = Math.max(0, (now - oldest) / 1000);
  } catch (err) {
    // Received by someone between the two calls: nothing visible to age.
    if (classifyMnsError(err).kind !== 'message-not-exist') throw err;
  }
  return backlog;
}

export function formatAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3_600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}
