/**
 * Turns workload bodies into what the poller would signal, with vodflow's own decode(), so
 * the ceiling client sends the same payload bytes the poller sends.
 */
import { decode } from '../src/events';
import type { VideoEventDelivery } from '../src/shared/definitions';
import type { WorkloadEvent } from './workload';

export const benchRegion = 'cn-shanghai';

export function toDelivery(event: WorkloadEvent): VideoEventDelivery & { event: { mediaId: string } } {
  const decoded = decode(event.body);
  if (!decoded.ok) throw new Error(`workload event ${event.index} does not decode: ${decoded.reason}`);
  const mediaId = decoded.event.mediaId;
  if (mediaId === null) throw new Error(`workload event ${event.index} has no media id`);
  return {
    event: { ...decoded.event, mediaId },
    region: benchRegion,
    // MNS message ids are 32 upper-case hex digits plus a suffix; only the shape matters here.
    messageId: `BENCH${event.index.toString(16).toUpperCase().padStart(27, '0')}`,
  };
}
