import type { VideoPlan } from './plan';

/**
 * What VOD's APIs would say about a planned video at time `now`. Pure: the same plan and clock
 * always give the same answer, which keeps the read APIs and the event timeline consistent.
 */
export type VideoStatus =
  | 'Uploading'
  | 'UploadFail'
  | 'UploadSucc'
  | 'Transcoding'
  | 'TranscodeFail'
  | 'Checking'
  | 'Blocked'
  | 'Normal'
  | 'ProduceFail';

export function isDeleted(plan: VideoPlan, now: number): boolean {
  return now >= plan.deletedAt;
}

export function videoStatus(plan: VideoPlan, now: number): VideoStatus {
  if (now < plan.uploadAt) return 'Uploading';
  const t = plan.transcode;
  if (!t) return 'Normal';
  if (now < t.startAt) return 'UploadSucc';
  if (now < t.completeAt) return 'Transcoding';
  return t.streams.some((s) => s.ok) ? 'Normal' : 'TranscodeFail';
}

/** What GetPlayInfo sees: it may lag behind TranscodeComplete (docs/VOD-API.md, "Eventual consistency"). */
export function playStatus(plan: VideoPlan, now: number): VideoStatus {
  const status = videoStatus(plan, now);
  if (status === 'Normal' && plan.transcode && now < plan.transcode.playableAt) return 'Transcoding';
  return status;
}

export function lastModified(plan: VideoPlan, now: number): number {
  const times = [plan.createdAt, plan.uploadAt, plan.analysisAt, plan.deletedAt];
  if (plan.transcode) {
    times.push(plan.transcode.startAt, plan.transcode.completeAt);
    for (const s of plan.transcode.streams) times.push(s.completeAt);
  }
  if (plan.snapshot) times.push(plan.snapshot.at);
  return Math.max(...times.filter((t) => t <= now));
}

/** Time the plan's last self-driven stage happens (Infinity if a stage is frozen). */
export function planEnd(plan: VideoPlan): number {
  const times = [plan.uploadAt];
  if (plan.transcode) times.push(plan.transcode.completeAt, plan.transcode.playableAt);
  if (plan.snapshot) times.push(plan.snapshot.at);
  return Math.max(...times);
}
