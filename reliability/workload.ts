/**
 * The seeded workload: N simulated VOD videos, the event bodies VOD would write to MNS for
 * each, and the delivery list the producer sends (duplicates, shuffled order, dropped events).
 * Pure: the same options give the same workload, byte for byte.
 */
import { createRandom, type Random } from '../harness/random';

export type VideoOutcome = 'published' | 'transcode-failed';

export interface WorkloadOptions {
  videos: number;
  seed: number | string;
  /** Share of events delivered twice (10 % in the issue). */
  duplicateRate?: number;
  /** Share of events VOD never delivers (1 %), recovered through reconciliation. */
  dropRate?: number;
  /** Share of videos whose transcode fails. */
  transcodeFailRate?: number;
  /** Videos shuffled together: events of one video arrive in any order, within a window. */
  shuffleWindow?: number;
  /** Share of duplicates held back to the very end, after their video's workflow closed. */
  lateDuplicateShare?: number;
}

export interface StreamPlan {
  definition: string;
  jobId: string;
  fileUrl: string;
  bitrate: number;
  width: number;
  height: number;
  size: number;
}

/** What VOD itself knows about a video: the truth reconciliation reads through the VOD API. */
export interface PlannedVideo {
  videoId: string;
  title: string;
  outcome: VideoOutcome;
  duration: number;
  size: number;
  fileUrl: string;
  streams: StreamPlan[];
  coverUrl: string;
  snapshotJobId: string;
  events: PlannedEvent[];
}

export interface PlannedEvent {
  /** `<videoId>/<n>`: the workload's own identity of the event, never sent. */
  key: string;
  videoId: string;
  eventType: string;
  body: string;
  dropped: boolean;
  duplicated: boolean;
}

export interface Delivery {
  eventKey: string;
  videoId: string;
  eventType: string;
  body: string;
  /** 0 for the first copy, 1 for the duplicate. */
  copy: number;
}

export interface Workload {
  seed: number | string;
  videos: PlannedVideo[];
  /** In send order. */
  deliveries: Delivery[];
  stats: {
    videos: number;
    /** Distinct events VOD produced (dropped ones included). */
    eventsProduced: number;
    eventsDropped: number;
    duplicatesInjected: number;
    lateDuplicates: number;
    transcodeFailures: number;
    messagesSent: number;
  };
}

const definitions = ['LD', 'SD', 'HD', 'FHD'] as const;
const resolutions: Record<string, [number, number]> = {
  LD: [640, 360],
  SD: [848, 480],
  HD: [1280, 720],
  FHD: [1920, 1080],
};
/** Events the pipeline cannot finish without: the ones whose loss reconciliation must cover. */
const droppableTypes = new Set(['FileUploadComplete', 'TranscodeComplete', 'SnapshotComplete']);
const baseTime = Date.UTC(2026, 0, 15, 8, 0, 0);

export function generateWorkload(options: WorkloadOptions): Workload {
  const root = createRandom(options.seed);
  const videoRandom = root.fork('videos');
  const faultRandom = root.fork('delivery');
  const duplicateRate = options.duplicateRate ?? 0.1;
  const dropRate = options.dropRate ?? 0.01;
  const failRate = options.transcodeFailRate ?? 0.05;
  const window = Math.max(1, options.shuffleWindow ?? 25);
  const lateShare = options.lateDuplicateShare ?? 0.2;

  const usedIds = new Set<string>();
  const videos: PlannedVideo[] = [];
  for (let i = 0; i < options.videos; i += 1) {
    let videoId = videoRandom.hex(32);
    while (usedIds.has(videoId)) videoId = videoRandom.hex(32);
    usedIds.add(videoId);
    videos.push(planVideo(videoRandom, videoId, i, videoRandom.chance(failRate)));
  }

  // Drops: at most one per video, only pipeline-critical events, never every event of a
  // video (a video with no event at all cannot be discovered by any consumer).
  const candidates = videos.flatMap((v) => v.events.filter((e) => droppableTypes.has(e.eventType)));
  const totalEvents = videos.reduce((n, v) => n + v.events.length, 0);
  const dropTarget = Math.round(totalEvents * dropRate);
  const droppedVideos = new Set<string>();
  for (const event of faultRandom.shuffle([...candidates])) {
    if (droppedVideos.size >= dropTarget) break;
    if (droppedVideos.has(event.videoId)) continue;
    event.dropped = true;
    droppedVideos.add(event.videoId);
  }

  const deliverable = videos.flatMap((v) => v.events.filter((e) => !e.dropped));
  const duplicateTarget = Math.round(deliverable.length * duplicateRate);
  for (const event of faultRandom.shuffle([...deliverable]).slice(0, duplicateTarget))
    event.duplicated = true;

  const deliveries: Delivery[] = [];
  const late: Delivery[] = [];
  for (let start = 0; start < videos.length; start += window) {
    const batch: Delivery[] = [];
    for (const video of videos.slice(start, start + window)) {
      for (const event of video.events) {
        if (event.dropped) continue;
        batch.push(toDelivery(event, 0));
        if (event.duplicated) {
          const copy = toDelivery(event, 1);
          if (faultRandom.chance(lateShare)) late.push(copy);
          else batch.push(copy);
        }
      }
    }
    deliveries.push(...faultRandom.shuffle(batch));
  }
  deliveries.push(...faultRandom.shuffle(late));

  const eventsDropped = videos.reduce((n, v) => n + v.events.filter((e) => e.dropped).length, 0);
  return {
    seed: options.seed,
    videos,
    deliveries,
    stats: {
      videos: videos.length,
      eventsProduced: totalEvents,
      eventsDropped,
      duplicatesInjected: deliveries.filter((d) => d.copy === 1).length,
      lateDuplicates: late.length,
      transcodeFailures: videos.filter((v) => v.outcome === 'transcode-failed').length,
      messagesSent: deliveries.length,
    },
  };
}

