/**
 * One queue's messages and their state machine (reference A9): Delayed → Active →
 * (receive) Inactive → Active again at NextVisibleTime unless deleted; retention expiry
 * removes a message in any state. Times are epoch milliseconds and come from the caller, so
 * the semantics are testable without waiting.
 */
import { mnsError } from './errors';
import type { QueueObservers } from './observer';
import type { QueueAttributes } from './queueAttributes';
import { decodeReceiptHandle, encodeReceiptHandle } from './receiptHandle';
import { VisibilityHeap, type HeapEntry } from './visibilityHeap';

export interface StoredMessage {
  seq: number;
  messageId: string;
  body: string;
  /** Upper-case hex MD5 of the stored (unescaped) body. */
  bodyMd5: string;
  priority: number;
  enqueueTime: number;
  /** Equals enqueueTime until the first receive. */
  firstDequeueTime: number;
  dequeueCount: number;
  /** NextVisibleTime; for a never-received message the end of its delay. */
  visibleAt: number;
  /** Bumped on every receive and visibility change; part of the receipt handle. */
  version: number;
}

export interface ReceivedMessage {
  message: StoredMessage;
  receiptHandle: string;
}

export interface QueueStats {
  active: number;
  inactive: number;
  delayed: number;
  total: number;
  /** Long-poll receives waiting right now. */
  waitingReceives: number;
}

interface Waiter {
  count: number;
  deliver(received: ReceivedMessage[]): void;
}

export class MnsQueue {
  readonly messages = new Map<number, StoredMessage>();
  private readonly heap = new VisibilityHeap();
  private readonly waiters = new Set<Waiter>();
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;

  constructor(
    readonly name: string,
    readonly id: number,
    public attributes: QueueAttributes,
    readonly createTime: number,
    public lastModifyTime: number,
    private readonly clock: () => number,
    private readonly onChange: () => void,
    private readonly observers?: QueueObservers,
  ) {}

  add(message: StoredMessage): void {
    this.messages.set(message.seq, message);
    this.heap.push({ visibleAt: message.visibleAt, seq: message.seq, version: message.version });
    this.onChange();
    // Before serving waiters, so an observer sees the send before the receive it wakes.
    this.observers?.sent(this.name, message);
    this.serveWaiters();
  }

  private expired(message: StoredMessage, now: number): boolean {
    return now >= message.enqueueTime + this.attributes.messageRetentionPeriod * 1000;
  }

  /**
   * Pops the heap down to the next live, visible message. Entries of superseded
   * versions are skipped (the heap is lazy) and expired messages are removed on the way.
   */
  private popVisible(now: number): { message: StoredMessage; entry: HeapEntry } | undefined {
    for (;;) {
      const top = this.heap.peek();
      if (top === undefined || top.visibleAt > now) return undefined;
      this.heap.pop();
      const message = this.messages.get(top.seq);
      if (message === undefined || message.version !== top.version) continue;
      if (this.expired(message, now)) {
        this.messages.delete(message.seq);
        this.onChange();
        continue;
      }
      return { message, entry: top };
    }
  }

  /** Takes up to `count` visible messages, makes them inactive and issues fresh handles. */
  receive(count: number): ReceivedMessage[] {
    const now = this.clock();
    const received: ReceivedMessage[] = [];
    while (received.length < count) {
      const visible = this.popVisible(now);
      if (visible === undefined) break;
      const { message } = visible;
      message.dequeueCount += 1;
      if (message.dequeueCount === 1) message.firstDequeueTime = now;
      message.version += 1;
      message.visibleAt = now + this.attributes.visibilityTimeout * 1000;
      this.heap.push({ visibleAt: message.visibleAt, seq: message.seq, version: message.version });
      received.push({ message, receiptHandle: this.handleFor(message, now) });
    }
    if (received.length > 0) {
      this.onChange();
      this.observers?.received(this.name, received);
    }
    return received;
  }

  /** Visible messages without any state change. */
  peek(count: number): StoredMessage[] {
    const now = this.clock();
    const taken: HeapEntry[] = [];
    const peeked: StoredMessage[] = [];
    while (peeked.length < count) {
      const visible = this.popVisible(now);
      if (visible === undefined) break;
      taken.push(visible.entry);
      peeked.push(visible.message);
    }
    for (const entry of taken) this.heap.push(entry);
    return peeked;
  }

