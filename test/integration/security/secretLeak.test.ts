/**
 * Secrets stay in the process. Distinctive values are planted in every secret setting, then
 * vodflow runs through failures — webhook down, then answering 503; VOD throttling; bad TLS;
 * URLs with credentials; bad settings — and every log line, all CLI output, every workflow
 * history (fetched in full, payloads decoded) and /metrics are searched for them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startMnsEmulator, type MnsEmulator } from '../../../harness/emulators/mns';
import { startVodEmulator, type VodEmulator } from '../../../harness/emulators/vod';
import { freePort } from '../../../harness/stack/freePort';
import { repoRoot } from '../../../harness/stack/paths';
import { startWebhookSink, type WebhookSink } from '../../../harness/stack/webhookReceiver';
import { createLogger } from '../../../src/observability/logger';
import { videoWorkflowId } from '../../../src/shared/definitions';
import { runCli } from '../../harness/cli';
import { startTemporalTestEnv, type TemporalTestEnv } from '../../harness/temporal';

const planted = {
  accessKeyId: 'PLANTEDakid4f1e9b',
  accessKeySecret: 'PLANTED-ak-secret-8c2d71',
  securityToken: 'PLANTED-sts-token-55aa01',
  temporalApiKey: 'PLANTED-temporal-api-key-3e9f',
  urlPassword: 'PLANTED-url-password-b7c4',
  urlToken: 'PLANTED-url-token-19d0',
  // VOD's HTTP callback AuthKey: one VOD would take (≤ 32) that vodflow refuses (< 16 characters).
  callbackAuthKey: 'PLANTEDcbKey9x',
  // Two secrets: a rotation in progress, both sign.
  webhookSecrets: [
    `whsec_${Buffer.from('PLANTED-webhook-secret-one-32byt').toString('base64')}`,
    `whsec_${Buffer.from('PLANTED-webhook-secret-two-32byt').toString('base64')}`,
  ],
};
/** Every form a planted secret could leak in: the value, a whsec's base64, its raw bytes. */
const needles = [
  planted.accessKeyId,
  planted.accessKeySecret,
  planted.securityToken,
  planted.temporalApiKey,
  planted.urlPassword,
  planted.urlToken,
  planted.callbackAuthKey,
  ...planted.webhookSecrets,
  ...planted.webhookSecrets.map((s) => s.slice('whsec_'.length)),
  'PLANTED-webhook-secret',
];

const evidence: Array<{ where: string; text: string }> = [];
let temporal: TemporalTestEnv;
let mns: MnsEmulator;
let vod: VodEmulator;
let sink: WebhookSink | undefined;
const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');

before(async () => {
  temporal = await startTemporalTestEnv();
  const keys = { accessKeyId: planted.accessKeyId, accessKeySecret: planted.accessKeySecret };
  mns = await startMnsEmulator({ credentials: [keys], logger: createLogger('mns', 'silent') });
  vod = await startVodEmulator({ credentials: [keys], mnsCredentials: keys, timeScale: 0.05, seed: 7 });
});

after(async () => {
  await sink?.close();
  await vod?.stop();
  await mns?.stop();
  await temporal?.teardown();
});

function baseEnv(webhookUrl: string): NodeJS.ProcessEnv {
  return {
    ALIBABA_CLOUD_ACCESS_KEY_ID: planted.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: planted.accessKeySecret,
    ...temporal.server.clientEnv,
    VODFLOW_QUEUES: `cn-shanghai=${mns.endpoint}/leak-events`,
    VODFLOW_VOD_ENDPOINT: vod.endpoint,
    VODFLOW_WEBHOOK_URL: webhookUrl,
    VODFLOW_WEBHOOK_SECRET: planted.webhookSecrets.join(','),
    VODFLOW_TASK_QUEUE: 'leak-test',
    VODFLOW_PIPELINE_OPTIONS: JSON.stringify({
      overdueAfterMs: { upload: 2_000, transcode: 2_000, snapshot: 2_000 },
      reconcileIntervalMs: 2_000,
    }),
  };
}

