/**
 * The seeded plan of simulated uploads the VOD emulator runs: per video, its emulator seed
 * and knobs (transcode outcome, streams, duplicates, shuffled order, dropped events). The
 * emulator turns each into VOD's real event sequence and pushes it into MNS with VOD's
 * 3-attempts-then-drop behaviour, and keeps the true video state for reconciliation.
 */
import type { TranscodeOutcome, UploadKnobs } from '../harness/emulators/vod';
import { createRandom } from '../harness/random';

export interface UploadPlanOptions {
  videos: number;
  seed: number | string;
  /** Chance each event is written twice (10 %). */
  duplicateRate?: number;
  /** Share of events VOD never sends (1 %): chosen among events the pipeline needs. */
  dropRate?: number;
  /** Share of videos whose transcode fails entirely or whose source is bad. */
  transcodeFailRate?: number;
}

export interface UploadSpec {
  index: number;
  seed: number;
  knobs: UploadKnobs;
  /** The outcome the pipeline must reach for this video. */
  expected: 'published' | 'transcode-failed';
}

/** Events a pipeline cannot finish without, so their loss needs reconciliation. */
const droppable = ['FileUploadComplete', 'TranscodeComplete', 'SnapshotComplete'] as const;
/** Events per video on average (upload, analysis, ~2.5 streams, transcode, snapshot). */
const eventsPerVideo = 6.5;

export function planUploads(options: UploadPlanOptions): UploadSpec[] {
  const random = createRandom(options.seed).fork('uploads');
  const duplicateRate = options.duplicateRate ?? 0.1;
  const failRate = options.transcodeFailRate ?? 0.06;
  // One dropped event per chosen video, so the share of videos is rate × events per video.
  const dropVideoRate = Math.min(1, (options.dropRate ?? 0.01) * eventsPerVideo);
  const specs: UploadSpec[] = [];
  for (let index = 0; index < options.videos; index += 1) {
    let transcode: TranscodeOutcome = 'success';
    const roll = random.next();
    if (roll < failRate / 2) transcode = 'fail';
    else if (roll < failRate) transcode = 'sourceBad';
    else if (roll < failRate + 0.04) transcode = 'partial';
    const knobs: UploadKnobs = {
      transcode,
      // A partial failure needs a stream that succeeds: at least two streams.
      streams: random.int(transcode === 'partial' ? 2 : 1, 4),
      duplicateRate,
      reorder: true,
      title: `chaos-${index}`,
    };
    if (random.chance(dropVideoRate)) knobs.dropEvents = [random.pick(droppable)];
    specs.push({
      index,
      seed: random.int(1, 2 ** 31 - 1),
      knobs,
      expected: transcode === 'fail' || transcode === 'sourceBad' ? 'transcode-failed' : 'published',
    });
  }
  return specs;
}
