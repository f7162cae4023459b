/**
 * A model-based test of the consumer protocol (fast-check's command model): random sequences
 * of sends, receives (short batches included), visibility extensions, signals returning,
 * deletes, stale-handle deletes, poller crashes and restarts, time passing, throttling and an
 * MNS clock that differs from the host's, run against the in-process emulator through each
 * of vodflow's MNS transports (the real @alicloud/mns SDK, and the lean HTTP client), leases
 * and delete batcher. A model of at-least-once delivery checks every step and the end state:
 *
 * - no message is lost: at the end, every message was deleted after its signal or is still
 *   in the queue, and nothing else is;
 * - none is deleted before its signal returned (seen from the broker's side);
 * - no stale receipt handle is accepted once a newer one exists (or the lease ran out).
 *
 * Where a hold ends within a fraction of a second of a check, the request and the model read
 * the clock at slightly different instants; the model then accepts either answer and follows
 * the one MNS gave. Time moves in whole seconds so that this stays rare.
 *
 * Time is the emulator's injected clock, moved by commands, never slept. Replay a failure
 * with VODFLOW_MODEL_SEED and VODFLOW_MODEL_PATH (printed on failure); VODFLOW_MODEL_RUNS sets
 * the number of sequences per transport (default 5,000, so 10,000 in all as before the lean
 * transport arrived).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { startMnsEmulator, type MnsEmulator } from '../../../harness/emulators/mns';
import type { QueueSpec } from '../../../src/config/queueSpec';
import { classifyMnsError, createMnsClient, type MnsClient } from '../../../src/mns/client';
import { createLogger } from '../../../src/observability/logger';
import { Backoff } from '../../../src/poller/backoff';
import { DeleteBatcher } from '../../../src/poller/deleteBatcher';
import { Lease } from '../../../src/poller/lease';
import { createMnsHttpQueue } from '../../../src/poller/mnsHttpQueue';
import { createMnsQueue, type MnsQueueOptions } from '../../../src/poller/mnsQueue';
import type { QueueTransport } from '../../../src/poller/queueTransport';

const credentials = { accessKeyId: 'ak', accessKeySecret: 'sk' };
/** The emulator's clock is the host's plus these; commands move them. */
const clockState = { advancedMs: 0, skewMs: 0 };
const visibilitySeconds = 10;
/** Extensions ask for 5..60 s; the end of a sequence moves time past any of them. */
const maxExtensionSeconds = 60;

interface ModelMessage {
  id: string;
  deleted: boolean;
  signalReturned: boolean;
  /** MNS time the current hold ends; 0 when never received (visible). */
  visibleAt: number;
  /** The only handle MNS may accept, while visibleAt is ahead. */
  currentHandle: string | undefined;
}

interface Held {
  lease: Lease;
  messageId: string;
  signal: 'pending' | 'returned';
}

/** Real side: the emulator's clock and the consumer's pieces for one sequence. */
class World {
  skewMs = 0;
  queue = '';
  transport!: QueueTransport;
  deleter!: DeleteBatcher;
  held: Held[] = [];
  staleHandles: Array<{ messageId: string; handle: string }> = [];
  violations: string[] = [];
  messages = new Map<string, ModelMessage>();
  throttled = false;
  signalReturned = new Set<string>();
  constructor(
    readonly emulator: MnsEmulator,
    readonly sdk: MnsClient,
    readonly createTransport: (options: MnsQueueOptions) => QueueTransport,
  ) {}

  /** Time moved by commands; the emulator's clock reads it. */
  get advancedMs(): number {
    return clockState.advancedMs;
  }

  set advancedMs(value: number) {
    clockState.advancedMs = value;
  }

  /** MNS's clock. */
  mnsNow(): number {
    return Date.now() + this.advancedMs + this.skewMs;
  }

  /** The hold ends too close to now for the model to know which side MNS will see. */
  uncertain(m: ModelMessage): boolean {
    return m.visibleAt !== 0 && Math.abs(m.visibleAt - this.mnsNow()) < 250;
  }

