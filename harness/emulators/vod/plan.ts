import type { Random } from '../../random';
import type { TranscodeOutcome, UploadKnobs } from './knobs';

/**
 * A simulated video is a plan: every stage with the absolute time (epoch ms) it happens.
 * State at any moment is a pure function of the plan and the clock (see videoState.ts), and so
 * are the event bodies (events.ts). `Infinity` means "not yet, and not by itself": a seeded
 * video frozen at a stage.
 */
export interface StreamPlan {
  jobId: string;
  templateId: string;
  definition: string;
  format: string;
  width: number;
  height: number;
  /** Kbps */
  bitrate: number;
  fps: number;
  /** seconds */
  duration: number;
  size: number;
  fileUrl: string;
  startAt: number;
  completeAt: number;
  ok: boolean;
  errorCode?: string;
  errorMessage?: string;
}

export interface SnapshotPlan {
  at: number;
  ok: boolean;
  jobId: string;
  count: number;
  /** 1-based index of the snapshot that becomes the cover (the middle one). */
  coverIndex: number;
  /** Path template relative to the host. */
  format: string;
  /** Full URL template, http only. */
  regular: string;
}

export interface TranscodePlan {
  templateGroupId: string;
  startAt: number;
  completeAt: number;
  /** Analysis found a broken source: no stream ran. */
  sourceBad: boolean;
  streams: StreamPlan[];
  /** GetPlayInfo keeps answering Forbidden.IllegalStatus until this time. */
  playableAt: number;
}

export interface SourcePlan {
  fileName: string;
  fileUrl: string;
  size: number;
  duration: number;
  width: number;
  height: number;
  bitrate: number;
  fps: number;
}

export interface VideoPlan {
  videoId: string;
  title: string;
  appId: string;
  regionId: string;
  extend?: string;
  createdAt: number;
  source: SourcePlan;
  /** FileUploadComplete. */
  uploadAt: number;
  analysisAt: number;
  analysisOk: boolean;
  /** null: the "No Transcoding" template group. */
  transcode: TranscodePlan | null;
  snapshot: SnapshotPlan | null;
  deletedAt: number;
}

const ladder = [
  { definition: 'LD', width: 640, height: 360, bitrate: 400 },
  { definition: 'SD', width: 848, height: 480, bitrate: 800 },
  { definition: 'HD', width: 1280, height: 720, bitrate: 1500 },
  { definition: 'FD', width: 480, height: 270, bitrate: 250 },
  { definition: '2K', width: 2560, height: 1440, bitrate: 4000 },
  { definition: '4K', width: 3840, height: 2160, bitrate: 8000 },
] as const;

export const noTranscodeTemplateGroupId = 'VOD_NO_TRANSCODE';

function ossHost(regionId: string): string {
  return `outin-emulator.oss-${regionId}.aliyuncs.com`;
}

/** The play host: `.example.com` is reserved, so these URLs never reach anyone. */
const playHost = 'vod-emulator.example.com';

export interface PlanContext {
  rng: Random;
  /** Epoch ms the upload starts. */
  now: number;
  /** Multiplier on every duration: 1 is the demo's few seconds per video. */
  timeScale: number;
  regionId: string;
  /** Use this id instead of drawing one. */
  videoId?: string;
}

function pickOutcome(rng: Random, knobs: UploadKnobs): TranscodeOutcome {
  if (knobs.transcode) return knobs.transcode;
  if (rng.chance(knobs.noTranscodeRate ?? 0)) return 'none';
  if (rng.chance(knobs.transcodeFailRate ?? 0)) return 'fail';
  if (rng.chance(knobs.partialFailRate ?? 0)) return 'partial';
  return 'success';
}

