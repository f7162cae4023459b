/**
 * Lifecycle observers: a test (or the bench) watches a queue's traffic from the broker's side
 * (what was sent, handed out and deleted, by the emulator's own clock) without a proxy on the
 * wire and without reaching into MnsQueue. Callbacks run synchronously right after the state
 * change, so an observer sees the queue exactly as the request left it.
 */
import type { Logger } from '../../../src/observability/logger';
import type { ReceivedMessage, StoredMessage } from './queue';

/** A message as an observer sees it: copies, never the emulator's own records. */
export interface ObservedMessage {
  messageId: string;
  /** Epoch milliseconds, the EnqueueTime clients see. */
  enqueueTime: number;
}

export interface ObservedReceipt extends ObservedMessage {
  /** 1 on the first delivery; higher means a redelivery. */
  dequeueCount: number;
}

export interface ObservedDelete extends ObservedReceipt {
  /** Epoch milliseconds, by the emulator's clock. */
  deletedAt: number;
}

/**
 * Every callback is optional. An exception (or a rejected promise) is logged at warn and
 * swallowed: an observer can never change what the client is answered.
 */
export interface QueueObserver {
  /** One call per stored message (SendMessage, or each accepted BatchSendMessage entry). */
  sent?(queue: string, message: ObservedMessage): void;
  /** One call per receive that handed out messages (a long poll counts when it is served). */
  received?(queue: string, messages: readonly ObservedReceipt[]): void;
  /** One call per message actually deleted; stale or foreign handles report nothing. */
  deleted?(queue: string, message: ObservedDelete): void;
}

type Callback = keyof QueueObserver;

interface Subscription {
  observer: QueueObserver;
}

/**
 * The observers of every queue, keyed by queue name (a subscription outlives a delete and
 * re-create of its queue). MnsQueue calls the notify methods on its hot path, so each one
 * returns before building anything when nobody watches that queue.
 */
export class QueueObservers {
  private readonly byQueue = new Map<string, Set<Subscription>>();

  constructor(
    private readonly clock: () => number,
    private readonly logger: Logger,
  ) {}

  /** Starts watching `queue` (which need not exist yet); the returned function stops it. */
  observe(queue: string, observer: QueueObserver): () => void {
    let observers = this.byQueue.get(queue);
    if (observers === undefined) {
      observers = new Set();
      this.byQueue.set(queue, observers);
    }
    // A token per subscription, so the same observer may be subscribed twice and each
    // unsubscribe removes exactly its own.
    const subscription: Subscription = { observer };
    observers.add(subscription);
    return () => {
      observers.delete(subscription);
      if (observers.size === 0 && this.byQueue.get(queue) === observers) this.byQueue.delete(queue);
    };
  }

  sent(queue: string, message: StoredMessage): void {
    const observers = this.watching(queue);
    if (observers === undefined) return;
    const observed: ObservedMessage = { messageId: message.messageId, enqueueTime: message.enqueueTime };
    this.dispatch(queue, observers, 'sent', (o) => o.sent?.(queue, observed));
  }

  received(queue: string, messages: readonly ReceivedMessage[]): void {
    const observers = this.watching(queue);
    if (observers === undefined) return;
    const observed = messages.map((r) => receipt(r.message));
    this.dispatch(queue, observers, 'received', (o) => o.received?.(queue, observed));
  }

  deleted(queue: string, message: StoredMessage): void {
    const observers = this.watching(queue);
    if (observers === undefined) return;
    const observed: ObservedDelete = { ...receipt(message), deletedAt: this.clock() };
    this.dispatch(queue, observers, 'deleted', (o) => o.deleted?.(queue, observed));
  }

  private watching(queue: string): ReadonlySet<Subscription> | undefined {
    // The size check keeps an unobserved emulator at one comparison per operation.
    return this.byQueue.size === 0 ? undefined : this.byQueue.get(queue);
  }

  private dispatch(
    queue: string,
    observers: ReadonlySet<Subscription>,
    callback: Callback,
    call: (observer: QueueObserver) => unknown,
  ): void {
    const failed = (err: unknown): void =>
      this.logger.warn({ err, queue, callback }, 'mns emulator observer failed; ignored');
    for (const { observer } of observers) {
      try {
        // The type says void, but an async function fits it; its rejection must not
        // become an unhandled one that takes the process down.
        const result = call(observer);
        if (result instanceof Promise) result.catch(failed);
      } catch (err) {
        failed(err);
      }
    }
  }
}

function receipt(message: StoredMessage): ObservedReceipt {
  return {
    messageId: message.messageId,
    enqueueTime: message.enqueueTime,
    dequeueCount: message.dequeueCount,
  };
}
