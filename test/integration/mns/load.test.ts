/** Several concurrent producers and consumers through the SDK: nothing lost, queue left empty. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMnsEmulator, type MnsEmulator } from '../../../harness/emulators/mns';
import { classifyMnsError, createMnsClient } from '../../../src/mns/client';
import { createLogger } from '../../../src/observability/logger';

const producers = 4;
const consumers = 4;
const batchesPerProducer = 40;
const total = producers * batchesPerProducer * 16;

let emulator: MnsEmulator;
before(async () => {
  emulator = await startMnsEmulator({
    credentials: [{ accessKeyId: 'ak', accessKeySecret: 'sk' }],
    logger: createLogger('mns-emulator-test', 'warn'),
  });
});
after(async () => {
  await emulator.stop();
});

test(
  `${producers} producers and ${consumers} consumers move ${total} messages without loss`,
  { timeout: 60_000 },
  async () => {
    const client = () =>
      createMnsClient({ endpoint: emulator.endpoint, accessKeyId: 'ak', accessKeySecret: 'sk' });
    await client().createQueue('load', { VisibilityTimeout: 120 });
    const seen = new Map<string, number>();
    let producing = producers;

    const produce = async (p: number): Promise<void> => {
      const mns = client();
      for (let b = 0; b < batchesPerProducer; b++) {
        const batch = Array.from({ length: 16 }, (_, i) => ({ MessageBody: `p${p}-b${b}-m${i}` }));
        const res = await mns.batchSendMessage('load', batch);
        assert.equal(res.code, 201);
      }
      producing -= 1;
    };

    const consume = async (): Promise<void> => {
      const mns = client();
      for (;;) {
        let messages;
        try {
          messages = (await mns.batchReceiveMessage('load', 16, 1)).body;
        } catch (err) {
          if (classifyMnsError(err).kind !== 'message-not-exist') throw err;
          if (producing === 0 && seen.size === total) return;
          continue;
        }
        for (const m of messages) seen.set(m.MessageBody, (seen.get(m.MessageBody) ?? 0) + 1);
        const deleted = await mns.batchDeleteMessage(
          'load',
          messages.map((m) => m.ReceiptHandle),
        );
        assert.equal(deleted.code, 204, JSON.stringify(deleted.body));
      }
    };

    await Promise.all([
      ...Array.from({ length: producers }, (_, p) => produce(p)),
      ...Array.from({ length: consumers }, () => consume()),
    ]);
    assert.equal(seen.size, total);
    assert.ok(
      [...seen.values()].every((n) => n === 1),
      'no redelivery within the visibility timeout',
    );
    assert.deepEqual(emulator.queueStats('load'), {
      active: 0,
      inactive: 0,
      delayed: 0,
      total: 0,
      waitingReceives: 0,
    });
  },
);
