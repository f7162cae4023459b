/**
 * The seeded benchmark workload: raw VOD event bodies exactly as docs/VOD-API.md describes
 * them (loose types included: numeric strings next to numbers), several per video, in a
 * seeded interleaved order. The same seed gives the same bytes, so every scenario of one
 * run, and runs on different machines, push the identical workload.
 */
import { createRandom } from '../harness/random';

export interface WorkloadOptions {
  events: number;
  videos: number;
  seed: number;
}

export interface WorkloadEvent {
  /** Position in send order, 0-based. */
  index: number;
  videoId: string;
  eventType: string;
  /** The MNS message body: one flat JSON object, as VOD sends it. */
  body: string;
  /** True for the event that completes the video's required set (upload, transcode, snapshot) in send order. */
  lastRequired: boolean;
}

export interface Workload {
  options: WorkloadOptions;
  events: WorkloadEvent[];
  videoIds: string[];
}

/** The events videoPipeline waits for before it runs its downstream steps. */
export const requiredEventTypes = ['FileUploadComplete', 'TranscodeComplete', 'SnapshotComplete'] as const;

function hex(random: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(random() * 16).toString(16);
  return out;
}

const definitions = ['LD', 'SD', 'HD', 'FD', 'OD', '2K', '4K'] as const;
const heights: Record<string, number> = {
  LD: 360,
  SD: 540,
  HD: 720,
  FD: 1080,
  OD: 1080,
  '2K': 1440,
  '4K': 2160,
};
const baseEventTimeMs = Date.UTC(2026, 0, 1, 0, 0, 0);

