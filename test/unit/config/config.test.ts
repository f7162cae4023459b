import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, loadConfig, parseQueueEntry } from '../../../src/config';

const base = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIexampleid',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'super-secret-value',
  VODFLOW_QUEUES:
    'cn-shanghai=https://1234567.mns.cn-shanghai.aliyuncs.com/vod-events, ap-southeast-1=https://1234567.mns.ap-southeast-1.aliyuncs.com/queues/vod-sg',
};

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

const dir = mkdtempSync(path.join(tmpdir(), 'vodflow-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a minimal poller environment yields queues with default dead-letter queues and defaults', () => {
  const config = loadConfig({ role: 'poller', env: base });
  assert.deepEqual(config.queues, [
    {
      region: 'cn-shanghai',
      endpoint: 'https://1234567.mns.cn-shanghai.aliyuncs.com',
      queue: 'vod-events',
      deadLetterQueue: 'vod-events-dlq',
    },
    {
      region: 'ap-southeast-1',
      endpoint: 'https://1234567.mns.ap-southeast-1.aliyuncs.com',
      queue: 'vod-sg',
      deadLetterQueue: 'vod-sg-dlq',
    },
  ]);
  assert.equal(config.temporal.address, '127.0.0.1:7233');
  assert.equal(config.temporal.namespace, 'default');
  assert.equal(config.temporal.tls, undefined);
  assert.equal(config.poller.batchSize, 16);
  assert.deepEqual(config.credentials, {
    accessKeyId: 'LTAIexampleid',
    accessKeySecret: 'super-secret-value',
  });
});

test('every problem is reported in one start by its exact name, and no secret value is printed', () => {
  const problems = problemsOf(() =>
    loadConfig({
      role: 'poller',
      env: {
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIexampleid',
        VODFLOW_QUEUES: 'cn-shanghai=ftp://x/q,nonsense',
        VODFLOW_WAIT_SECONDS: '31',
        VODFLOW_BATCH_SIZE: 'many',
        TEMPORAL_ADDRESS: 'http://localhost:7233',
        VODFLOW_LOG_LEVEL: 'loud',
      },
    }),
  );
  const text = problems.join('\n');
  for (const name of [
    'VODFLOW_WAIT_SECONDS must be at most 30',
    'VODFLOW_BATCH_SIZE must be a whole number',
    'TEMPORAL_ADDRESS must be HOST:PORT',
    'VODFLOW_LOG_LEVEL must be one of',
    // The role's cross-field checks run in the same start, on the settings that did parse.
    'ALIBABA_CLOUD_ACCESS_KEY_SECRET is required',
    'VODFLOW_QUEUES entry 1',
    'VODFLOW_QUEUES entry 2',
  ]) {
    assert.ok(text.includes(name), `missing "${name}" in:\n${text}`);
  }
  assert.equal(problems.length, 7, text);
  assert.ok(!text.includes('LTAIexampleid'));
});

test('cross-field problems come after the per-setting ones and name the setting', () => {
  const problems = problemsOf(() =>
    loadConfig({
      role: 'poller',
      env: {
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIexampleid',
        VODFLOW_QUEUES: 'cn-shanghai=ftp://x/q,nonsense,cn-beijing=http://a.example/b/c',
        VODFLOW_VISIBILITY_TIMEOUT_SECONDS: '10',
        VODFLOW_VISIBILITY_EXTEND_BEFORE_SECONDS: '10',
        TEMPORAL_TLS_CLIENT_CERT_PATH: '/tls/cert.pem',
      },
    }),
  );
  const text = problems.join('\n');
  assert.match(text, /ALIBABA_CLOUD_ACCESS_KEY_SECRET is required/);
  assert.match(text, /VODFLOW_QUEUES entry 1 .*http:\/\/ or https:\/\//);
  assert.match(text, /VODFLOW_QUEUES entry 2 .*REGION=ENDPOINT\/QUEUE/);
  assert.match(text, /VODFLOW_QUEUES entry 3 .*exactly one queue name/);
  assert.match(text, /VODFLOW_VISIBILITY_EXTEND_BEFORE_SECONDS must be less than/);
  assert.match(text, /TEMPORAL_TLS_CLIENT_KEY_PATH client certificate and key must be set together/);
});

const workerKeys = { ALIBABA_CLOUD_ACCESS_KEY_ID: 'id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret-value' };
const whsec = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

test('the poller needs queues and credentials; the worker needs credentials but no queues', () => {
  const problems = problemsOf(() => loadConfig({ role: 'poller', env: {} }));
  assert.ok(problems.some((p) => p.startsWith('VODFLOW_QUEUES is required')));
  assert.ok(problems.some((p) => p.startsWith('ALIBABA_CLOUD_ACCESS_KEY_ID is required to read MNS queues')));
  const keyless = problemsOf(() => loadConfig({ role: 'worker', env: {} }));
  assert.deepEqual(keyless, ['ALIBABA_CLOUD_ACCESS_KEY_ID is required to call the VOD API']);
  const setup = problemsOf(() => loadConfig({ role: 'setup', env: {} }));
  assert.ok(
    setup.includes('ALIBABA_CLOUD_ACCESS_KEY_ID is required to read MNS queues and call the VOD API'),
  );
  const worker = loadConfig({
    role: 'worker',
    env: {
      ...workerKeys,
      VODFLOW_WEBHOOK_URL: 'https://hooks.example.com/vod',
      VODFLOW_WEBHOOK_SECRET: whsec,
    },
  });
  assert.deepEqual(worker.queues, []);
  assert.equal(worker.worker.webhookUrl, 'https://hooks.example.com/vod');
  const bad = problemsOf(() =>
    loadConfig({
      role: 'worker',
      env: { ...workerKeys, VODFLOW_WEBHOOK_URL: 'not a url', VODFLOW_WEBHOOK_SECRET: 'x' },
    }),
  );
  assert.ok(bad.some((p) => p.startsWith('VODFLOW_WEBHOOK_URL must be an http(s) URL')));
  const unsigned = problemsOf(() =>
    loadConfig({
      role: 'worker',
      env: { ...workerKeys, VODFLOW_WEBHOOK_URL: 'https://hooks.example.com/vod' },
    }),
  );
  assert.ok(
    unsigned.some((p) => p.startsWith('VODFLOW_WEBHOOK_SECRET is required when VODFLOW_WEBHOOK_URL is set')),
  );
});

test('pipeline options are validated once and named precisely', () => {
  const ok = loadConfig({
    role: 'worker',
    env: {
      ...workerKeys,
      VODFLOW_PIPELINE_OPTIONS: JSON.stringify({
        requiredStages: ['upload'],
        overdueAfterMs: { upload: 5000 },
      }),
    },
  });
  assert.deepEqual(ok.pipeline, { requiredStages: ['upload'], overdueAfterMs: { upload: 5000 } });
  assert.deepEqual(loadConfig({ role: 'worker', env: workerKeys }).pipeline, {});
  const notJson = problemsOf(() =>
    loadConfig({ role: 'worker', env: { ...workerKeys, VODFLOW_PIPELINE_OPTIONS: '{' } }),
  );
  assert.deepEqual(notJson, ['VODFLOW_PIPELINE_OPTIONS is not valid JSON']);
  const badStage = problemsOf(() =>
    loadConfig({
      role: 'worker',
      env: { ...workerKeys, VODFLOW_PIPELINE_OPTIONS: '{"requiredStages":["encode"]}' },
    }),
  );
  assert.ok(
    badStage.some((p) => p.startsWith('VODFLOW_PIPELINE_OPTIONS.requiredStages.0 ')),
    badStage.join('; '),
  );
  const unknown = problemsOf(() =>
    loadConfig({ role: 'worker', env: { ...workerKeys, VODFLOW_PIPELINE_OPTIONS: '{"lingerMs":5}' } }),
  );
  assert.ok(
    unknown.some((p) => p.startsWith('VODFLOW_PIPELINE_OPTIONS')),
    unknown.join('; '),
  );
});

test('a config file supplies settings, the environment wins, unknown keys and bad JSON are named', () => {
  const file = path.join(dir, 'vodflow.json');
  writeFileSync(
    file,
    JSON.stringify({
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'fileid',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'file-secret',
      VODFLOW_QUEUES: [
        {
          region: 'cn-shanghai',
          url: 'https://1.mns.cn-shanghai.aliyuncs.com/vod-events',
          deadLetterQueue: 'poison',
        },
        'cn-beijing=https://1.mns.cn-beijing.aliyuncs.com/vod-bj',
      ],
      VODFLOW_MAX_IN_FLIGHT: 32,
      TEMPORAL_NAMESPACE: 'from-file',
    }),
  );
  const config = loadConfig({
    role: 'poller',
    env: {
      VODFLOW_CONFIG_FILE: file,
      TEMPORAL_NAMESPACE: 'from-env',
      VODFLOW_DEAD_LETTER_QUEUES: 'vod-bj=bj-dead',
    },
  });
  assert.equal(config.temporal.namespace, 'from-env');
  assert.equal(config.poller.maxInFlight, 32);
  assert.deepEqual(
    config.queues.map((q) => q.deadLetterQueue),
    ['poison', 'bj-dead'],
  );

  const typo = path.join(dir, 'typo.json');
  writeFileSync(typo, JSON.stringify({ VODFLOW_QEUES: 'x', VODFLOW_WEBHOOK_SECRET: '  ' }));
  const problems = problemsOf(() => loadConfig({ role: 'worker', file: typo, env: {} }));
  assert.ok(problems.some((p) => p.startsWith('VODFLOW_QEUES (in ')));
  assert.ok(problems.includes('VODFLOW_WEBHOOK_SECRET is set but empty'), problems.join('\n'));

  const broken = path.join(dir, 'broken.json');
  writeFileSync(broken, '{"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "shh-broken-secret",');
  const brokenProblems = problemsOf(() => loadConfig({ role: 'worker', file: broken, env: {} }));
  assert.match(brokenProblems.join('\n'), /is not valid JSON/);
  assert.ok(!brokenProblems.join('\n').includes('shh-broken-secret'));
});

test('TLS turns on with certificate settings or an API key', () => {
  const cert = path.join(dir, 'c.pem');
  const key = path.join(dir, 'k.pem');
  writeFileSync(cert, 'not checked for PEM here');
  writeFileSync(key, 'not checked for PEM here');
  const tls = loadConfig({
    role: 'worker',
    env: {
      ...workerKeys,
      TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: key,
      TEMPORAL_TLS_SERVER_NAME: 'ns.tmprl.cloud',
    },
  });
  assert.deepEqual(tls.temporal.tls, {
    clientCertPath: cert,
    clientKeyPath: key,
    serverName: 'ns.tmprl.cloud',
  });
  const apiKey = loadConfig({ role: 'worker', env: { ...workerKeys, TEMPORAL_API_KEY: 'key' } });
  assert.deepEqual(apiKey.temporal.tls, {});
  assert.equal(
    loadConfig({ role: 'worker', env: { ...workerKeys, TEMPORAL_TLS: 'false' } }).temporal.tls,
    undefined,
  );
});

test('queue entries: valid forms parse, others say why', () => {
  assert.deepEqual(parseQueueEntry('cn-shanghai=http://127.0.0.1:9100/vod-events'), {
    ok: true,
    spec: { region: 'cn-shanghai', endpoint: 'http://127.0.0.1:9100', queue: 'vod-events' },
  });
  for (const bad of [
    '',
    '=http://x/q',
    'Cn=http://x/q',
    'cn=http://x/',
    'cn=http://x/1q',
    'cn=http://u:p@x/q',
  ]) {
    const result = parseQueueEntry(bad);
    assert.equal(result.ok, false, bad);
  }
});

// ---- hardening: what a setting may hold, and what its error may say ----

test('whole numbers are decimal digits only: hex, exponents, fractions and signs are refused', () => {
  for (const value of ['0x10', '1e3', '1.0', '-1', '+5', '0b1', '16 16', '١٦']) {
    const problems = problemsOf(() =>
      loadConfig({ role: 'worker', env: { ...workerKeys, VODFLOW_BATCH_SIZE: value } }),
    );
    assert.deepEqual(problems, ['VODFLOW_BATCH_SIZE must be a whole number (decimal digits only)'], value);
  }
  assert.equal(
    loadConfig({ role: 'worker', env: { ...workerKeys, VODFLOW_BATCH_SIZE: ' 8 ' } }).poller.batchSize,
    8,
  );
  const file = path.join(dir, 'numbers.json');
  writeFileSync(file, JSON.stringify({ ...workerKeys, VODFLOW_BATCH_SIZE: 4, VODFLOW_RECEIVE_LOOPS: 1.5 }));
  assert.deepEqual(
    problemsOf(() => loadConfig({ role: 'worker', file, env: {} })),
    ['VODFLOW_RECEIVE_LOOPS must be a whole number (decimal digits only)'],
  );
});

test('VODFLOW_SDK_LOG_LEVEL is validated with the rest and named', () => {
  assert.equal(loadConfig({ role: 'worker', env: workerKeys }).sdkLogLevel, 'warn');
  assert.deepEqual(
    problemsOf(() => loadConfig({ role: 'worker', env: { ...workerKeys, VODFLOW_SDK_LOG_LEVEL: 'loud' } })),
    ['VODFLOW_SDK_LOG_LEVEL must be one of error, warn, info, debug, trace'],
  );
});

test('URL credentials are refused and never printed; queue entries are quoted redacted', () => {
  const password = 'pa55-planted-in-url';
  const problems = problemsOf(() =>
    loadConfig({
      role: 'run',
      env: {
        ...workerKeys,
        VODFLOW_WEBHOOK_URL: `https://hook-user:${password}@hooks.example.com/vod`,
        VODFLOW_WEBHOOK_SECRET: whsec,
        VODFLOW_VOD_ENDPOINT: `https://vod-user:${password}@vod.example.com`,
        VODFLOW_QUEUES: `cn-shanghai=https://mns-user:${password}@1.mns.cn-shanghai.aliyuncs.com/q?token=${password}`,
      },
    }),
  );
  const text = problems.join('\n');
  assert.match(text, /VODFLOW_WEBHOOK_URL must not carry credentials/);
  assert.match(text, /VODFLOW_VOD_ENDPOINT must not carry credentials/);
  assert.match(
    text,
    /VODFLOW_QUEUES entry 1 \("cn-shanghai=https:\/\/\*\*\*@1\.mns\.cn-shanghai\.aliyuncs\.com\/q\?token=\*\*\*"\)/,
  );
  for (const leak of [password, 'hook-user', 'vod-user', 'mns-user']) assert.ok(!text.includes(leak), text);
});

test('production roles need https to other hosts; loopback is fine; VODFLOW_ALLOW_INSECURE=1 lets it through', () => {
  const plain = {
    ...workerKeys,
    VODFLOW_QUEUES: 'cn-shanghai=http://1.mns.cn-shanghai.aliyuncs.com/q',
    VODFLOW_WEBHOOK_URL: 'http://hooks.example.com/vod',
    VODFLOW_WEBHOOK_SECRET: whsec,
    VODFLOW_VOD_ENDPOINT: 'http://vod.example.com',
  };
  const problems = problemsOf(() => loadConfig({ role: 'run', env: plain }));
  assert.deepEqual(problems.sort(), [
    'VODFLOW_QUEUES MNS endpoint http://1.mns.cn-shanghai.aliyuncs.com must be https (plain http is allowed only to this host, or with VODFLOW_ALLOW_INSECURE=1)',
    'VODFLOW_VOD_ENDPOINT VOD endpoint must be https (plain http is allowed only to this host, or with VODFLOW_ALLOW_INSECURE=1)',
    'VODFLOW_WEBHOOK_URL webhook URL must be https (plain http is allowed only to this host, or with VODFLOW_ALLOW_INSECURE=1)',
  ]);
  // Each role checks the endpoints it talks to.
  assert.deepEqual(
    problemsOf(() => loadConfig({ role: 'poller', env: plain })).map((p) => p.split(' ')[0]),
    ['VODFLOW_QUEUES'],
  );
  // setup and doctor are run by a person against what they name.
  assert.deepEqual(loadConfig({ role: 'setup', env: plain }).insecureEndpoints, []);

  const allowed = loadConfig({ role: 'run', env: { ...plain, VODFLOW_ALLOW_INSECURE: '1' } });
  assert.equal(allowed.insecureEndpoints.length, 3);
  assert.ok(allowed.insecureEndpoints.every((w) => w.includes('plain http')));

  const local = loadConfig({
    role: 'run',
    env: {
      ...plain,
      VODFLOW_QUEUES: 'cn-shanghai=http://127.0.0.1:9100/q',
      VODFLOW_WEBHOOK_URL: 'http://localhost:9300/hooks',
      VODFLOW_VOD_ENDPOINT: 'http://[::1]:9200',
    },
  });
  assert.deepEqual(local.insecureEndpoints, []);
  assert.equal(local.http.host, '127.0.0.1');
});

test('an API key is refused without TLS; TLS files are checked at start and named', () => {
  assert.deepEqual(
    problemsOf(() =>
      loadConfig({
        role: 'worker',
        env: { ...workerKeys, TEMPORAL_API_KEY: 'planted-api-key', TEMPORAL_TLS: 'false' },
      }),
    ),
    ['TEMPORAL_API_KEY is set but TEMPORAL_TLS is false: the key would cross the network in plaintext'],
  );
  const missing = path.join(dir, 'no-such-cert.pem');
  const problems = problemsOf(() =>
    loadConfig({
      role: 'poller',
      env: {
        ...base,
        TEMPORAL_TLS_CLIENT_CERT_PATH: missing,
        TEMPORAL_TLS_CLIENT_KEY_PATH: dir,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/dev/zero',
      },
    }),
  );
  assert.deepEqual(problems, [
    `TEMPORAL_TLS_CLIENT_CERT_PATH cannot read ${missing}: ENOENT`,
    `TEMPORAL_TLS_CLIENT_KEY_PATH ${dir} is not a regular file`,
    'TEMPORAL_TLS_SERVER_CA_CERT_PATH /dev/zero is not a regular file',
  ]);
});

test('a config file must be a regular file of at most 1 MiB', () => {
  const zero = problemsOf(() => loadConfig({ role: 'worker', file: '/dev/zero', env: workerKeys }));
  assert.deepEqual(zero, ['VODFLOW_CONFIG_FILE /dev/zero is not a regular file']);
  const big = path.join(dir, 'big.json');
  writeFileSync(big, `{"VODFLOW_TASK_QUEUE": "${'x'.repeat(1024 * 1024)}"}`);
  assert.deepEqual(
    problemsOf(() => loadConfig({ role: 'worker', file: big, env: workerKeys })),
    [`VODFLOW_CONFIG_FILE ${big} is larger than 1048576 bytes`],
  );
  const fifo = path.join(dir, 'fifo.json');
  execFileSync('mkfifo', [fifo]);
  assert.deepEqual(
    problemsOf(() => loadConfig({ role: 'worker', file: fifo, env: workerKeys })),
    [`VODFLOW_CONFIG_FILE ${fifo} is not a regular file`],
  );
});

test('backfill settings: durations with a unit, a window no shorter than the interval', () => {
  const base = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
  };
  assert.deepEqual(loadConfig({ role: 'worker', env: base }).backfill, {
    intervalMs: 3_600_000,
    windowMs: 86_400_000,
    delayMs: 900_000,
    rps: 20,
  });
  const set = loadConfig({
    role: 'worker',
    env: {
      ...base,
      VODFLOW_BACKFILL_INTERVAL: '90s',
      VODFLOW_BACKFILL_WINDOW: '2d',
      VODFLOW_BACKFILL_DELAY: '0s',
    },
  }).backfill;
  assert.deepEqual([set.intervalMs, set.windowMs, set.delayMs], [90_000, 172_800_000, 0]);
  assert.throws(
    () =>
      loadConfig({
        role: 'worker',
        env: { ...base, VODFLOW_BACKFILL_INTERVAL: '1 hour', VODFLOW_BACKFILL_RPS: '80' },
      }),
    (err: Error) =>
      /VODFLOW_BACKFILL_INTERVAL must be a duration such as 90s, 15m, 1h or 2d/.test(err.message) &&
      /VODFLOW_BACKFILL_RPS must be at most 50/.test(err.message),
  );
  assert.throws(
    () =>
      loadConfig({
        role: 'worker',
        env: { ...base, VODFLOW_BACKFILL_INTERVAL: '2h', VODFLOW_BACKFILL_WINDOW: '1h' },
      }),
    /VODFLOW_BACKFILL_WINDOW must be at least VODFLOW_BACKFILL_INTERVAL/,
  );
  assert.throws(
    () => loadConfig({ role: 'worker', env: { ...base, VODFLOW_BACKFILL_WINDOW: '30s' } }),
    /VODFLOW_BACKFILL_WINDOW must be at least 1m/,
  );
});

test('the ingress needs the callback URL and an AuthKey; run needs them only when it runs the ingress', () => {
  const url = 'https://hooks.example.com/vod/events';
  const key = 'Ingress0123456789abcdEF';
  assert.deepEqual(
    problemsOf(() => loadConfig({ role: 'ingress', env: base })),
    [
      'VODFLOW_CALLBACK_AUTH_KEY is required by the ingress: the AuthKey VOD signs its callbacks with',
      'VODFLOW_CALLBACK_URL is required by the ingress: the URL VOD posts to, exactly as configured in VOD (it is part of the signature)',
    ],
  );
  const config = loadConfig({
    role: 'ingress',
    env: { ...base, VODFLOW_CALLBACK_URL: url, VODFLOW_CALLBACK_AUTH_KEY: `${key},Old0123456789abcdEFgh` },
  });
  assert.deepEqual(config.ingress, { host: '127.0.0.1', port: 9400, signalTimeoutMs: 4_000 });
  assert.deepEqual(config.callback, { url, authKeys: [key, 'Old0123456789abcdEFgh'], maxAgeSeconds: 300 });

  // `run` runs the ingress only with VODFLOW_INGRESS_PORT (or --ingress, which sets it).
  assert.equal(loadConfig({ role: 'run', env: base }).ingress, null);
  assert.deepEqual(
    problemsOf(() => loadConfig({ role: 'run', env: { ...base, VODFLOW_INGRESS_PORT: '9401' } })).filter(
      (p) => p.startsWith('VODFLOW_CALLBACK'),
    ).length,
    2,
  );
  // setup and doctor read them when set, and need neither.
  assert.deepEqual(loadConfig({ role: 'setup', env: base }).callback, { maxAgeSeconds: 300 });
});

test('a bad AuthKey or callback URL is named, the key never printed; plain http to another host is refused', () => {
  const weak = 'weakkey';
  const problems = problemsOf(() =>
    loadConfig({
      role: 'ingress',
      env: {
        ...base,
        VODFLOW_CALLBACK_URL: 'http://hooks.example.com/vod/events?token=abc',
        VODFLOW_CALLBACK_AUTH_KEY: weak,
        VODFLOW_CALLBACK_MAX_AGE_SECONDS: '100000',
      },
    }),
  );
  assert.ok(problems.some((p) => p.startsWith('VODFLOW_CALLBACK_AUTH_KEY must be 16–32 characters long')));
  assert.ok(problems.includes('VODFLOW_CALLBACK_URL must not have a query or fragment'));
  assert.ok(problems.includes('VODFLOW_CALLBACK_MAX_AGE_SECONDS must be at most 86400'));
  assert.ok(!problems.join('\n').includes(weak));

  const env = { ...base, VODFLOW_CALLBACK_AUTH_KEY: 'Ingress0123456789abcdEF' };
  const plain = { ...env, VODFLOW_CALLBACK_URL: 'http://hooks.example.com/vod/events' };
  assert.deepEqual(
    problemsOf(() => loadConfig({ role: 'ingress', env: plain })),
    [
      'VODFLOW_CALLBACK_URL callback URL must be https (plain http is allowed only to this host, or with VODFLOW_ALLOW_INSECURE=1)',
    ],
  );
  const local = { ...env, VODFLOW_CALLBACK_URL: 'http://127.0.0.1:9400/vod/events' };
  assert.equal(loadConfig({ role: 'ingress', env: local }).callback.url, local.VODFLOW_CALLBACK_URL);
  assert.deepEqual(
    loadConfig({ role: 'ingress', env: { ...plain, VODFLOW_ALLOW_INSECURE: '1' } }).insecureEndpoints,
    ['VODFLOW_CALLBACK_URL: the callback URL is plain http'],
  );
});

test('VODFLOW_MNS_TRANSPORT picks the SDK by default, the lean HTTP client when asked, nothing else', () => {
  assert.equal(loadConfig({ role: 'poller', env: base }).poller.mnsTransport, 'sdk');
  assert.equal(
    loadConfig({ role: 'poller', env: { ...base, VODFLOW_MNS_TRANSPORT: 'http' } }).poller.mnsTransport,
    'http',
  );
  assert.deepEqual(
    problemsOf(() => loadConfig({ role: 'poller', env: { ...base, VODFLOW_MNS_TRANSPORT: 'fetch' } })),
    ['VODFLOW_MNS_TRANSPORT must be one of sdk, http'],
  );
});