  restartConsumer(): void {
    const spec: QueueSpec = {
      region: 'cn-shanghai',
      endpoint: this.emulator.endpoint,
      queue: this.queue,
      deadLetterQueue: `${this.queue}-dlq`,
    };
    this.transport = this.createTransport({ spec, credentials, timeoutMs: 10_000, waitSeconds: 0 });
    this.deleter = new DeleteBatcher({
      transport: this.transport,
      maxBatch: 16,
      lingerMs: 0,
      maxAttempts: 8,
      backoff: () => new Backoff({ initialMs: 1, maxMs: 2 }),
    });
    this.held = [];
  }

  /** A handle MNS may still accept per the model. */
  live(m: ModelMessage, handle: string): boolean {
    return !m.deleted && m.currentHandle === handle && m.visibleAt > this.mnsNow();
  }
}

type Model = { sent: number };
type Cmd = fc.AsyncCommand<Model, World>;

function isThrottled(err: unknown): boolean {
  return classifyMnsError(err).kind === 'throttled';
}

class Send implements Cmd {
  constructor(readonly count: number) {}
  check = () => true;
  async run(model: Model, w: World): Promise<void> {
    const bodies = Array.from({ length: this.count }, (_, i) => ({ MessageBody: `m${model.sent + i}` }));
    try {
      const response = await w.sdk.batchSendMessage(w.queue, bodies);
      for (const entry of response.body) {
        const id = (entry as { MessageId: string }).MessageId;
        w.messages.set(id, {
          id,
          deleted: false,
          signalReturned: false,
          visibleAt: 0,
          currentHandle: undefined,
        });
      }
      model.sent += this.count;
    } catch (err) {
      if (!(w.throttled && isThrottled(err))) throw err;
    }
  }
  toString = () => `Send(${this.count})`;
}

class Receive implements Cmd {
  constructor(readonly max: number) {}
  check = () => true;
  async run(_model: Model, w: World): Promise<void> {
    const now = w.mnsNow();
    const visible = [...w.messages.values()].filter(
      (m) => !m.deleted && m.visibleAt <= now && !w.uncertain(m),
    );
    let got;
    try {
      got = await w.transport.receive(this.max, 0);
    } catch (err) {
      if (w.throttled && isThrottled(err)) return;
      throw err;
    }
    if (visible.length > 0)
      assert.ok(got.length >= 1, 'a receive with visible messages returns at least one');
    assert.ok(got.length <= this.max);
    for (const message of got) {
      const m = w.messages.get(message.messageId);
      assert.ok(m, `received an unknown message ${message.messageId}`);
      assert.ok(!m.deleted, `received the deleted message ${m.id}`);
      assert.ok(m.visibleAt <= w.mnsNow() || w.uncertain(m), `received ${m.id} while it was held`);
      if (m.currentHandle !== undefined) w.staleHandles.push({ messageId: m.id, handle: m.currentHandle });
      m.currentHandle = message.receiptHandle;
      m.visibleAt = message.nextVisibleTime;
      w.held.push({ lease: new Lease(message), messageId: m.id, signal: 'pending' });
    }
  }
  toString = () => `Receive(${this.max})`;
}

class Extend implements Cmd {
  constructor(
    readonly pick: number,
    readonly seconds: number,
  ) {}
  check = () => true;
  async run(_model: Model, w: World): Promise<void> {
    if (w.held.length === 0) return;
    const h = w.held[this.pick % w.held.length]!;
    const m = w.messages.get(h.messageId)!;
    const handle = h.lease.receiptHandle;
    const expectOk = w.live(m, handle);
    const sure = !(m.currentHandle === handle && w.uncertain(m));
    try {
      const next = await w.transport.changeVisibility(handle, this.seconds);
      assert.ok(expectOk || !sure, `a stale handle of ${m.id} was accepted for a visibility change`);
      h.lease.renewed(next);
      w.staleHandles.push({ messageId: m.id, handle });
      m.currentHandle = next.receiptHandle;
      m.visibleAt = next.nextVisibleTime;
    } catch (err) {
      if (w.throttled && isThrottled(err)) return;
      const kind = classifyMnsError(err).kind;
      assert.ok(!expectOk || !sure, `a live handle of ${m.id} was refused (${kind})`);
      assert.ok(kind === 'message-not-exist' || kind === 'receipt-handle-invalid', kind);
      h.lease.held = false;
    }
  }
  toString = () => `Extend(${this.pick},${this.seconds}s)`;
}