/** A long-running CLI command, stopped by SIGTERM; everything it printed is evidence. */
function startCli(args: string[], env: NodeJS.ProcessEnv, name: string) {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    output: () => output,
    async stop(): Promise<void> {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
      evidence.push({ where: name, text: output });
    },
  };
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every string in a history, with each payload's bytes decoded (JSON payloads are UTF-8). */
function historyText(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (Array.isArray(value)) for (const item of value) historyText(item, out);
  else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) historyText(item, out);
  }
  return out;
}

test('a stack run through failures keeps every planted secret out of logs, output, histories and /metrics', async () => {
  const setup = await runCli(['setup'], {
    ...baseEnv('http://127.0.0.1:9/unused'),
    VODFLOW_LOG_LEVEL: 'debug',
  });
  evidence.push({ where: 'setup', text: setup.stdout + setup.stderr });
  assert.equal(setup.code, 0, setup.stderr);

  // The webhook is down at first: nothing listens on its port.
  const webhookPort = await freePort();
  const metricsPort = await freePort();
  const webhookUrl = `http://127.0.0.1:${webhookPort}/hooks/video-ready`;
  const run = startCli(
    ['run'],
    {
      ...baseEnv(webhookUrl),
      VODFLOW_HTTP_PORT: String(metricsPort),
      VODFLOW_LOG_LEVEL: 'debug',
      VODFLOW_SDK_LOG_LEVEL: 'info',
    },
    'run',
  );
  try {
    const videoIds = [await vod.simulateUpload(), await vod.simulateUpload(), await vod.simulateUpload()];
    const handles = () => videoIds.map((id) => temporal.client.workflow.getHandle(videoWorkflowId(id)));
    /** What the Web UI shows of each run: pending activities with their last failure. */
    const describeAll = async (): Promise<string> => {
      const texts: string[] = [];
      for (const handle of handles()) {
        const description = await handle.describe().catch(() => undefined);
        if (description) texts.push(historyText(description.raw).join('\n'));
      }
      const text = texts.join('\n');
      evidence.push({ where: 'describe', text });
      return text;
    };
    const scrape = async (): Promise<string> => {
      // Not served until the process is up: nothing to read yet.
      const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
        .then((r) => r.text())
        .catch(() => '');
      evidence.push({ where: '/metrics', text });
      return text;
    };
    // VOD throttles every API call until a retried attempt shows it: a regular activity in the
    // Web UI's pending activities, a local one (fetchPlayInfo) only in the attempt counters.
    vod.setKnobs({ throttleRate: 1 });
    await until(
      'a throttled VOD call',
      async () =>
        (await describeAll()).includes('Throttling') || (await scrape()).includes('error_type="Throttling"'),
      120_000,
    );
    vod.setKnobs({ throttleRate: 0 });
    // Publications then fail against the absent webhook.
    await until(
      'a failed publication attempt',
      async () => (await describeAll()).includes('WebhookUnreachable'),
      120_000,
    );
    // Then it answers 503 twice, then accepts (verifying both rotation secrets' signatures).
    sink = await startWebhookSink(planted.webhookSecrets, { port: webhookPort });
    sink.failNext(2, 503);
    await until('three accepted publications', () => sink!.accepted.size >= 3, 150_000);
    assert.ok(sink.deliveries.every((d) => d.signatureValid));
    assert.ok(sink.deliveries.some((d) => d.status === 503));

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    evidence.push({ where: '/metrics', text: metrics });
    assert.match(metrics, /vodflow_/);

    for await (const execution of temporal.client.workflow.list()) {
      const history = await temporal.client.workflow
        .getHandle(execution.workflowId, execution.runId)
        .fetchHistory();
      evidence.push({ where: `history ${execution.workflowId}`, text: historyText(history).join('\n') });
    }
    // The failures really happened and were recorded, so the search below is not vacuous.
    const recorded = evidence
      .filter((e) => e.where === 'describe' || e.where.startsWith('history'))
      .map((e) => e.text)
      .join('\n');
    for (const failure of ['WebhookUnreachable', 'WebhookUnavailable', 'ECONNREFUSED']) {
      assert.ok(recorded.includes(failure), `no ${failure} recorded`);
    }
    // A local activity's retries are not in Temporal; the throttling is in the scraped counters then.
    assert.ok(
      recorded.includes('Throttling') ||
        evidence.some((e) => e.where === '/metrics' && e.text.includes('error_type="Throttling"')),
      'no throttled VOD call recorded',
    );
  } finally {
    await run.stop();
  }
  assert.match(run.output(), /"level":(20|30|40)/);

  // Bad TLS: an API key sends TLS to a plaintext server (the MNS emulator's HTTP port, so the
  // same on a dev server and on the mTLS cluster); the poller retries and logs why.
  const plaintext = Object.fromEntries(
    Object.entries(baseEnv(webhookUrl)).filter(([name]) => !name.startsWith('TEMPORAL_TLS')),
  );
  const badTls = startCli(
    ['poller'],
    {
      ...plaintext,
      TEMPORAL_ADDRESS: new URL(mns.endpoint).host,
      TEMPORAL_API_KEY: planted.temporalApiKey,
      ALIBABA_CLOUD_SECURITY_TOKEN: planted.securityToken,
      VODFLOW_HTTP_PORT: '0',
      VODFLOW_LOG_LEVEL: 'debug',
    },
    'poller with bad TLS',
  );
  try {
    await until('a TLS failure logged', () => badTls.output().includes('Temporal not reachable yet'), 60_000);
  } finally {
    // A poller left running would keep this file's process alive after a failure.
    await badTls.stop();
  }

  // Settings that stop the process at once, each with a planted value in it.
  const refusals: Array<[string, NodeJS.ProcessEnv, RegExp]> = [
    [
      'worker',
      {
        VODFLOW_WEBHOOK_URL: `https://hook-user:${planted.urlPassword}@hooks.example.com/x?token=${planted.urlToken}`,
      },
      /VODFLOW_WEBHOOK_URL must not carry credentials/,
    ],
    [
      'poller',
      {
        VODFLOW_QUEUES: `cn-shanghai=https://mns-user:${planted.urlPassword}@1.mns.cn-shanghai.aliyuncs.com/q?x=${planted.urlToken}`,
      },
      /VODFLOW_QUEUES entry 1/,
    ],
    [
      'worker',
      { TEMPORAL_API_KEY: planted.temporalApiKey, TEMPORAL_TLS: 'false' },
      /TEMPORAL_API_KEY is set but TEMPORAL_TLS is false/,
    ],
    [
      'poller',
      {
        TEMPORAL_TLS_CLIENT_CERT_PATH: '/nonexistent/cert.pem',
        TEMPORAL_TLS_CLIENT_KEY_PATH: '/nonexistent/key.pem',
      },
      /TEMPORAL_TLS_CLIENT_CERT_PATH cannot read/,
    ],
    ['worker', { VODFLOW_SDK_LOG_LEVEL: 'chatty' }, /VODFLOW_SDK_LOG_LEVEL must be one of/],
    [
      'ingress',
      {
        VODFLOW_CALLBACK_URL: 'https://hooks.example.com/vod/events',
        VODFLOW_CALLBACK_AUTH_KEY: `StrongEnoughKey0123abcXY,${planted.callbackAuthKey}`,
      },
      /VODFLOW_CALLBACK_AUTH_KEY entry 2 must be 16–32 characters long/,
    ],
    [
      'worker',
      { VODFLOW_WEBHOOK_SECRET: planted.accessKeySecret },
      /VODFLOW_WEBHOOK_SECRET must be a Standard Webhooks secret/,
    ],
  ];
  for (const [command, env, expected] of refusals) {
    const result = await runCli(
      [command],
      { ...baseEnv(webhookUrl), ALIBABA_CLOUD_SECURITY_TOKEN: planted.securityToken, ...env },
      30_000,
    );
    evidence.push({ where: `${command} refused`, text: result.stdout + result.stderr });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, expected);
  }

  const leaks = evidence.flatMap(({ where, text }) =>
    needles.filter((needle) => text.includes(needle)).map((needle) => `${needle} in ${where}`),
  );
  assert.deepEqual(leaks, []);
  assert.ok(evidence.length >= 10, `searched ${evidence.length} sources`);
});
