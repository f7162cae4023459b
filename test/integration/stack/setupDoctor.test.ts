import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { createVodApi, type VodApi } from '../../../src/activities/vodApi';
import type { MnsEmulator } from '../../../harness/emulators/mns';
import type { VodEmulator } from '../../../harness/emulators/vod';
import { createMnsClient, type MnsClient } from '../../../src/mns/client';
import { freePort } from '../../../harness/stack/freePort';
import { ensureSearchAttributes } from '../../../harness/stack/temporalDevServer';
import { runCli, type CliResult } from '../../harness/cli';
import { startTemporalTestEnv, type TemporalTestEnv } from '../../harness/temporal';

const credentials = { accessKeyId: 'doctor-key', accessKeySecret: 'doctor-secret' };
const region = 'cn-shanghai';
let temporal: TemporalTestEnv;
let mns: MnsEmulator;
let vod: VodEmulator;
let vodApi: VodApi;
let queues: MnsClient;
let env: NodeJS.ProcessEnv;

before(async () => {
  // The emulators start untouched: setup is what these tests run.
  temporal = await startTemporalTestEnv({
    credentials,
    region,
    mns: { mode: 'in-process' },
    vod: {},
    setup: false,
  });
  mns = temporal.stack.mns!.emulator!;
  vod = temporal.stack.vod!;
  vodApi = createVodApi({ credentials, endpoint: vod.endpoint, timeoutMs: 10_000 });
  queues = createMnsClient({ endpoint: mns.endpoint, ...credentials, timeoutMs: 10_000 });
  env = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret,
    ...temporal.server.clientEnv,
    VODFLOW_QUEUES: `${region}=${mns.endpoint}/vod-events`,
    VODFLOW_VOD_ENDPOINT: vod.endpoint,
    VODFLOW_TASK_QUEUE: 'doctor-checks',
  };
});

after(async () => {
  await temporal?.teardown();
});

