/**
 * MNS stamps NextVisibleTime with its own clock; the poller times leases with the host's. A
 * host clock behind MNS's would see every lease as longer than it is and extend too late (the
 * message comes back to another consumer); one ahead would see leases already over. So
 * deadlines are moved onto the host's clock with an estimate of the difference.
 *
 * The estimate comes from first deliveries: their FirstDequeueTime is MNS's clock at the moment
 * it handed the message out, just before the answer reached us. That undershoots MNS's lead by
 * the answer's transit time, a few milliseconds against lease margins of seconds.
 */
import type { QueueMessage } from './queueTransport';

export class ServerClock {
  private offsetMs = 0;

  /** MNS's clock minus the host's, as last estimated; 0 until a first delivery is seen. */
  get offset(): number {
    return this.offsetMs;
  }

  /** A message MNS handed out for the first time at `serverTime`, answered at host time `answeredAt`. */
  observeHandout(serverTime: number, answeredAt: number): void {
    if (Number.isFinite(serverTime) && serverTime > 0) this.offsetMs = serverTime - answeredAt;
  }

  /** A time stamped by MNS, on the host's clock. */
  toLocal(serverTime: number): number {
    return serverTime - this.offsetMs;
  }

  /** One receive's messages, answered at host time `answeredAt`, with their lease ends on the host's clock. */
  leasesOf(messages: Omit<QueueMessage, 'leaseEndsAt'>[], answeredAt: number): QueueMessage[] {
    for (const m of messages) if (m.dequeueCount === 1) this.observeHandout(m.firstDequeueTime, answeredAt);
    return messages.map((m) => ({ ...m, leaseEndsAt: this.toLocal(m.nextVisibleTime) }));
  }
}
