/**
 * Events on their way into the pipeline: the vodEvent handler dedupes by identity and queues;
 * the loop drains the queue through the stage machine. Handlers never touch the state beyond
 * this, so what a run decides always happens in the loop, in history order.
 */
import { log, patched } from '@temporalio/workflow';
import type { VodEvent } from '../events/model';
import type { PipelineState, VideoEventDelivery } from '../shared/definitions';
import type { StageName } from '../shared/pipelineOptions';
import { DedupeMemory } from './dedupeMemory';
import { applyEvent } from './stageMachine';

/** Late events that only confirm a reconciliation no longer rerun the steps (chaos finding F1). */
const absorbLateConfirmationsPatch = 'absorb-late-confirmations';

export class EventIntake {
  private readonly seen: DedupeMemory;
  readonly queue: VideoEventDelivery[];
  /** Deliveries this run received, duplicates included: continue-as-new counts them. */
  deliveriesThisRun = 0;

  constructor(dedupeMemory: number, carried?: { seen?: string[]; queue?: VideoEventDelivery[] }) {
    this.seen = new DedupeMemory(dedupeMemory, carried?.seen);
    this.queue = [...(carried?.queue ?? [])];
  }

  /** The vodEvent handler: queues a new event; false for a duplicate (counted on the pipeline). */
  receive(pipeline: PipelineState, delivery: VideoEventDelivery): boolean {
    this.deliveriesThisRun += 1;
    const identity = delivery?.event?.identity;
    if (typeof identity !== 'string' || !this.seen.remember(identity)) {
      pipeline.duplicates += 1;
      return false;
    }
    this.queue.push(delivery);
    return true;
  }

  /** Applies every queued event; `stagesChanged` hears which stages' results changed. */
  drain(pipeline: PipelineState, stagesChanged: (changed: readonly StageName[]) => void): void {
    while (this.queue.length > 0) {
      const delivery = this.queue.shift()!;
      const applied = applyEvent(pipeline.video, delivery.event, {
        absorbLateConfirmations: patched(absorbLateConfirmationsPatch),
      });
      pipeline.video = applied.state;
      stagesChanged(applied.changed);
      if (applied.outcome !== 'applied') {
        log.info('event not applied', {
          identity: delivery.event.identity,
          eventType: delivery.event.eventType,
          outcome: applied.outcome,
          note: applied.note,
        });
      }
    }
  }

  /** The identities remembered, oldest first (carried across continue-as-new). */
  remembered(): string[] {
    return this.seen.toJSON();
  }
}

/** A deletion of the whole video: running steps are cancelled at once. */
export function isVideoDeletion(event: VodEvent): boolean {
  if (event.eventType !== 'DeleteMediaComplete' || event.status !== 'success') return false;
  const payload = event.payload as { DeleteType?: string; MediaType?: string };
  return (payload.DeleteType ?? 'all') === 'all' && (payload.MediaType ?? 'video') === 'video';
}
