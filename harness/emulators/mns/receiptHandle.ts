/**
 * Receipt handles shaped like the service's: `1-` + base64(`<seq>-<unixSeconds>-<queueId>-<version>`).
 * Only digits and `-` go into the base64, so a handle never contains `+` or `/` and is safe
 * raw in a query string (docs/MNS-PROTOCOL.md, "Identifiers").
 */
export interface ReceiptHandleParts {
  seq: number;
  queueId: number;
  version: number;
}

export function encodeReceiptHandle(parts: ReceiptHandleParts, nowMs: number): string {
  const payload = `${parts.seq}-${Math.floor(nowMs / 1000)}-${parts.queueId}-${parts.version}`;
  return `1-${Buffer.from(payload, 'latin1').toString('base64')}`;
}

const payloadPattern = /^(\d{1,15})-(\d{1,12})-(\d{1,15})-(\d{1,15})$/;

/** Undefined for anything the emulator did not issue (the caller answers ReceiptHandleError). */
export function decodeReceiptHandle(handle: string): ReceiptHandleParts | undefined {
  if (!handle.startsWith('1-')) return undefined;
  const encoded = handle.slice(2);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  const payload = Buffer.from(encoded, 'base64').toString('latin1');
  const match = payloadPattern.exec(payload);
  if (!match) return undefined;
  return { seq: Number(match[1]), queueId: Number(match[3]), version: Number(match[4]) };
}