class SignalReturns implements Cmd {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(_model: Model, w: World): Promise<void> {
    const pending = w.held.filter((h) => h.signal === 'pending');
    if (pending.length === 0) return;
    const h = pending[this.pick % pending.length]!;
    h.signal = 'returned';
    w.messages.get(h.messageId)!.signalReturned = true;
    w.signalReturned.add(h.messageId);
    await Promise.resolve();
  }
  toString = () => `SignalReturns(${this.pick})`;
}

/** The consumer deletes what was signalled, through the delete batcher. */
class Settle implements Cmd {
  check = () => true;
  async run(_model: Model, w: World): Promise<void> {
    const ready = w.held.filter((h) => h.signal === 'returned');
    if (ready.length === 0) return;
    w.held = w.held.filter((h) => h.signal !== 'returned');
    const expected = ready.map((h) => {
      const m = w.messages.get(h.messageId)!;
      return m.currentHandle === h.lease.receiptHandle && w.uncertain(m)
        ? undefined
        : w.live(m, h.lease.receiptHandle);
    });
    const outcomes = await Promise.all(ready.map((h) => w.deleter.delete(h.lease)));
    for (const [i, outcome] of outcomes.entries()) {
      const m = w.messages.get(ready[i]!.messageId)!;
      if (outcome === 'deleted') {
        assert.ok(expected[i] !== false, `a stale handle deleted ${m.id}`);
        m.deleted = true;
      } else if (outcome === 'stale') {
        assert.ok(expected[i] !== true, `a live handle of ${m.id} was reported stale`);
      } else {
        assert.ok(w.throttled, `delete of ${m.id} failed without throttling`);
      }
    }
  }
  toString = () => 'Settle';
}

class DeleteWithStaleHandle implements Cmd {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(_model: Model, w: World): Promise<void> {
    if (w.staleHandles.length === 0) return;
    const { messageId, handle } = w.staleHandles[this.pick % w.staleHandles.length]!;
    const m = w.messages.get(messageId)!;
    assert.ok(!w.live(m, handle), 'the model keeps only superseded handles here');
    try {
      const failures = await w.transport.deleteBatch([handle]);
      assert.equal(failures.length, 1, `a superseded handle of ${messageId} deleted it`);
    } catch (err) {
      if (!(w.throttled && isThrottled(err))) throw err;
    }
  }
  toString = () => `DeleteWithStaleHandle(${this.pick})`;
}

class CrashAndRestart implements Cmd {
  check = () => true;
  async run(_model: Model, w: World): Promise<void> {
    // Leases die with the process (their handles stay valid until the holds run out, and
    // nobody uses them); the messages come back afterwards.
    w.restartConsumer();
    await Promise.resolve();
  }
  toString = () => 'CrashAndRestart';
}

class AdvanceTime implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_model: Model, w: World): Promise<void> {
    w.advancedMs += this.ms;
    await Promise.resolve();
  }
  toString = () => `AdvanceTime(${this.ms})`;
}

class Throttling implements Cmd {
  constructor(readonly on: boolean) {}
  check = () => true;
  async run(_model: Model, w: World): Promise<void> {
    w.throttled = this.on;
    w.emulator.setFaults(this.on ? { '*': { throttleRate: 0.3 } } : {});
    await Promise.resolve();
  }
  toString = () => `Throttling(${this.on})`;
}

const commands = [
  fc.integer({ min: 1, max: 4 }).map((n) => new Send(n)),
  fc.integer({ min: 1, max: 16 }).map((n) => new Receive(n)),
  fc.tuple(fc.nat(15), fc.integer({ min: 5, max: maxExtensionSeconds })).map(([p, s]) => new Extend(p, s)),
  fc.nat(15).map((p) => new SignalReturns(p)),
  fc.constant(new Settle()),
  fc.nat(15).map((p) => new DeleteWithStaleHandle(p)),
  fc.constant(new CrashAndRestart()),
  fc.integer({ min: 1, max: 40 }).map((seconds) => new AdvanceTime(seconds * 1000)),
  fc.boolean().map((on) => new Throttling(on)),
];