/**
 * The timeline of one upload at time scale 1, in ms after CreateUploadVideo: upload 0.8–1.6 s,
 * analysis 0.2–0.6 s later, transcoding starts 0.1–0.3 s after the upload and each stream takes
 * 0.6–2.5 s (bigger ones longer), TranscodeComplete 0.1–0.3 s after the last stream, cover
 * snapshots 0.4–2.5 s after the upload (so before or after TranscodeComplete, as VOD leaves open).
 */
export function planUpload(ctx: PlanContext, knobs: UploadKnobs): VideoPlan {
  const { rng, now, timeScale, regionId } = ctx;
  const at = (ms: number): number => now + Math.round(ms * timeScale);
  const videoId = ctx.videoId ?? rng.hex(32);
  const outcome = pickOutcome(rng, knobs);
  const duration = Math.round((rng.int(8_000, 180_000) / 1000) * 1000) / 1000;
  const sourceBitrate = rng.int(1800, 6000);
  const source: SourcePlan = {
    fileName: `upload-${videoId.slice(0, 8)}.mp4`,
    fileUrl: `http://${ossHost(regionId)}/sv/${rng.hex(8)}-${rng.hex(11)}/${rng.hex(8)}-${rng.hex(11)}.mp4`,
    duration,
    width: 1920,
    height: 1080,
    bitrate: sourceBitrate,
    fps: rng.pick([25, 30, 30, 60]),
    size: Math.round((duration * sourceBitrate * 1000) / 8),
  };
  const uploadMs = rng.int(800, 1600);
  const plan: VideoPlan = {
    videoId,
    title: knobs.title ?? `Simulated upload ${videoId.slice(0, 8)}`,
    appId: knobs.appId ?? 'app-1000000',
    regionId,
    ...(knobs.extend !== undefined ? { extend: knobs.extend } : {}),
    createdAt: now,
    source,
    uploadAt: at(uploadMs),
    analysisAt: at(uploadMs + rng.int(200, 600)),
    analysisOk: outcome !== 'sourceBad',
    transcode: null,
    snapshot: null,
    deletedAt: Infinity,
  };
  if (outcome === 'none') return plan;

  const startMs = uploadMs + rng.int(100, 300);
  const streamCount = outcome === 'sourceBad' ? 0 : Math.min(Math.max(knobs.streams ?? 3, 1), ladder.length);
  const failing = new Set<number>();
  if (outcome === 'fail') for (let i = 0; i < streamCount; i++) failing.add(i);
  if (outcome === 'partial') {
    // At least one stream fails and, when there are two or more, at least one succeeds.
    const failures = streamCount === 1 ? 1 : rng.int(1, streamCount - 1);
    for (const i of rng.shuffle([...Array(streamCount).keys()]).slice(0, failures)) failing.add(i);
  }
  const streams: StreamPlan[] = [];
  let lastMs = startMs;
  for (let i = 0; i < streamCount; i++) {
    const rung = ladder[i] as (typeof ladder)[number];
    const endMs = startMs + rng.int(600, 1500) + i * rng.int(100, 300);
    lastMs = Math.max(lastMs, endMs);
    const jobId = rng.hex(32);
    const ok = !failing.has(i);
    streams.push({
      jobId,
      templateId: rng.hex(32),
      definition: rung.definition,
      format: 'mp4',
      width: rung.width,
      height: rung.height,
      bitrate: rung.bitrate + rng.int(-25, 25),
      fps: source.fps,
      duration,
      size: Math.round((duration * rung.bitrate * 1000) / 8),
      fileUrl: `http://${playHost}/${videoId}/${jobId}-${rung.definition.toLowerCase()}.mp4`,
      startAt: at(startMs),
      completeAt: at(endMs),
      ok,
      ...(ok ? {} : { errorCode: 'InternalError', errorMessage: 'The transcode job failed (emulated).' }),
    });
  }
  const completeMs = (outcome === 'sourceBad' ? startMs + rng.int(200, 500) : lastMs) + rng.int(100, 300);
  plan.transcode = {
    templateGroupId: rng.hex(32),
    startAt: at(startMs),
    completeAt: at(completeMs),
    sourceBad: outcome === 'sourceBad',
    streams,
    playableAt: at(completeMs + (knobs.playInfoLagMs ?? 0)),
  };
  const snapshotJob = rng.hex(32);
  const coverBase = `${videoId}/snapshots/${snapshotJob}`;
  plan.snapshot = {
    at: at(uploadMs + rng.int(400, 2500)),
    ok: !(knobs.snapshotFail ?? false) && outcome !== 'sourceBad',
    jobId: snapshotJob,
    count: 8,
    coverIndex: 4,
    format: `${coverBase}-{SnapshotCount}.jpg`,
    regular: `http://${playHost}/${coverBase}-{SnapshotCount}.jpg`,
  };
  return plan;
}

