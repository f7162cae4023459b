/**
 * Long polls end normally: an idle queue's polls come back as empty receives (the SDK's
 * socket idle timeout used to abort each one after 10 s, logging a warning and counting a
 * failure every poll), and a message that arrives at any moment of a poll is processed at
 * once. The poller runs against realistic delivery and a little throttling.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import pino from 'pino';
import { createRandom } from '../../../harness/random';
import { newVideoId, usePollerStack, total, uploadBody, waitFor } from './pollerStack';

const stack = usePollerStack((s) => s.mns.setFaults({}));

/** A logger that keeps every line at warn and above, to assert on. */
function capturingLogger(): { logger: pino.Logger; warnings: Array<{ msg: string; kind?: string }> } {
  const warnings: Array<{ msg: string; kind?: string }> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
  return { logger, warnings };
}

// Longer than the 10 s the SDK's idle timeout used to be, so the old setting fails here.
const waitSeconds = 11;

test(
  'an idle queue: every long poll ends as an empty receive, no warning, no failure',
  { timeout: 120_000 },
  async () => {
    const queue = await stack.queue('lp-idle');
    const { logger, warnings } = capturingLogger();
    const poller = await stack.poller(stack.config([queue], { waitSeconds, receiveLoopsPerQueue: 2 }), {
      logger,
    });
    const started = Date.now();
    let held = 0;
    // Each loop's poll ends after ~11 s: two and a half poll periods see several of them end.
    while (Date.now() - started < 2.5 * waitSeconds * 1000) {
      await sleep(1_000);
      held = Math.max(held, stack.mns.stats().longPolls);
    }
    assert.equal(held, 2, 'both loops long-poll (held by the emulator), never more at once');
    assert.deepEqual(
      warnings.map((w) => w.msg),
      [],
      'no "receive failed" (ConnectTimeout) warnings',
    );
    assert.equal(await total(poller.metrics.failures), 0, 'no failure counted');
    assert.deepEqual(poller.readiness(), { ready: true });
    assert.equal(await total(poller.metrics.received), 0);
  },
);

test(
  'a message arriving at any moment of a poll is processed within a couple of seconds',
  { timeout: 180_000 },
  async () => {
    const queue = await stack.queue('lp-arrivals');
    // Some consumer calls are throttled, as a busy account's would be.
    stack.mns.setFaults({
      BatchDeleteMessage: { throttleRate: 0.2 },
      ChangeMessageVisibility: { throttleRate: 0.2 },
    });
    const { logger, warnings } = capturingLogger();
    const poller = await stack.poller(stack.config([queue], { waitSeconds, receiveLoopsPerQueue: 1 }), {
      logger,
    });
    const random = createRandom(20_240_601);
    const deleted = () => total(poller.metrics.deleted, { queue: queue.queue, result: 'deleted' });
    for (let i = 0; i < 5; i += 1) {
      // Anywhere inside the 11 s poll, including its first and last second.
      await sleep(random.int(200, waitSeconds * 1000 - 200));
      const before = await deleted();
      await stack.send(queue, uploadBody(newVideoId(), i));
      // Bounded polling, not a timing claim: generous on a shared machine, far below a poll period.
      await waitFor(`message ${i} processed`, async () => (await deleted()) === before + 1, 5_000);
    }
    assert.equal(stack.remaining(queue), 0);
    assert.equal(await total(poller.metrics.failures, { class: 'mns_receive_timeout' }), 0);
    assert.deepEqual(
      warnings.filter((w) => w.msg === 'receive failed'),
      [],
    );
  },
);