function toDelivery(event: PlannedEvent, copy: number): Delivery {
  return { eventKey: event.key, videoId: event.videoId, eventType: event.eventType, body: event.body, copy };
}

function eventTime(offsetSeconds: number): string {
  return new Date(baseTime + offsetSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function planVideo(random: Random, videoId: string, index: number, fails: boolean): PlannedVideo {
  const duration = random.int(5, 600);
  const size = random.int(200_000, 90_000_000);
  const fileUrl = `http://outin-${random.hex(8)}.oss-cn-shanghai.aliyuncs.com/sv/${random.hex(8)}/${random.hex(12)}.mp4`;
  const start = index * 7 + random.int(0, 4);
  const streamCount = fails ? 0 : random.int(1, definitions.length);
  const streams: StreamPlan[] = definitions.slice(0, streamCount).map((definition) => {
    const [width, height] = resolutions[definition]!;
    return {
      definition,
      jobId: random.hex(32),
      fileUrl: `http://vod.example.com/${random.hex(16)}/${random.hex(24)}-${definition.toLowerCase()}.mp4`,
      bitrate: random.int(300, 6_000),
      width,
      height,
      size: random.int(100_000, size),
    };
  });
  // The per-stream fields StreamTranscodeComplete and TranscodeComplete's StreamInfos share.
  const streamFields = (s: StreamPlan) => ({
    Bitrate: String(s.bitrate),
    Definition: s.definition,
    Duration: duration,
    Encrypt: false,
    FileUrl: s.fileUrl,
    Format: 'mp4',
    Fps: '30',
    Height: s.height,
    Size: s.size,
    Width: s.width,
    JobId: s.jobId,
  });
  const snapshotJobId = random.hex(32);
  const coverHost = `http://vod.example.com/${random.hex(16)}/snapshots/${random.hex(24)}`;
  const coverUrl = `${coverHost}-00001.jpg`;

  const bodies: Record<string, unknown>[] = [
    {
      Status: 'success',
      EventTime: eventTime(start),
      EventType: 'FileUploadComplete',
      VideoId: videoId,
      Size: size,
      FileUrl: fileUrl,
    },
    {
      VideoId: videoId,
      Duration: String(duration),
      Height: fails ? undefined : '720',
      Width: fails ? undefined : '1280',
      Fps: '30',
      Bitrate: String(random.int(500, 8_000)),
      Size: String(size),
      EventTime: eventTime(start + 1),
      EventType: 'VideoAnalysisComplete',
      Status: 'success',
    },
    ...streams.map((s, n) => ({
      EventTime: eventTime(start + 10 + n),
      EventType: 'StreamTranscodeComplete',
      VideoId: videoId,
      Status: 'success',
      ...streamFields(s),
    })),
    fails
      ? {
          EventTime: eventTime(start + 15),
          EventType: 'TranscodeComplete',
          VideoId: videoId,
          Status: 'fail',
          ErrorCode: 'InvalidParameter.ResourceContentBad',
          ErrorMessage: 'The resource operated InputFile is bad',
        }
      : {
          EventTime: eventTime(start + 15),
          EventType: 'TranscodeComplete',
          VideoId: videoId,
          Status: 'success',
          StreamInfos: streams.map((s) => ({
            Status: 'success',
            ...streamFields(s),
          })),
        },
    {
      EventType: 'SnapshotComplete',
      EventTime: eventTime(start + 12),
      VideoId: videoId,
      Status: 'success',
      CoverUrl: coverUrl,
      SnapshotInfos: [
        {
          Status: 'success',
          SnapshotType: 'CoverSnapshot',
          SnapshotCount: 8,
          SnapshotFormat: `${videoId}/snapshots/${coverHost.split('/').pop()!}-{SnapshotCount}.jpg`,
          SnapshotRegular: `${coverHost}-{SnapshotCount}.jpg`,
          JobId: snapshotJobId,
        },
      ],
    },
  ];
  const events = bodies.map<PlannedEvent>((body, n) => ({
    key: `${videoId}/${n}`,
    videoId,
    eventType: String(body.EventType),
    // JSON.stringify drops undefined fields, as VOD omits absent ones.
    body: JSON.stringify(body),
    dropped: false,
    duplicated: false,
  }));
  return {
    videoId,
    title: `chaos video ${index}`,
    outcome: fails ? 'transcode-failed' : 'published',
    duration,
    size,
    fileUrl,
    streams,
    coverUrl,
    snapshotJobId,
    events,
  };
}
