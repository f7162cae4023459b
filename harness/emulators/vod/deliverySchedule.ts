import type { PlannedEvent } from './events';
import type { UploadKnobs } from './knobs';
import type { Random } from '../../random';

/**
 * Turns an upload's planned events into queue writes, applying the event knobs: lost events,
 * duplicates, failing writes and shuffled order. Pure and seeded, so a run can be replayed.
 */
export interface ScheduledWrite {
  /** Index into the planned events. */
  eventIndex: number;
  eventType: string;
  /** 0 for the original write, 1 for a duplicate. */
  copy: number;
  /** Epoch ms of the first attempt. */
  at: number;
  /** How many of the three attempts fail by injection (0 = none, 3 = the event is dropped). */
  failAttempts: number;
  /** Lost before any write: the knob-dropped case. */
  lost: boolean;
}

export function scheduleWrites(
  events: readonly PlannedEvent[],
  knobs: UploadKnobs,
  rng: Random,
  timeScale: number,
): ScheduledWrite[] {
  const writes: ScheduledWrite[] = [];
  events.forEach((event, eventIndex) => {
    const lost = (knobs.dropEvents ?? []).includes(event.eventType) || rng.chance(knobs.dropRate ?? 0);
    const duplicated =
      (knobs.duplicateEvents ?? []).includes(event.eventType) || rng.chance(knobs.duplicateRate ?? 0);
    const copies = lost ? 1 : duplicated ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      const failing = rng.chance(knobs.failDeliveryRate ?? 0);
      writes.push({
        eventIndex,
        eventType: event.eventType,
        copy,
        at: event.at + (copy === 0 ? 0 : Math.round(rng.int(50, 500) * timeScale)),
        failAttempts: failing ? (knobs.failAttempts ?? 3) : 0,
        lost,
      });
    }
  });
  if (knobs.reorder) {
    // Keep the moments writes happen, shuffle which event goes out at each.
    const slots = writes.map((w) => w.at).sort((a, b) => a - b);
    const shuffled = rng.shuffle(writes);
    shuffled.forEach((w, i) => {
      w.at = slots[i] as number;
    });
    return shuffled;
  }
  return writes.sort((a, b) => a.at - b.at);
}
