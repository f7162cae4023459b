/** Queue attributes (docs/MNS-PROTOCOL.md, "Queue attributes"), parsed from a `<Queue>` body. */
import { rangeError, schemaError } from './errors';
import { leafText, type XmlNode } from './xml';

/**
 * MNS's native dead-letter policy. Set through the management API (docs/MNS-EMULATOR.md); the
 * XML API neither sends nor returns it.
 */
export interface DeadLetterPolicy {
  enabled: boolean;
  deadLetterTargetQueue: string;
  /** Receives a message may have; the next receive moves it to the target instead. */
  maxReceiveCount: number;
}

export interface QueueAttributes {
  delaySeconds: number;
  maximumMessageSize: number;
  messageRetentionPeriod: number;
  visibilityTimeout: number;
  pollingWaitSeconds: number;
  loggingEnabled: boolean;
  dlqPolicy?: DeadLetterPolicy;
}

export const defaultQueueAttributes: QueueAttributes = {
  delaySeconds: 0,
  maximumMessageSize: 65536,
  messageRetentionPeriod: 345600,
  visibilityTimeout: 30,
  pollingWaitSeconds: 0,
  loggingEnabled: false,
};

type NumericAttribute = Exclude<keyof QueueAttributes, 'loggingEnabled' | 'dlqPolicy'>;

const numericElements: ReadonlyArray<
  readonly [element: string, key: NumericAttribute, low: number, high: number, unit: 'seconds' | 'bytes']
> = [
  ['DelaySeconds', 'delaySeconds', 0, 604800, 'seconds'],
  ['MaximumMessageSize', 'maximumMessageSize', 1024, 65536, 'bytes'],
  ['MessageRetentionPeriod', 'messageRetentionPeriod', 60, 604800, 'seconds'],
  ['VisibilityTimeout', 'visibilityTimeout', 1, 43200, 'seconds'],
  ['PollingWaitSeconds', 'pollingWaitSeconds', 0, 30, 'seconds'],
];

export function parseInteger(text: string, element: string): number {
  const trimmed = text.trim();
  if (!/^-?\d{1,15}$/.test(trimmed)) throw schemaError(element);
  return Number(trimmed);
}

/** Only the elements present; unknown elements are ignored as the SDKs' extras would be. */
export function parseQueueAttributes(content: Record<string, XmlNode | XmlNode[]>): Partial<QueueAttributes> {
  const result: Partial<QueueAttributes> = {};
  for (const [element, key, low, high, unit] of numericElements) {
    const text = leafText(content[element], () => schemaError(element));
    if (text === undefined) continue;
    const value = parseInteger(text, element);
    if (value < low || value > high) throw rangeError(element, low, high, unit);
    result[key] = value;
  }
  const logging = leafText(content.LoggingEnabled, () => schemaError('LoggingEnabled'));
  if (logging !== undefined) {
    const normalized = logging.trim().toLowerCase();
    if (normalized !== 'true' && normalized !== 'false') throw schemaError('LoggingEnabled');
    result.loggingEnabled = normalized === 'true';
  }
  return result;
}

/** The XML API's attributes only: a dead-letter policy never makes a CreateQueue differ. */
export function sameAttributes(a: QueueAttributes, b: QueueAttributes): boolean {
  return (
    a.delaySeconds === b.delaySeconds &&
    a.maximumMessageSize === b.maximumMessageSize &&
    a.messageRetentionPeriod === b.messageRetentionPeriod &&
    a.visibilityTimeout === b.visibilityTimeout &&
    a.pollingWaitSeconds === b.pollingWaitSeconds &&
    a.loggingEnabled === b.loggingEnabled
  );
}
