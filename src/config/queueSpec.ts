/**
 * One MNS queue the poller consumes: VOD pushes each storage region's events to its own queue,
 * so the region travels with the queue and ends up in every signal.
 */
export interface QueueSpec {
  region: string;
  /** e.g. http://1234567.mns.cn-shanghai.aliyuncs.com (no trailing slash). */
  endpoint: string;
  queue: string;
  deadLetterQueue: string;
}

export type QueueSpecResult =
  { ok: true; spec: Omit<QueueSpec, 'deadLetterQueue'> } | { ok: false; reason: string };

// MNS queue names: start with a letter, then letters, digits or '-', at most 120 characters, as
// the current CreateQueue documentation says (an older error table still says 256; the stricter
// limit is the one a new queue must meet, see docs/MNS-EMULATOR.md).
export const queueNamePattern = /^[A-Za-z][A-Za-z0-9-]{0,119}$/;
const regionPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Parses `REGION=ENDPOINT/QUEUE`; never throws. */
export function parseQueueEntry(entry: string): QueueSpecResult {
  const trimmed = entry.trim();
  const eq = trimmed.indexOf('=');
  if (eq <= 0) return { ok: false, reason: 'expected REGION=ENDPOINT/QUEUE' };
  const region = trimmed.slice(0, eq).trim();
  const url = trimmed.slice(eq + 1).trim();
  if (!regionPattern.test(region)) return { ok: false, reason: `region "${region}" is not a region id` };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: 'the part after "=" is not a URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { ok: false, reason: 'the endpoint must start with http:// or https://' };
  }
  if (parsed.username || parsed.password)
    return { ok: false, reason: 'the endpoint must not carry credentials' };
  if (parsed.search || parsed.hash)
    return { ok: false, reason: 'the endpoint must not have a query or fragment' };
  const segments = parsed.pathname.split('/').filter((s) => s.length > 0);
  // Accept both .../QUEUE and the REST form .../queues/QUEUE that consoles print.
  if (segments.length === 2 && segments[0] === 'queues') segments.shift();
  if (segments.length !== 1)
    return { ok: false, reason: 'expected exactly one queue name after the endpoint' };
  const queue = segments[0]!;
  if (!queueNamePattern.test(queue))
    return { ok: false, reason: `queue name "${queue}" is not a valid MNS queue name` };
  return { ok: true, spec: { region, endpoint: `${parsed.protocol}//${parsed.host}`, queue } };
}

/** The dead-letter queue of a queue unless configured otherwise. */
export function defaultDeadLetterQueue(queue: string): string {
  return `${queue}-dlq`;
}
