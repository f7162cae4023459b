/**
 * What the Web UI shows of a video: search attributes (VodStage, VodStatus, …), the memo and
 * the current details. Each upsert is a history event, so each is made only when its value
 * changed.
 */
import { setCurrentDetails, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { PipelineState } from '../shared/definitions';
import type { PipelineOptions } from '../shared/pipelineOptions';
import { VideoId, VodBackfilled, VodRegion, VodStage, VodStatus } from '../shared/searchAttributes';
import { requiredProgress } from './stageMachine';

/** VodStage: the first outstanding required stage, `review` while a gate waits, or where post-processing stands. */
export function currentStage(pipeline: PipelineState, options: PipelineOptions): string {
  if (pipeline.status === 'processing') return pipeline.reviews.length > 0 ? 'review' : 'post-processing';
  if (pipeline.status === 'completed') return 'done';
  const progress = requiredProgress(pipeline.video, options.requiredStages);
  const blocking = progress.failed[0] ?? progress.pending[0];
  return blocking ?? 'post-processing';
}

export class Inspection {
  private published = { stage: '', status: '', memo: '' };

  constructor(
    private readonly pipeline: () => PipelineState,
    private readonly options: PipelineOptions,
  ) {}

  /**
   * Publishes what changed. On a run's first publication: `setVideoId` when the starter did not
   * set VideoId, `markBackfilled` for a run a backfill sweep started.
   */
  publish(first: { setVideoId?: boolean; markBackfilled?: boolean } = {}): void {
    const pipeline = this.pipeline();
    const stage = currentStage(pipeline, this.options);
    const once = first.setVideoId === true || first.markBackfilled === true;
    if (once || stage !== this.published.stage || pipeline.status !== this.published.status) {
      upsertSearchAttributes([
        ...(first.setVideoId ? [{ key: VideoId, value: pipeline.mediaId }] : []),
        ...(first.markBackfilled ? [{ key: VodBackfilled, value: 'true' }] : []),
        { key: VodStage, value: stage },
        { key: VodStatus, value: pipeline.status },
        { key: VodRegion, value: pipeline.region },
      ]);
      this.published.stage = stage;
      this.published.status = pipeline.status;
    }
    const memo = {
      videoId: pipeline.mediaId,
      region: pipeline.region,
      requiredStages: this.options.requiredStages,
      status: pipeline.status,
      reason: pipeline.reason ?? null,
    };
    const memoKey = JSON.stringify(memo);
    if (memoKey !== this.published.memo) {
      upsertMemo(memo);
      this.published.memo = memoKey;
    }
    setCurrentDetails(details(pipeline, this.options));
  }
}

function details(pipeline: PipelineState, options: PipelineOptions): string {
  const { upload, transcode, snapshot } = pipeline.video.stages;
  const streams = transcode.streams.filter((s) => s.status === 'success').length;
  const steps = Object.entries(pipeline.steps).map(
    ([name, r]) => `${name} ${r.status}${r.error ? ` (${r.error})` : ''}`,
  );
  return [
    `**${pipeline.mediaId}** (${pipeline.region}) — ${pipeline.status}${pipeline.reason ? `: ${pipeline.reason}` : ''}`,
    `- upload: ${upload.status}${upload.source ? ` (${upload.source})` : ''}`,
    `- transcode: ${transcode.status}, ${streams} stream(s)${transcode.partial ? ', partially failed' : ''}`,
    `- snapshot: ${snapshot.status}${snapshot.coverUrl ? ', cover set' : ''}`,
    ...(steps.length > 0 ? [`- steps: ${steps.join('; ')}`] : []),
    ...pipeline.reviews.map(
      (r) =>
        `- **waiting for review** at step ${r.step}: \`vodflow review ${pipeline.mediaId} --approve\` or ` +
        `\`--reject --reason …\`; ${r.onTimeout} by default at ${new Date(r.deadlineMs).toISOString()}`,
    ),
    `- required: ${options.requiredStages.join(', ')}; run ${pipeline.run}; publications ${pipeline.publications.length}`,
  ].join('\n');
}