let emulator: MnsEmulator;
let sdk: MnsClient;
before(async () => {
  emulator = await startMnsEmulator({
    credentials: [credentials],
    logger: createLogger('mns-model', 'error'),
    clock: () => Date.now() + clockState.advancedMs + clockState.skewMs,
    throttle: { holdMs: 0 },
    delivery: { longPollLimit: 0 },
  });
  sdk = createMnsClient({ endpoint: emulator.endpoint, ...credentials, timeoutMs: 10_000 });
});
after(async () => {
  await emulator?.stop();
});

let sequence = 0;

async function drainAndCheck(w: World): Promise<void> {
  w.emulator.setFaults({});
  w.throttled = false;
  // Every hold and extension runs out; every message not deleted must come back.
  w.advancedMs += (maxExtensionSeconds + visibilitySeconds + 1) * 1000;
  w.restartConsumer();
  const drained = new Set<string>();
  for (let i = 0; i < 200; i += 1) {
    const got = await w.transport.receive(16, 0);
    if (got.length === 0) break;
    for (const m of got) {
      assert.ok(!drained.has(m.messageId), `${m.messageId} handed out twice while held`);
      drained.add(m.messageId);
      // A healthy consumer signals what it received before it deletes it.
      w.signalReturned.add(m.messageId);
    }
    const failures = await w.transport.deleteBatch(got.map((m) => m.receiptHandle));
    assert.deepEqual(failures, [], 'fresh handles delete');
  }
  const remaining = [...w.messages.values()]
    .filter((m) => !m.deleted)
    .map((m) => m.id)
    .sort();
  assert.deepEqual([...drained].sort(), remaining, 'exactly the undeleted messages are still in the queue');
  assert.deepEqual(w.violations, []);
}

const transports = [
  { name: 'sdk', create: createMnsQueue },
  { name: 'http', create: createMnsHttpQueue },
] as const;

for (const transport of transports)
  test(
    `consumer protocol model over the ${transport.name} transport: at-least-once delivery, no early delete, no stale handle accepted`,
    { timeout: 600_000 },
    async (t) => {
      const numRuns = Number(process.env.VODFLOW_MODEL_RUNS ?? 5_000);
      const seed =
        process.env.VODFLOW_MODEL_SEED !== undefined
          ? Number(process.env.VODFLOW_MODEL_SEED)
          : Date.now() % 2 ** 31;
      const path = process.env.VODFLOW_MODEL_PATH;
      const started = Date.now();
      let runs = 0;
      const property = fc.asyncProperty(
        fc.commands(commands, { maxCommands: 10 }),
        fc.integer({ min: -120_000, max: 120_000 }),
        fc.nat(),
        async (cmds, skew, emulatorSeed) => {
          runs += 1;
          sequence += 1;
          clockState.advancedMs = 0;
          clockState.skewMs = skew;
          emulator.reseed(emulatorSeed);
          emulator.setFaults({});
          const w = new World(emulator, sdk, transport.create);
          w.skewMs = skew;
          w.queue = `model-${transport.name}-${sequence}`;
          await sdk.createQueue(w.queue, { VisibilityTimeout: visibilitySeconds });
          const unobserve = emulator.observe(w.queue, {
            deleted: (_q, message) => {
              if (!w.signalReturned.has(message.messageId))
                w.violations.push(`${message.messageId} deleted before its signal returned`);
            },
          });
          w.restartConsumer();
          try {
            await fc.asyncModelRun(() => ({ model: { sent: 0 }, real: w }), cmds);
            await drainAndCheck(w);
          } finally {
            unobserve();
            emulator.setFaults({});
            await sdk.deleteQueue(w.queue);
          }
        },
      );
      try {
        await fc.assert(property, { numRuns, seed, ...(path !== undefined ? { path } : {}), verbose: 1 });
      } catch (err) {
        const cause =
          err instanceof Error && err.cause instanceof Error
            ? `\ncause: ${err.cause.stack ?? err.cause.message}`
            : '';
        const message = (err instanceof Error ? err.message : String(err)) + cause;
        const failedPath = /path: "([^"]*)"/.exec(message)?.[1];
        throw new Error(
          `model-based test failed; replay with VODFLOW_MODEL_SEED=${seed}${failedPath ? ` VODFLOW_MODEL_PATH=${failedPath}` : ''}\n${message}`,
        );
      }
      t.diagnostic(`${runs} sequences (seed ${seed}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      assert.ok(runs >= numRuns, `ran ${runs} of ${numRuns} sequences`);
    },
  );
