/**
 * One queue's messages and their state machine (docs/MNS-PROTOCOL.md): Delayed → Active →
 * (receive) Inactive → Active again at NextVisibleTime unless deleted; retention expiry
 * removes a message in any state. Times are epoch milliseconds and come from the caller, so
 * the semantics are testable without waiting.
 */
import type { DeliverySettings, LongPollGate } from './delivery';
import { mnsError } from './errors';
import type { QueueObservers } from './observer';
import type { QueueAttributes } from './queueAttributes';
import { decodeReceiptHandle, encodeReceiptHandle } from './receiptHandle';
import { ReadyHeap, VisibilityHeap, type HeapEntry, type ReadyEntry } from './visibilityHeap';

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
  /** The stripe that serves it (absent in snapshots written before striping: seq decides). */
  stripe?: number;
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

/** What every queue of the account shares. */
export interface QueueContext {
  clock: () => number;
  onChange: () => void;
  /** Absent in unit tests that never observe. */
  observers?: QueueObservers;
  delivery: DeliverySettings;
  longPolls: LongPollGate;
  /** MNS's native dead-letter policy is applied (emulator switch). */
  nativeDeadLetter: boolean;
  /**
   * Moves a message received too often to the policy's target queue; false when there is no
   * such queue, in which case the message keeps being delivered.
   */
  deadLetter(source: MnsQueue, message: StoredMessage): boolean;
}

export class MnsQueue {
  readonly messages = new Map<number, StoredMessage>();
  /**
   * Messages by the time they become visible. With striping they move on to their stripe's
   * ready heap once visible; in strict-FIFO mode receives take them from here directly.
   */
  private readonly pending = new VisibilityHeap();
  private readonly stripes: ReadyHeap[];
  private readonly waiters = new Set<Waiter>();
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;

  constructor(
    readonly name: string,
    readonly id: number,
    public attributes: QueueAttributes,
    readonly createTime: number,
    public lastModifyTime: number,
    private readonly context: QueueContext,
  ) {
    this.stripes = Array.from({ length: context.delivery.stripes }, () => new ReadyHeap());
  }

  private get clock(): () => number {
    return this.context.clock;
  }

  private get strict(): boolean {
    return this.context.delivery.strictFifo;
  }

  /** Stores a new message on a random stripe, then wakes any long poll it can serve. */
  add(message: StoredMessage): void {
    message.stripe ??= this.context.delivery.random.int(0, this.stripes.length - 1);
    this.messages.set(message.seq, message);
    this.pending.push({ visibleAt: message.visibleAt, seq: message.seq, version: message.version });
    this.context.onChange();
    // Before serving waiters, so an observer sees the send before the receive it wakes.
    this.context.observers?.sent(this.name, message);
    this.serveWaiters();
  }

  /** Removes a message that left for the dead-letter queue. */
  remove(message: StoredMessage): void {
    this.messages.delete(message.seq);
    this.context.onChange();
  }

  private expired(message: StoredMessage, now: number): boolean {
    return now >= message.enqueueTime + this.attributes.messageRetentionPeriod * 1000;
  }

  /** The message an entry names if the entry is current; expired messages are dropped here. */
  private live(entry: HeapEntry, now: number): StoredMessage | undefined {
    const message = this.messages.get(entry.seq);
    if (message === undefined || message.version !== entry.version) return undefined;
    if (this.expired(message, now)) {
      this.messages.delete(message.seq);
      this.context.onChange();
      return undefined;
    }
    return message;
  }

  /**
   * Strict FIFO: pops the pending heap down to the next live, visible message. Entries of
   * superseded versions are skipped (the heap is lazy) and expired messages are removed.
   */
  private popVisible(now: number): { message: StoredMessage; entry: HeapEntry } | undefined {
    for (;;) {
      const top = this.pending.peek();
      if (top === undefined || top.visibleAt > now) return undefined;
      this.pending.pop();
      const message = this.live(top, now);
      if (message !== undefined) return { message, entry: top };
    }
  }

  /** Striping: moves every message that has become visible onto its stripe's ready heap. */
  private promote(now: number): void {
    for (;;) {
      const top = this.pending.peek();
      if (top === undefined || top.visibleAt > now) return;
      this.pending.pop();
      const message = this.live(top, now);
      if (message === undefined) continue;
      const stripe = this.stripes[(message.stripe ?? message.seq) % this.stripes.length]!;
      stripe.push({ ...top, priority: message.priority });
    }
  }

  /** The stripe's best live entry, dropping stale ones on the way (it stays in the heap). */
  private stripeTop(stripe: ReadyHeap, now: number): ReadyEntry | undefined {
    for (;;) {
      const top = stripe.peek();
      if (top === undefined) return undefined;
      if (this.live(top, now) !== undefined) return top;
      stripe.pop();
    }
  }

  /**
   * The stripe a batch is served from: the one holding the best priority on top, ties broken
   * at random. Which stripe a message sits on is chance, so batches come back short while
   * other stripes still hold messages, and in no guaranteed order.
   */
  private chooseStripe(now: number): ReadyHeap | undefined {
    let best: ReadyHeap[] = [];
    let bestPriority = Infinity;
    for (const stripe of this.stripes) {
      const top = this.stripeTop(stripe, now);
      if (top === undefined) continue;
      if (top.priority < bestPriority) {
        bestPriority = top.priority;
        best = [stripe];
      } else if (top.priority === bestPriority) best.push(stripe);
    }
    if (best.length === 0) return undefined;
    return best.length === 1 ? best[0] : this.context.delivery.random.pick(best);
  }