const doctor = (overrides: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
  runCli(['doctor'], { ...env, ...overrides });
const errorLines = (result: CliResult) => result.stdout.split('\n').filter((l) => l.startsWith('ERROR'));

function setCallback(params: Record<string, string>) {
  return vodApi.call(region, 'SetMessageCallback', {
    CallbackType: 'MNS',
    MnsEndpoint: `${mns.endpoint}/`,
    MnsQueueName: 'vod-events',
    EventTypeList: 'ALL',
    ...params,
  });
}

test('doctor on an untouched account names the missing callback and queues', async () => {
  const result = await doctor();
  assert.equal(result.code, 1);
  const errors = errorLines(result).join('\n');
  assert.match(errors, /no message callback is configured/);
  assert.match(errors, /queue vod-events: does not exist/);
  assert.match(errors, /dead-letter queue vod-events-dlq: does not exist/);
  assert.match(result.stdout, /WARN {2}worker: no worker is polling task queue doctor-checks/);
});

test('setup creates the queues and the callback once; a second run changes nothing', async () => {
  const first = await runCli(['setup'], env);
  assert.equal(first.code, 0, first.stderr);
  // Two queues, the callback and the backfill schedule (on by default).
  assert.equal((first.stdout.match(/\bcreated\b/g) ?? []).length, 4, first.stdout);
  assert.match(
    first.stdout,
    /Temporal schedule vodflow-backfill\.doctor-checks +created +every 1h, videos from 24h15m ago to 15m ago, regions cn-shanghai/,
  );
  const callback = vod.messageCallback();
  assert.equal(callback?.MnsQueueName, 'vod-events');
  assert.match(callback?.EventTypeList ?? '', /TranscodeComplete/);
  const attributes = (await queues.getQueueAttributes('vod-events-dlq')).body;
  assert.equal(Number(attributes?.MaximumMessageSize), 65_536);

  const second = await runCli(['setup'], env);
  assert.equal(second.code, 0, second.stderr);
  assert.equal((second.stdout.match(/\bunchanged\b/g) ?? []).length, 4, second.stdout);
  assert.deepEqual(vod.messageCallback(), callback);

  const healthy = await doctor();
  assert.equal(healthy.code, 0, healthy.stdout);
  assert.match(healthy.stdout, /All checks passed/);
  assert.match(healthy.stdout, /ok {4}backfill schedule vodflow-backfill\.doctor-checks: not run yet, next /);
  assert.match(healthy.stdout, /ok {4}dead-letter queue vod-events-dlq backlog: empty/);

  // Opting out removes the schedule; doctor then says videos without events go unnoticed.
  const optOut = await runCli(['setup', '--no-backfill-schedule'], env);
  assert.equal(optOut.code, 0, optOut.stderr);
  assert.match(optOut.stdout, /Temporal schedule vodflow-backfill\.doctor-checks +removed/);
  assert.match((await doctor()).stdout, /WARN {2}backfill schedule vodflow-backfill\.doctor-checks: none/);
  const again = await runCli(['setup'], env);
  assert.match(again.stdout, /Temporal schedule vodflow-backfill\.doctor-checks +created/);
});

test('doctor names every misconfiguration precisely', async (t) => {
  await t.test('credentials VOD and MNS reject', async () => {
    const result = await doctor({ ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'wrong-secret' });
    assert.equal(result.code, 1);
    assert.match(errorLines(result).join('\n'), /VOD credentials: VOD rejected .*SignatureDoesNotMatch/);
    assert.match(errorLines(result).join('\n'), /MNS credentials: MNS rejected the credentials/);
    assert.doesNotMatch(result.stdout + result.stderr, /wrong-secret/);
  });

  await t.test('callback to another queue', async () => {
    await setCallback({ MnsQueueName: 'someone-elses-queue' });
    const result = await doctor();
    assert.match(
      errorLines(result).join('\n'),
      /writes to queue "someone-elses-queue", but vodflow reads "vod-events"/,
    );
  });

  await t.test('callback without the events vodflow needs', async () => {
    await setCallback({ EventTypeList: 'FileUploadComplete,SnapshotComplete' });
    const result = await doctor();
    assert.match(
      errorLines(result).join('\n'),
      /EventTypeList lacks StreamTranscodeComplete, TranscodeComplete/,
    );
  });

  await t.test('an unsigned plain-http HTTP callback (the ingress has its own tests)', async () => {
    await vodApi.call(region, 'SetMessageCallback', {
      CallbackType: 'HTTP',
      CallbackURL: 'http://vod-callbacks.invalid/vod',
      EventTypeList: 'ALL',
    });
    const result = await doctor();
    const errors = errorLines(result).join('\n');
    assert.match(errors, /CallbackURL http:\/\/vod-callbacks\.invalid\/vod is plain http/);
    assert.match(errors, /callback authentication is off/);
    assert.match(errors, /callback probe: http:\/\/vod-callbacks\.invalid\/vod is unreachable from here/);
  });

  await t.test('an internal MNS endpoint', async () => {
    await setCallback({ MnsEndpoint: 'http://1234567.mns.cn-shanghai-internal.aliyuncs.com/' });
    const result = await doctor();
    const errors = errorLines(result).join('\n');
    assert.match(errors, /internal\/VPC endpoint/);
    assert.match(errors, /callback writes to http:\/\/1234567\.mns\.cn-shanghai-internal/);
  });

  await t.test('no callback at all', async () => {
    await vodApi.call(region, 'DeleteMessageCallback', { AppId: 'app-1000000' });
    const result = await doctor();
    assert.match(errorLines(result).join('\n'), /no message callback is configured/);
    const repaired = await runCli(['setup'], env);
    assert.equal(repaired.code, 0, repaired.stderr);
  });

  await t.test('short retention and a small maximum message size', async () => {
    await queues.setQueueAttributes('vod-events', { MessageRetentionPeriod: 600, MaximumMessageSize: 4096 });
    const result = await doctor();
    const errors = errorLines(result).join('\n');
    assert.match(errors, /queue vod-events: MessageRetentionPeriod is 600 s; at least 3600/);
    assert.match(errors, /queue vod-events: MaximumMessageSize is 4096; it must be 65536/);
    await queues.setQueueAttributes('vod-events', {
      MessageRetentionPeriod: 345_600,
      MaximumMessageSize: 65_536,
    });
  });

  await t.test('a missing dead-letter queue', async () => {
    await queues.deleteQueue('vod-events-dlq');
    const result = await doctor();
    assert.match(errorLines(result).join('\n'), /dead-letter queue vod-events-dlq: does not exist/);
    assert.equal((await runCli(['setup'], env)).code, 0);
  });

  await t.test('search attributes not registered', async () => {
    await temporal.connection.operatorService.removeSearchAttributes({
      namespace: temporal.server.namespace,
      searchAttributes: ['VodStage'],
    });
    // A cluster's frontend serves the namespace's attributes from a cache refreshed every few
    // seconds; a dev server answers at once.
    const missing = /search attributes: missing VodStage: register with `temporal operator/;
    let result = await doctor();
    for (let i = 0; i < 10 && !missing.test(errorLines(result).join('\n')); i += 1) {
      await sleep(2_000);
      result = await doctor();
    }
    assert.match(errorLines(result).join('\n'), missing);
    await ensureSearchAttributes(temporal.server.clientEnv);
  });

  await t.test('Temporal unreachable', async () => {
    const result = await doctor({ TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` });
    assert.match(errorLines(result).join('\n'), /Temporal: /);
  });

  await t.test('a bad configuration names the setting and exits 2', async () => {
    const result = await runCli(['doctor'], { ...env, VODFLOW_QUEUES: 'cn-shanghai' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /VODFLOW_QUEUES entry 1/);
  });

  const healthy = await doctor();
  assert.equal(healthy.code, 0, healthy.stdout);
});

