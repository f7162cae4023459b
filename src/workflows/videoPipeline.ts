import { condition, setHandler } from '@temporalio/workflow';
import {
  pipelineStateQuery,
  vodEventSignal,
  type VideoEventDelivery,
  type VideoPipelineInput,
} from './definitions';

/**
 * PLACEHOLDER until issue 6: records deduplicated events and completes once it has
 * seen FileUploadComplete, TranscodeComplete and SnapshotComplete.
 */
export async function videoPipeline(
  input: VideoPipelineInput,
): Promise<{ mediaId: string; events: string[] }> {
  const seen = new Set<string>();
  const events: VideoEventDelivery[] = [];
  setHandler(vodEventSignal, (delivery) => {
    if (seen.has(delivery.event.identity)) return;
    seen.add(delivery.event.identity);
    events.push(delivery);
  });
  setHandler(pipelineStateQuery, () => ({ mediaId: input.mediaId, events }));
  const has = (type: string) => events.some((d) => d.event.eventType === type);
  await condition(() => has('FileUploadComplete') && has('TranscodeComplete') && has('SnapshotComplete'));
  return { mediaId: input.mediaId, events: events.map((d) => d.event.identity) };
}
