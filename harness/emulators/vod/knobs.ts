/**
 * Fault and shape knobs of the VOD emulator. Upload knobs can be set globally (setKnobs) and
 * overridden per simulated upload; API knobs are global.
 */

/** How the transcode of one upload ends. */
export type TranscodeOutcome =
  /** every stream succeeds; status Normal */
  | 'success'
  /** some streams fail; TranscodeComplete still says success; status Normal */
  | 'partial'
  /** every stream fails; TranscodeComplete fail; status TranscodeFail */
  | 'fail'
  /** broken source: analysis fails, no stream events, only TranscodeComplete fail */
  | 'sourceBad'
  /** "No Transcoding" template group: only FileUploadComplete, status Normal */
  | 'none';

export interface UploadKnobs {
  /** Output streams per transcode (1–6: LD, SD, HD, FD, 2K, 4K). Default 3. */
  streams?: number;
  /** Forces the transcode outcome; otherwise drawn from the rates below (default success). */
  transcode?: TranscodeOutcome;
  /** Chance an upload's transcode fails entirely. */
  transcodeFailRate?: number;
  /** Chance an upload's transcode fails for some streams only. */
  partialFailRate?: number;
  /** Chance an upload's transcode is "no transcoding" (upload only). */
  noTranscodeRate?: number;
  /** The cover snapshot job fails (SnapshotComplete with Status fail). */
  snapshotFail?: boolean;
  /** Chance each event is written to the queue twice. */
  duplicateRate?: number;
  /** These event types are always written twice. */
  duplicateEvents?: string[];
  /** Deliver the events of an upload in a random order instead of timeline order. */
  reorder?: boolean;
  /** Chance each event is silently lost (never written; state still changes). */
  dropRate?: number;
  /** These event types are never written (state still changes): the reconciliation case. */
  dropEvents?: string[];
  /**
   * Chance each event's queue write fails. A failing event fails `failAttempts` of its three
   * attempts; with 3 (default) VOD gives up and the event is dropped.
   */
  failDeliveryRate?: number;
  failAttempts?: number;
  /** GetPlayInfo answers Forbidden.IllegalStatus for this long (ms at time scale 1) after TranscodeComplete. */
  playInfoLagMs?: number;
  /** UserData.Extend echoed in every event. */
  extend?: string;
  title?: string;
  appId?: string;
  /**
   * Write none of the upload's events (recorded as `suppressed`), while the video goes through
   * its stages as usual: a callback that points nowhere, VOD's role to write to MNS missing.
   * Only a backfill sweep (GetVideoList) ever finds such a video.
   */
  suppressEvents?: boolean;
}

/** The throttling codes VOD's gateway answers (all HTTP 400). */
export const throttleCodes = ['Throttling', 'Throttling.User', 'Throttling.Api'] as const;
export type ThrottleCode = (typeof throttleCodes)[number];

export interface ApiKnobs {
  /** Chance an API call answers `throttleCode` (HTTP 400). */
  throttleRate?: number;
  /** The code throttled calls answer. Default Throttling. */
  throttleCode?: ThrottleCode;
  /** Only these actions are throttled by throttleRate (default: every action). */
  throttleActions?: string[];
  /** Chance any API call answers InternalError (HTTP 500). */
  internalErrorRate?: number;
  /** Enforce the documented per-account QPS limits (GetPlayInfo 360, GetVideoInfo 100, GetVideoList 50, …). */
  enforceQps?: boolean;
}

export type EmulatorKnobs = UploadKnobs & ApiKnobs;

const rateKeys = [
  'transcodeFailRate',
  'partialFailRate',
  'noTranscodeRate',
  'duplicateRate',
  'dropRate',
  'failDeliveryRate',
  'throttleRate',
  'internalErrorRate',
] as const;

const transcodeOutcomes: readonly TranscodeOutcome[] = ['success', 'partial', 'fail', 'sourceBad', 'none'];

/** Validates knobs from an untrusted source (admin API, CLI); throws with a precise message. */
export function parseKnobs(input: unknown): EmulatorKnobs {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw new Error('knobs must be a JSON object');
  const raw = input as Record<string, unknown>;
  const knobs: EmulatorKnobs = {};
  for (const [key, value] of Object.entries(raw)) {
    if ((rateKeys as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1))
        throw new Error(`${key} must be in [0, 1]`);
      (knobs as Record<string, unknown>)[key] = value;
    } else if (key === 'streams' || key === 'failAttempts' || key === 'playInfoLagMs') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw new Error(`${key} must be a non-negative integer`);
      }
      knobs[key] = value;
    } else if (key === 'transcode') {
      if (!transcodeOutcomes.includes(value as TranscodeOutcome)) {
        throw new Error(`transcode must be one of ${transcodeOutcomes.join(', ')}`);
      }
      knobs.transcode = value as TranscodeOutcome;
    } else if (key === 'throttleCode') {
      if (!throttleCodes.includes(value as ThrottleCode)) {
        throw new Error(`throttleCode must be one of ${throttleCodes.join(', ')}`);
      }
      knobs.throttleCode = value as ThrottleCode;
    } else if (key === 'duplicateEvents' || key === 'dropEvents' || key === 'throttleActions') {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
        throw new Error(
          `${key} must be an array of ${key === 'throttleActions' ? 'actions' : 'event types'}`,
        );
      }
      knobs[key] = value as string[];
    } else if (
      key === 'reorder' ||
      key === 'snapshotFail' ||
      key === 'enforceQps' ||
      key === 'suppressEvents'
    ) {
      if (typeof value !== 'boolean') throw new Error(`${key} must be a boolean`);
      knobs[key] = value;
    } else if (key === 'extend' || key === 'title' || key === 'appId') {
      if (typeof value !== 'string') throw new Error(`${key} must be a string`);
      knobs[key] = value;
    } else {
      throw new Error(`unknown knob ${key}`);
    }
  }
  if (knobs.streams !== undefined && (knobs.streams < 1 || knobs.streams > 6)) {
    throw new Error('streams must be between 1 and 6');
  }
  if (knobs.failAttempts !== undefined && (knobs.failAttempts < 1 || knobs.failAttempts > 3)) {
    throw new Error('failAttempts must be between 1 and 3');
  }
  return knobs;
}
