/**
 * The MNS side of a scenario: the stack's in-process emulator with one queue (plus the
 * poller's dead-letter queue), and the producers that fill it through the real SDK: a bulk
 * prefill (BatchSendMessage, 16 per call) and a paced sender (one SendMessage per event, on a
 * clock).
 */
import { createMnsClient, type MnsClient } from '../src/mns/client';
import type { MnsEmulator } from '../harness/emulators/mns';
import { startStack, type MnsPart, type MnsSpec } from '../harness/stack/stack';
import type { WorkloadEvent } from './workload';

export const benchCredentials = { accessKeyId: 'bench-access-key', accessKeySecret: 'bench-secret-not-real' };

/**
 * In this process, so the bench observes every delete. Visibility long enough that no message
 * comes back during a run: a redelivery would be a second delete attempt, not a slower first one.
 * The service's rate limit is off: the bench measures vodflow, not the emulator's throttle.
 */
export const benchMns = {
  mode: 'in-process',
  queueAttributes: { VisibilityTimeout: 600, PollingWaitSeconds: 0 },
  throttle: false,
} satisfies MnsSpec;

export interface MnsStack {
  emulator: MnsEmulator;
  client: MnsClient;
  queue: string;
  /** Stops the stack the queue belongs to. */
  stop(): Promise<void>;
}

export function mnsStackOf(stack: { mns: MnsPart; queue: string; stop(): Promise<void> }): MnsStack {
  const emulator = stack.mns.emulator;
  if (!emulator) throw new Error('the bench needs its MNS emulator in process');
  return {
    emulator,
    client: createMnsClient({ endpoint: stack.mns.endpoint, ...benchCredentials, timeoutMs: 40_000 }),
    queue: stack.queue,
    stop: () => stack.stop(),
  };
}

/** A stack of the MNS emulator alone, for checking the bench's own instruments. */
export async function startMnsStack(queue = 'vod-events'): Promise<MnsStack> {
  return mnsStackOf(await startStack({ credentials: benchCredentials, queue, mns: benchMns }));
}

/** Enqueues every body before the consumer starts: the throughput runs drain a backlog. */
export async function prefill(
  stack: MnsStack,
  events: readonly WorkloadEvent[],
  concurrency = 8,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    for (;;) {
      const start = next;
      next += 16;
      if (start >= events.length) return;
      const batch = events.slice(start, start + 16).map((e) => ({ MessageBody: e.body }));
      const response = await stack.client.batchSendMessage(stack.queue, batch);
      if (response.code !== 201) throw new Error(`prefill: BatchSendMessage answered ${response.code}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const stats = stack.emulator.queueStats(stack.queue);
  if (stats?.active !== events.length) {
    throw new Error(
      `prefill: expected ${events.length} active messages, emulator has ${JSON.stringify(stats)}`,
    );
  }
}

/**
 * Sends one message per event at `ratePerS`, on an absolute schedule (a late tick does not
 * push the later ones back), so the consumer sees a steady arrival rate.
 */
export async function sendPaced(
  stack: MnsStack,
  events: readonly WorkloadEvent[],
  ratePerS: number,
): Promise<number> {
  const started = performance.now();
  const pending: Promise<unknown>[] = [];
  let failures = 0;
  for (let i = 0; i < events.length; i++) {
    const due = started + (i * 1000) / ratePerS;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      stack.client.sendMessage(stack.queue, { MessageBody: events[i]!.body }).catch(() => {
        failures += 1;
      }),
    );
  }
  await Promise.all(pending);
  if (failures > 0) throw new Error(`paced sender: ${failures} SendMessage calls failed`);
  return (performance.now() - started) / 1000;
}
