/**
 * What vodflow needs from the account, in one place: setup creates it and doctor checks it.
 */

/** The events the video pipeline reads. VOD sends nothing for a type not in the callback's list. */
export const requiredEventTypes = [
  'FileUploadComplete',
  'StreamTranscodeComplete',
  'TranscodeComplete',
  'SnapshotComplete',
  'VideoAnalysisComplete',
  'DeleteMediaComplete',
] as const;

/** VOD's writes fail above the queue's maximum; many-stream and AI bodies reach several KB. */
export const requiredMaximumMessageSize = 65_536;
/** Messages must outlive a long outage of the consumer; VOD's docs ask for an hour at least. */
export const minimumRetentionSeconds = 3_600;

/** Attributes setup gives a queue it creates. Four days of retention rides out a long weekend's outage. */
export const queueAttributes = {
  MaximumMessageSize: requiredMaximumMessageSize,
  MessageRetentionPeriod: 345_600,
  VisibilityTimeout: 60,
  PollingWaitSeconds: 0,
  DelaySeconds: 0,
} as const;

export const defaultAppId = 'app-1000000';

/**
 * The queue MNS's native dead-letter policy moves messages to (`setup --mns-dead-letter-after`).
 * It is not vodflow's dead-letter queue: that one holds reason documents, this one the raw
 * messages MNS gave up on, and readers of the first must not meet the second.
 */
export function nativeDeadLetterQueue(queue: string): string {
  return `${queue}-mns-dlq`;
}
