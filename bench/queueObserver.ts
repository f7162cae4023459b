/**
 * Watches the in-process MNS emulator from the broker's side: when each message was
 * enqueued (the emulator's own EnqueueTime), first handed to a consumer, and deleted.
 * That is "enqueue to delete" without trusting the consumer's self-reporting and without a
 * proxy hop on the path. It wraps two MnsQueue methods for the lifetime of a scenario;
 * the wrappers add a map write per call, nothing on the wire.
 */
import { MnsQueue } from '../src/emulators/mns/queue';
import type { ReceivedMessage, StoredMessage } from '../src/emulators/mns/queue';

export interface DeleteRecord {
  messageId: string;
  enqueueTime: number;
  deletedAt: number;
}

export interface QueueObservation {
  deletes: DeleteRecord[];
  /** Date.now() of the first message handed out by a receive; undefined before. */
  firstReceiveAt: number | undefined;
  /** Resolves once `count` deletes were seen on the queue (checked after each delete). */
  waitForDeletes(count: number, timeoutMs: number): Promise<void>;
  stop(): void;
}

interface Patchable {
  name: string;
  deleteMessage(handle: string): void;
  receive(count: number): ReceivedMessage[];
  resolveHandle(handle: string): StoredMessage;
}

let active: QueueObservation | undefined;

export function observeQueue(queueName: string): QueueObservation {
  if (active) throw new Error('queueObserver: one observation at a time');
  const proto = MnsQueue.prototype as unknown as Patchable;
  const originalDelete = proto.deleteMessage;
  const originalReceive = proto.receive;
  if (
    typeof originalDelete !== 'function' ||
    typeof originalReceive !== 'function' ||
    typeof proto.resolveHandle !== 'function'
  ) {
    throw new Error('queueObserver: the MNS emulator no longer has deleteMessage/receive/resolveHandle');
  }
  const deletes: DeleteRecord[] = [];
  let waiter: { count: number; resolve: () => void } | undefined;
  const observation: QueueObservation = {
    deletes,
    firstReceiveAt: undefined,
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
    stop() {
      proto.deleteMessage = originalDelete;
      proto.receive = originalReceive;
      active = undefined;
    },
  };
  proto.deleteMessage = function (this: Patchable, handle: string): void {
    if (this.name !== queueName) return originalDelete.call(this, handle);
    // Resolve first: after the delete the message is gone. A stale handle throws here
    // exactly as it would inside deleteMessage.
    const message = this.resolveHandle(handle);
    originalDelete.call(this, handle);
    deletes.push({ messageId: message.messageId, enqueueTime: message.enqueueTime, deletedAt: Date.now() });
    if (waiter && deletes.length >= waiter.count) {
      const w = waiter;
      waiter = undefined;
      w.resolve();
    }
  };
  proto.receive = function (this: Patchable, count: number): ReceivedMessage[] {
    const received = originalReceive.call(this, count);
    if (received.length > 0 && observation.firstReceiveAt === undefined && this.name === queueName) {
      observation.firstReceiveAt = Date.now();
    }
    return received;
  };
  active = observation;
  return observation;
}
