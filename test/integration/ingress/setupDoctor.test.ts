/**
 * `setup --callback http` and `doctor` against the emulators and a running ingress: setup
 * points VOD at the ingress with authentication on; doctor reads the configuration back and
 * sends one signed probe, as VOD would, and names each misconfiguration without printing a key.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { VodEmulator } from '../../../harness/emulators/vod';
import { freePort } from '../../../harness/stack/freePort';
import { startStack, type StackOf, type StackSpec } from '../../../harness/stack/stack';
import { createVodApi, type VodApi } from '../../../src/activities/vodApi';
import { createLogger } from '../../../src/observability/logger';
import { runCli, type CliResult } from '../../harness/cli';
import { testTemporal } from '../../harness/temporal';

const credentials = { accessKeyId: 'ingress-doctor-key', accessKeySecret: 'ingress-doctor-secret' };
const region = 'cn-shanghai';
const authKey = 'DoctorIngressKey0123abcXYZ';
const otherKey = 'SomeoneElsesKey0123abcXYZ';
const spec = {
  credentials,
  region,
  logger: createLogger('ingress-doctor', 'warn'),
  temporal: testTemporal(),
  mns: { mode: 'in-process' },
  vod: {},
  // setup is what these tests run.
  setup: false,
  ingress: { mode: 'in-process', authKey },
} satisfies StackSpec;

let stack: StackOf<typeof spec>;
let vod: VodEmulator;
let vodApi: VodApi;
let env: NodeJS.ProcessEnv;
let callbackUrl: string;

before(async () => {
  stack = await startStack(spec);
  vod = stack.vod;
  vodApi = createVodApi({ credentials, endpoint: vod.endpoint, timeoutMs: 10_000 });
  callbackUrl = stack.ingress.callbackUrl;
  env = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret,
    // Address, namespace and, on the cluster, its TLS settings.
    ...stack.temporal.clientEnv,
    VODFLOW_QUEUES: `${region}=${stack.mns.endpoint}/vod-events`,
    VODFLOW_VOD_ENDPOINT: vod.endpoint,
    VODFLOW_TASK_QUEUE: 'ingress-doctor',
    VODFLOW_CALLBACK_AUTH_KEY: authKey,
  };
});

after(async () => {
  await stack?.stop();
});

const doctor = (overrides: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
  runCli(['doctor'], { ...env, VODFLOW_CALLBACK_URL: callbackUrl, ...overrides });
const errorLines = (result: CliResult) =>
  result.stdout
    .split('\n')
    .filter((l) => l.startsWith('ERROR'))
    .join('\n');
const noKeys = (result: CliResult) => {
  for (const key of [authKey, otherKey])
    assert.ok(!(result.stdout + result.stderr).includes(key), 'no key printed');
};
const probes = async () =>
  (await stack.ingress.instance!.ingress.metrics.probes.get()).values.reduce((n, v) => n + v.value, 0);

test('setup --callback http needs the URL and the key, and names what is missing', async () => {
  const result = await runCli(['setup', '--callback', 'http'], { ...env, VODFLOW_CALLBACK_AUTH_KEY: '' });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /VODFLOW_CALLBACK_URL \(or --callback-url\)/);
  assert.match(result.stderr, /VODFLOW_CALLBACK_AUTH_KEY: the AuthKey VOD signs its callbacks with/);
  const weak = await runCli(['setup', '--callback-url', callbackUrl], {
    ...env,
    VODFLOW_CALLBACK_AUTH_KEY: 'weak',
  });
  assert.equal(weak.code, 2);
  assert.match(weak.stderr, /VODFLOW_CALLBACK_AUTH_KEY must be 16–32 characters long/);
  assert.equal(vod.messageCallback(), undefined, 'nothing was configured');
});

test('setup points VOD at the ingress with authentication on, once; doctor then passes with a signed probe', async () => {
  const first = await runCli(['setup', '--callback', 'http', '--callback-url', callbackUrl], env);
  assert.equal(first.code, 0, first.stderr);
  // the two queues, the callback and the backfill schedule
  assert.equal((first.stdout.match(/\bcreated\b/g) ?? []).length, 4, first.stdout);
  assert.match(
    first.stdout,
    new RegExp(`VOD callback cn-shanghai/app-1000000 +created +HTTP ${callbackUrl}, authentication on`),
  );
  noKeys(first);
  const callback = vod.messageCallback();
  assert.deepEqual(
    {
      type: callback?.CallbackType,
      url: callback?.CallbackURL,
      auth: callback?.AuthSwitch,
      key: callback?.AuthKey,
    },
    { type: 'HTTP', url: callbackUrl, auth: 'on', key: authKey },
  );
  assert.match(callback?.EventTypeList ?? '', /TranscodeComplete/);

  const second = await runCli(['setup', '--callback', 'http'], { ...env, VODFLOW_CALLBACK_URL: callbackUrl });
  assert.equal(second.code, 0, second.stderr);
  assert.equal((second.stdout.match(/\bunchanged\b/g) ?? []).length, 4, second.stdout);

  const before = await probes();
  const healthy = await doctor();
  assert.equal(healthy.code, 0, healthy.stdout);
  assert.match(
    healthy.stdout,
    /ok {4}VOD callback cn-shanghai\/app-1000000: HTTP callback to http:\/\/127\.0\.0\.1:\d+\/vod\/events \(this host\)/,
  );
  assert.match(healthy.stdout, /ok {4}callback authentication: authentication on/);
  assert.match(healthy.stdout, /ok {4}callback probe: the ingress answered the signed probe in \d+ ms/);
  assert.match(healthy.stdout, /All checks passed/);
  noKeys(healthy);
  assert.equal((await probes()) - before, 1, 'the ingress answered one probe');
});

test('doctor names each misconfiguration of an HTTP callback', async (t) => {
  const setCallback = (params: Record<string, string>) =>
    vodApi.call(region, 'SetMessageCallback', {
      CallbackType: 'HTTP',
      CallbackURL: callbackUrl,
      AuthSwitch: 'on',
      AuthKey: authKey,
      EventTypeList: 'ALL',
      ...params,
    });

  await t.test('VOD signs with a key the ingress does not hold', async () => {
    await setCallback({ AuthKey: otherKey });
    const result = await doctor();
    assert.equal(result.code, 1);
    const errors = errorLines(result);
    assert.match(errors, /VOD signs with an AuthKey that VODFLOW_CALLBACK_AUTH_KEY does not hold/);
    assert.match(errors, /callback probe: the ingress refused the signed probe \(bad_signature\)/);
    noKeys(result);
  });

  await t.test('the new key of a rotation is not given to VOD yet', async () => {
    await setCallback({ AuthKey: authKey });
    const result = await doctor({ VODFLOW_CALLBACK_AUTH_KEY: `${otherKey},${authKey}` });
    assert.match(
      result.stdout,
      /WARN {2}VOD callback cn-shanghai\/app-1000000: VOD still signs with the old AuthKey/,
    );
    noKeys(result);
  });

  await t.test('authentication off', async () => {
    await setCallback({ AuthSwitch: 'off' });
    const result = await doctor();
    const errors = errorLines(result);
    assert.match(errors, /callback authentication is off/);
    assert.match(errors, /callback probe: the ingress refused the signed probe \(missing_signature\)/);
  });

  await t.test('VOD posts somewhere nothing listens', async () => {
    const elsewhere = `http://127.0.0.1:${await freePort()}/vod/events`;
    await setCallback({ CallbackURL: elsewhere });
    const errors = errorLines(await doctor());
    assert.match(errors, new RegExp(`VOD posts to ${elsewhere}, but the ingress expects ${callbackUrl}`));
    assert.match(errors, /callback probe: http:\/\/127\.0\.0\.1:\d+\/vod\/events is unreachable from here/);
  });

  await t.test('a plain-http URL on another host', async () => {
    await setCallback({ CallbackURL: 'http://vod-callbacks.invalid/vod/events' });
    const errors = errorLines(await doctor());
    assert.match(errors, /CallbackURL http:\/\/vod-callbacks\.invalid\/vod\/events is plain http/);
  });

  const repaired = await runCli(['setup', '--callback', 'http', '--callback-url', callbackUrl], env);
  assert.match(repaired.stdout, /VOD callback cn-shanghai\/app-1000000 +updated/);
  assert.equal((await doctor()).code, 0);
});