  /**
   * Receives now, or holds the request until a message becomes visible or `waitMs` ends.
   * The returned cancel() drops the waiter when the client goes away.
   */
  receiveWaiting(count: number, waitMs: number, deliver: (received: ReceivedMessage[]) => void): () => void {
    const immediate = this.receive(count);
    if (immediate.length > 0 || waitMs <= 0) {
      deliver(immediate);
      return () => {};
    }
    const timer = setTimeout(() => {
      this.waiters.delete(waiter);
      deliver([]);
    }, waitMs);
    const waiter: Waiter = {
      count,
      deliver: (received) => {
        clearTimeout(timer);
        deliver(received);
      },
    };
    this.waiters.add(waiter);
    this.armWakeTimer();
    return () => {
      clearTimeout(timer);
      this.waiters.delete(waiter);
    };
  }

  private serveWaiters(): void {
    for (const waiter of this.waiters) {
      const received = this.receive(waiter.count);
      if (received.length === 0) break;
      this.waiters.delete(waiter);
      waiter.deliver(received);
    }
    this.armWakeTimer();
  }

  /** Wakes waiting receives when the earliest delayed or in-flight message becomes visible. */
  private armWakeTimer(): void {
    if (this.waiters.size === 0) {
      this.clearWakeTimer();
      return;
    }
    const top = this.heap.peek();
    const at = top === undefined ? Infinity : top.visibleAt;
    if (at === this.wakeAt && this.wakeTimer !== undefined) return;
    this.clearWakeTimer();
    if (at === Infinity) return;
    this.wakeAt = at;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        this.wakeAt = Infinity;
        this.serveWaiters();
      },
      Math.max(0, at - this.clock()) + 1,
    );
  }

  private clearWakeTimer(): void {
    if (this.wakeTimer !== undefined) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAt = Infinity;
  }

  private handleFor(message: StoredMessage, now: number): string {
    return encodeReceiptHandle({ seq: message.seq, queueId: this.id, version: message.version }, now);
  }

  /** The in-flight message a handle names; MessageNotExist once the handle is stale. */
  private resolveHandle(handle: string): StoredMessage {
    const parts = decodeReceiptHandle(handle);
    if (parts === undefined || parts.queueId !== this.id) throw mnsError('ReceiptHandleError');
    const message = this.messages.get(parts.seq);
    const now = this.clock();
    if (
      message === undefined ||
      message.version !== parts.version ||
      message.dequeueCount === 0 ||
      message.visibleAt <= now ||
      this.expired(message, now)
    ) {
      throw mnsError('MessageNotExist');
    }
    return message;
  }

  deleteMessage(handle: string): void {
    const message = this.resolveHandle(handle);
    this.messages.delete(message.seq);
    this.onChange();
    this.observers?.deleted(this.name, message);
  }

  /** NextVisibleTime is measured from now, not from the old deadline; the old handle dies. */
  changeVisibility(handle: string, visibilityTimeoutSeconds: number): ReceivedMessage {
    const message = this.resolveHandle(handle);
    const now = this.clock();
    message.version += 1;
    message.visibleAt = now + visibilityTimeoutSeconds * 1000;
    this.heap.push({ visibleAt: message.visibleAt, seq: message.seq, version: message.version });
    this.onChange();
    this.armWakeTimer();
    return { message, receiptHandle: this.handleFor(message, now) };
  }

  /** Drops expired messages; called periodically so counts stay honest on idle queues. */
  sweepExpired(): void {
    const now = this.clock();
    let removed = false;
    for (const message of this.messages.values()) {
      if (this.expired(message, now)) {
        this.messages.delete(message.seq);
        removed = true;
      }
    }
    if (removed) this.onChange();
  }

  /** Settings changed (e.g. retention); re-check waiters in case something is due. */
  touch(): void {
    this.serveWaiters();
  }

  stats(): QueueStats {
    const now = this.clock();
    let active = 0;
    let inactive = 0;
    let delayed = 0;
    for (const message of this.messages.values()) {
      if (this.expired(message, now)) continue;
      if (message.visibleAt <= now) active += 1;
      else if (message.dequeueCount > 0) inactive += 1;
      else delayed += 1;
    }
    return {
      active,
      inactive,
      delayed,
      total: active + inactive + delayed,
      waitingReceives: this.waiters.size,
    };
  }

  /** Ends every waiting receive empty-handed (queue deleted, emulator stopping). */
  close(): void {
    this.clearWakeTimer();
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) waiter.deliver([]);
    this.heap.clear();
  }

  /** Rebuilds the heap from restored messages. */
  restore(messages: StoredMessage[]): void {
    for (const message of messages) {
      this.messages.set(message.seq, message);
      this.heap.push({ visibleAt: message.visibleAt, seq: message.seq, version: message.version });
    }
  }
}