test("setup --mns-dead-letter-after sets MNS's native dead-letter policy beside vodflow's own", async () => {
  const refused = await runCli(['setup', '--mns-dead-letter-after', '10'], env);
  assert.equal(refused.code, 2, 'at or below VODFLOW_MAX_DEQUEUE_COUNT (10) is refused');
  assert.match(
    refused.stderr,
    /--mns-dead-letter-after must be an integer above VODFLOW_MAX_DEQUEUE_COUNT \(10\)/,
  );

  const first = await runCli(['setup', '--mns-dead-letter-after', '12'], env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /MNS queue vod-events-mns-dlq +created/);
  assert.match(
    first.stdout,
    /MNS dead-letter policy vod-events +created +after 12 receives to vod-events-mns-dlq/,
  );
  const again = await runCli(['setup', '--mns-dead-letter-after', '12'], env);
  assert.match(again.stdout, /MNS dead-letter policy vod-events +unchanged/);
  const changed = await runCli(['setup', '--mns-dead-letter-after', '15'], env);
  assert.match(changed.stdout, /MNS dead-letter policy vod-events +updated +after 15 receives/);

  // The policy works: a message received 15 times without a delete leaves for the target.
  await queues.setQueueAttributes('vod-events', { VisibilityTimeout: 1 });
  await queues.sendMessage('vod-events', { MessageBody: 'crashes every poller' });
  for (let receives = 0; receives < 15; receives += 1) await queues.receiveMessage('vod-events', 5);
  await assert.rejects(queues.receiveMessage('vod-events', 3), { name: 'MNSMessageNotExistError' });
  assert.equal(mns.queueStats('vod-events-mns-dlq')?.total, 1);
  assert.equal(
    mns.queueStats('vod-events-dlq')?.total,
    0,
    "vodflow's dead-letter queue holds only reason documents",
  );
  await queues.setQueueAttributes('vod-events', { VisibilityTimeout: 60 });
});