function vodTime(ms: number): string {
  // VOD event times have second resolution (docs/VOD-API.md, "Body conventions").
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

interface VideoShape {
  videoId: string;
  uploadMs: number;
  durationS: number;
  width: number;
  height: number;
}

function uploadBody(v: VideoShape, random: () => number): string {
  return JSON.stringify({
    Status: 'success',
    EventTime: vodTime(v.uploadMs),
    EventType: 'FileUploadComplete',
    VideoId: v.videoId,
    Size: 1_000_000 + Math.floor(random() * 500_000_000),
    FileUrl: `http://outin-${hex(random, 32)}.oss-cn-shanghai.aliyuncs.com/sv/${hex(random, 8)}-${hex(random, 12)}.mp4`,
    Extend: JSON.stringify({ tenant: 'bench', upload: v.videoId.slice(0, 8) }),
  });
}

function stream(v: VideoShape, definition: string, random: () => number): Record<string, unknown> {
  const height = heights[definition] ?? 720;
  return {
    Status: 'success',
    Bitrate: String(300 + Math.floor(random() * 4000)),
    Definition: definition,
    Duration: v.durationS,
    Encrypt: false,
    FileUrl: `http://vod.bench.example.com/${hex(random, 32)}/${hex(random, 32)}-${definition.toLowerCase()}.mp4`,
    Format: 'mp4',
    Fps: '30',
    Height: height,
    Size: Math.floor(v.durationS * 100_000 * (1 + random())),
    Width: Math.round((height * 16) / 9),
    JobId: hex(random, 32),
  };
}

function streamTranscodeBody(v: VideoShape, definition: string, atMs: number, random: () => number): string {
  return JSON.stringify({
    EventTime: vodTime(atMs),
    EventType: 'StreamTranscodeComplete',
    VideoId: v.videoId,
    ...stream(v, definition, random),
    Extend: 'bench',
  });
}

function transcodeBody(v: VideoShape, atMs: number, streamCount: number, random: () => number): string {
  return JSON.stringify({
    EventTime: vodTime(atMs),
    EventType: 'TranscodeComplete',
    VideoId: v.videoId,
    Status: 'success',
    Extend: 'bench',
    StreamInfos: definitions.slice(0, Math.max(1, streamCount)).map((d) => stream(v, d, random)),
  });
}

function snapshotBody(v: VideoShape, atMs: number, random: () => number): string {
  const cover = hex(random, 32);
  return JSON.stringify({
    EventType: 'SnapshotComplete',
    EventTime: vodTime(atMs),
    VideoId: v.videoId,
    Status: 'success',
    CoverUrl: `http://vod.bench.example.com/covers/${cover}-00001.jpg`,
    SnapshotInfos: [
      {
        Status: 'success',
        SnapshotType: 'CoverSnapshot',
        SnapshotCount: 8,
        SnapshotFormat: `${hex(random, 32)}/covers/${cover}-{SnapshotCount}.jpg`,
        SnapshotRegular: `http://vod.bench.example.com/covers/${cover}-{SnapshotCount}.jpg`,
        JobId: hex(random, 32),
      },
    ],
  });
}

/**
 * Each video gets FileUploadComplete, then TranscodeComplete and SnapshotComplete (their
 * order is undefined in VOD), then StreamTranscodeComplete for extra events. Counts are
 * spread as evenly as events/videos allows; videos with fewer than three events get a prefix
 * of the required set.
 */
export function generateWorkload(options: WorkloadOptions): Workload {
  const { events, videos, seed } = options;
  if (!Number.isInteger(events) || events < 1)
    throw new Error(`workload: events must be >= 1, got ${events}`);
  if (!Number.isInteger(videos) || videos < 1 || videos > events) {
    throw new Error(`workload: videos must be between 1 and events (${events}), got ${videos}`);
  }
  const random = createRandom(seed).next;
  const perVideo: WorkloadEvent[][] = [];
  const videoIds: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < videos; i++) {
    let videoId = hex(random, 32);
    while (seen.has(videoId)) videoId = hex(random, 32);
    seen.add(videoId);
    videoIds.push(videoId);
    const count = Math.floor(events / videos) + (i < events % videos ? 1 : 0);
    const v: VideoShape = {
      videoId,
      uploadMs: baseEventTimeMs + i * 1_000 + Math.floor(random() * 1_000),
      durationS: Math.round((10 + random() * 600) * 10) / 10,
      width: 1920,
      height: 1080,
    };
    const streamCount = Math.max(0, count - 3);
    const transcodeAt = v.uploadMs + 30_000 + Math.floor(random() * 60_000);
    const snapshotAt = v.uploadMs + 5_000 + Math.floor(random() * 60_000);
    const list: { type: string; body: string }[] = [
      { type: 'FileUploadComplete', body: uploadBody(v, random) },
    ];
    const tail: { type: string; body: string }[] = [
      { type: 'TranscodeComplete', body: transcodeBody(v, transcodeAt, streamCount + 1, random) },
      { type: 'SnapshotComplete', body: snapshotBody(v, snapshotAt, random) },
    ];
    if (random() < 0.5) tail.reverse();
    list.push(...tail);
    for (let s = 0; s < streamCount; s++) {
      const definition = definitions[s % definitions.length]!;
      // Distinct definitions and JobIds keep every stream event a distinct identity.
      list.push({
        type: 'StreamTranscodeComplete',
        body: streamTranscodeBody(
          v,
          `${definition}${s >= definitions.length ? `-${s}` : ''}`,
          transcodeAt - 1_000,
          random,
        ),
      });
    }
    perVideo.push(
      list
        .slice(0, count)
        .map((e) => ({ index: -1, videoId, eventType: e.type, body: e.body, lastRequired: false })),
    );
  }
  return { options, events: interleave(perVideo, random), videoIds };
}

/**
 * Merges the per-video sequences in a seeded random order that keeps each video's own
 * order (a random merge: pick a video weighted by what it has left). Events of one video
 * land far apart, as they do in production, so concurrent calls rarely hit one workflow.
 */
function interleave(perVideo: WorkloadEvent[][], random: () => number): WorkloadEvent[] {
  const cursors = perVideo.map(() => 0);
  // A bag with one ticket per remaining event; swap-remove keeps picks O(1).
  const bag: number[] = [];
  perVideo.forEach((list, v) => list.forEach(() => bag.push(v)));
  const out: WorkloadEvent[] = [];
  const requiredLeft = perVideo.map(
    (list) => list.filter((e) => (requiredEventTypes as readonly string[]).includes(e.eventType)).length,
  );
  while (bag.length > 0) {
    const pick = Math.floor(random() * bag.length);
    const v = bag[pick]!;
    bag[pick] = bag[bag.length - 1]!;
    bag.pop();
    const event = perVideo[v]![cursors[v]!]!;
    cursors[v]! += 1;
    event.index = out.length;
    if ((requiredEventTypes as readonly string[]).includes(event.eventType)) {
      requiredLeft[v]! -= 1;
      // Only a video that receives the whole required set ever completes.
      event.lastRequired = requiredLeft[v] === 0 && perVideo[v]!.length >= requiredEventTypes.length;
    }
    out.push(event);
  }
  return out;
}