/** Stages a seeded video can be frozen at. */
export type SeedStage =
  | 'uploading'
  | 'uploaded'
  | 'transcoding'
  | 'transcoded'
  | 'partiallyTranscoded'
  | 'transcodeFailed'
  | 'uploadedNoTranscode';

export interface SeedVideoSpec {
  stage: SeedStage;
  videoId?: string;
  /** Cover snapshots done (default: true for transcoded stages). */
  snapshot?: boolean;
  streams?: number;
  title?: string;
  appId?: string;
  extend?: string;
  /**
   * When the video was created (epoch ms, at least a minute ago); default a minute ago. Listing
   * tests spread videos over days with it.
   */
  createdAt?: number;
}

/**
 * A video whose stages up to `spec.stage` happened in the past and whose later stages never
 * happen by themselves. Built from a normal upload plan shifted into the past, so it has the
 * same shape as simulated ones.
 */
export function planSeed(ctx: PlanContext, spec: SeedVideoSpec): VideoPlan {
  const outcome: TranscodeOutcome =
    spec.stage === 'uploadedNoTranscode'
      ? 'none'
      : spec.stage === 'partiallyTranscoded'
        ? 'partial'
        : spec.stage === 'transcodeFailed'
          ? 'fail'
          : 'success';
  const knobs: UploadKnobs = { transcode: outcome };
  if (spec.streams !== undefined) knobs.streams = spec.streams;
  if (spec.title !== undefined) knobs.title = spec.title;
  if (spec.appId !== undefined) knobs.appId = spec.appId;
  if (spec.extend !== undefined) knobs.extend = spec.extend;
  // Plan as if the upload began a minute ago, at scale 1, so every planned time is in the past.
  const shifted: PlanContext = { ...ctx, now: spec.createdAt ?? ctx.now - 60_000, timeScale: 1 };
  if (spec.videoId !== undefined) shifted.videoId = spec.videoId;
  const plan = planUpload(shifted, knobs);
  const frozen = (t: number, reached: boolean): number => (reached ? t : Infinity);
  const uploaded = spec.stage !== 'uploading';
  const transcodeDone = ['transcoded', 'partiallyTranscoded', 'transcodeFailed'].includes(spec.stage);
  plan.uploadAt = frozen(plan.uploadAt, uploaded);
  plan.analysisAt = frozen(plan.analysisAt, uploaded);
  if (plan.transcode) {
    const t = plan.transcode;
    if (!uploaded) {
      t.startAt = Infinity;
      for (const s of t.streams) s.startAt = Infinity;
    }
    if (!transcodeDone) {
      t.completeAt = Infinity;
      t.playableAt = Infinity;
      for (const s of t.streams) s.completeAt = Infinity;
    }
    if (spec.stage === 'uploaded') {
      t.startAt = Infinity;
      for (const s of t.streams) s.startAt = Infinity;
    }
  }
  if (plan.snapshot) {
    const snapshotDone = spec.snapshot ?? transcodeDone;
    plan.snapshot.at = frozen(plan.snapshot.at, snapshotDone && uploaded);
  }
  return plan;
}