  /** Makes a message inactive for the queue's visibility timeout and issues a fresh handle. */
  private handOut(message: StoredMessage, now: number): ReceivedMessage {
    message.dequeueCount += 1;
    if (message.dequeueCount === 1) message.firstDequeueTime = now;
    message.version += 1;
    message.visibleAt = now + this.attributes.visibilityTimeout * 1000;
    this.pending.push({ visibleAt: message.visibleAt, seq: message.seq, version: message.version });
    return { message, receiptHandle: this.handleFor(message, now) };
  }

  /** A message already received MaxReceiveCount times leaves for the dead-letter queue instead. */
  private deadLettered(message: StoredMessage): boolean {
    const policy = this.attributes.dlqPolicy;
    if (!this.context.nativeDeadLetter || policy === undefined || !policy.enabled) return false;
    if (message.dequeueCount < policy.maxReceiveCount) return false;
    return this.context.deadLetter(this, message);
  }

  /** Takes up to `count` visible messages, makes them inactive and issues fresh handles. */
  receive(count: number): ReceivedMessage[] {
    const now = this.clock();
    const received: ReceivedMessage[] = [];
    if (this.strict) {
      while (received.length < count) {
        const visible = this.popVisible(now);
        if (visible === undefined) break;
        if (this.deadLettered(visible.message)) continue;
        received.push(this.handOut(visible.message, now));
      }
    } else {
      this.promote(now);
      // A stripe whose messages all left for the dead-letter queue gives way to the next.
      while (received.length === 0) {
        const stripe = this.chooseStripe(now);
        if (stripe === undefined) break;
        while (received.length < count) {
          const top = this.stripeTop(stripe, now);
          if (top === undefined) break;
          stripe.pop();
          const message = this.messages.get(top.seq)!;
          if (this.deadLettered(message)) continue;
          received.push(this.handOut(message, now));
        }
      }
    }
    if (received.length > 0) {
      this.context.onChange();
      this.context.observers?.received(this.name, received);
    }
    return received;
  }

  /** Visible messages without any state change. */
  peek(count: number): StoredMessage[] {
    const now = this.clock();
    const peeked: StoredMessage[] = [];
    if (this.strict) {
      const taken: HeapEntry[] = [];
      while (peeked.length < count) {
        const visible = this.popVisible(now);
        if (visible === undefined) break;
        taken.push(visible.entry);
        peeked.push(visible.message);
      }
      for (const entry of taken) this.pending.push(entry);
      return peeked;
    }
    this.promote(now);
    const taken: Array<[ReadyHeap, ReadyEntry]> = [];
    while (peeked.length < count) {
      let from: ReadyHeap | undefined;
      let best: ReadyEntry | undefined;
      for (const stripe of this.stripes) {
        const top = this.stripeTop(stripe, now);
        if (top !== undefined && (best === undefined || readyBefore(top, best))) {
          best = top;
          from = stripe;
        }
      }
      if (from === undefined || best === undefined) break;
      from.pop();
      taken.push([from, best]);
      peeked.push(this.messages.get(best.seq)!);
    }
    for (const [stripe, entry] of taken) stripe.push(entry);
    return peeked;
  }

  /**
   * Receives now, or holds the request until a message becomes visible or `waitMs` ends.
   * Over the account's long-poll cap it answers empty at once, as the service does. The
   * returned function is called when the client goes away: usually the poll is dropped, but
   * sometimes (seeded) it is noticed only when answered, and the messages it is answered with
   * are consumed by the dead request.
   */
  receiveWaiting(count: number, waitMs: number, deliver: (received: ReceivedMessage[]) => void): () => void {
    const immediate = this.receive(count);
    if (immediate.length > 0 || waitMs <= 0) {
      deliver(immediate);
      return () => {};
    }
    const gate = this.context.longPolls;
    if (!gate.tryEnter()) {
      deliver([]);
      return () => {};
    }
    let done = false;
    const finish = (received: ReceivedMessage[]): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this.waiters.delete(waiter);
      gate.leave();
      deliver(received);
    };
    const timer = setTimeout(() => finish([]), waitMs);
    const waiter: Waiter = { count, deliver: finish };
    this.waiters.add(waiter);
    this.armWakeTimer();
    return () => {
      if (done) return;
      if (this.context.delivery.random.chance(this.context.delivery.abandonedPollConsumeRate)) return;
      done = true;
      clearTimeout(timer);
      this.waiters.delete(waiter);
      gate.leave();
      this.armWakeTimer();
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
    const top = this.pending.peek();
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
    this.context.onChange();
    this.context.observers?.deleted(this.name, message);
  }

  /** NextVisibleTime is measured from now, not from the old deadline; the old handle dies. */
  changeVisibility(handle: string, visibilityTimeoutSeconds: number): ReceivedMessage {
    const message = this.resolveHandle(handle);
    const now = this.clock();
    message.version += 1;
    message.visibleAt = now + visibilityTimeoutSeconds * 1000;
    this.pending.push({ visibleAt: message.visibleAt, seq: message.seq, version: message.version });
    this.context.onChange();
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
    if (removed) this.context.onChange();
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
    this.pending.clear();
    for (const stripe of this.stripes) stripe.clear();
  }

  /** Rebuilds the heap from restored messages. */
  restore(messages: StoredMessage[]): void {
    for (const message of messages) {
      this.messages.set(message.seq, message);
      this.pending.push({ visibleAt: message.visibleAt, seq: message.seq, version: message.version });
    }
  }
}

function readyBefore(a: ReadyEntry, b: ReadyEntry): boolean {
  return (
    a.priority < b.priority ||
    (a.priority === b.priority &&
      (a.visibleAt < b.visibleAt || (a.visibleAt === b.visibleAt && a.seq < b.seq)))
  );
}
