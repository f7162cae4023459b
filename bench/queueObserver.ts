/**
 * Watches the in-process MNS emulator from the broker's side: when each message was
 * enqueued (the emulator's own EnqueueTime), first handed to a consumer, and deleted.
 * That is "enqueue to delete" without trusting the consumer's self-reporting and without a
 * proxy hop on the path. It subscribes to the emulator's lifecycle observer for the
 * lifetime of a scenario: an array push per delete, nothing on the wire.
 */
import type { MnsEmulator, ObservedDelete } from '../harness/emulators/mns';

export type DeleteRecord = ObservedDelete;

export interface QueueObservation {
  deletes: DeleteRecord[];
  /** Date.now() when each message was first handed to a consumer, by message id. */
  firstReceived: ReadonlyMap<string, number>;
  /** Date.now() of the first message handed out by a receive; undefined before. */
  readonly firstReceiveAt: number | undefined;
  /** Resolves once `count` deletes were seen on the queue (checked after each delete). */
  waitForDeletes(count: number, timeoutMs: number): Promise<void>;
  stop(): void;
}

export function observeQueue(emulator: MnsEmulator, queueName: string): QueueObservation {
  const deletes: DeleteRecord[] = [];
  let firstReceiveAt: number | undefined;
  const firstReceived = new Map<string, number>();
  let waiter: { count: number; resolve: () => void } | undefined;
  const stop = emulator.observe(queueName, {
    received(_queue, messages) {
      const now = Date.now();
      firstReceiveAt ??= now;
      for (const m of messages) if (!firstReceived.has(m.messageId)) firstReceived.set(m.messageId, now);
    },
    deleted(_queue, record) {
      deletes.push(record);
      if (waiter && deletes.length >= waiter.count) {
        const w = waiter;
        waiter = undefined;
        w.resolve();
      }
    },
  });
  return {
    deletes,
    firstReceived,
    get firstReceiveAt() {
      return firstReceiveAt;
    },
    waitForDeletes(count, timeoutMs) {
      if (deletes.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`only ${deletes.length} of ${count} messages deleted within ${timeoutMs} ms`)),
          timeoutMs,
        );
        // A consumer that dies early ends the run through another path; never hold the process.
        timer.unref();
        waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
    },
    stop,
  };
}
