import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config';
import { unknownVariables } from '../../../src/config/unknownVariables';
import { temporalConnectionOptions } from '../../../src/temporal/connection';
import { sdkTuning } from '../../../src/worker/createWorker';
import { cliMain } from '../../../harness/stack/paths';

const workerKeys = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIexampleid',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'super-secret-value',
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

const dir = mkdtempSync(path.join(tmpdir(), 'vodflow-envconfig-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const pem = (label: string) => `-----BEGIN ${label}-----\nMIIB\n-----END ${label}-----\n`;
const cert = path.join(dir, 'client.pem');
const key = path.join(dir, 'client.key');
const ca = path.join(dir, 'ca.pem');
writeFileSync(cert, pem('CERTIFICATE'));
writeFileSync(key, pem('PRIVATE KEY'));
writeFileSync(ca, pem('CERTIFICATE'));

const toml = path.join(dir, 'temporal.toml');
writeFileSync(
  toml,
  [
    '[profile.default]',
    'address = "127.0.0.1:7233"',
    '',
    '[profile.prod]',
    'address = "prod.example.internal:7233"',
    'namespace = "media"',
    '[profile.prod.tls]',
    `client_cert_path = "${cert}"`,
    `client_key_path = "${key}"`,
    `server_ca_cert_path = "${ca}"`,
    'server_name = "prod.example.internal"',
    '[profile.prod.grpc_meta]',
    'team = "media"',
    '',
    '[profile.cloud]',
    'address = "media.abcd.tmprl.cloud:7233"',
    'namespace = "media.abcd"',
    'api_key = "planted-toml-api-key"',
  ].join('\n'),
);

test('a TOML profile picked by TEMPORAL_PROFILE gives address, namespace, mTLS and headers', () => {
  const config = loadConfig({
    role: 'worker',
    env: { ...workerKeys, TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'prod' },
  });
  assert.equal(config.temporal.address, 'prod.example.internal:7233');
  assert.equal(config.temporal.namespace, 'media');
  assert.equal(config.temporal.profile, 'prod');
  assert.deepEqual(config.temporal.tls, {
    clientCertPath: cert,
    clientKeyPath: key,
    serverCaCertPath: ca,
    serverName: 'prod.example.internal',
  });
  // The one translation both connections use: envconfig's, with the files' bytes.
  const options = temporalConnectionOptions(config.temporal);
  assert.equal(options.address, 'prod.example.internal:7233');
  assert.deepEqual(options.metadata, { team: 'media' });
  assert.ok(typeof options.tls === 'object');
  assert.equal(options.tls.serverNameOverride, 'prod.example.internal');
  assert.equal(Buffer.from(options.tls.clientCertPair!.key).toString(), readFileSync(key, 'utf8'));
  assert.equal(Buffer.from(options.tls.serverRootCACertificate!).toString(), readFileSync(ca, 'utf8'));
});

test('TEMPORAL_* variables override the profile, one field at a time', () => {
  const config = loadConfig({
    role: 'worker',
    env: {
      ...workerKeys,
      TEMPORAL_CONFIG_FILE: toml,
      TEMPORAL_PROFILE: 'prod',
      TEMPORAL_NAMESPACE: 'media-staging',
      TEMPORAL_TLS_SERVER_NAME: 'other.example.internal',
    },
  });
  assert.equal(config.temporal.address, 'prod.example.internal:7233');
  assert.equal(config.temporal.namespace, 'media-staging');
  assert.equal(config.temporal.tls?.serverName, 'other.example.internal');
  assert.equal(config.temporal.tls?.clientCertPath, cert);
});

test('an API key turns TLS on (Temporal Cloud); without any setting the default profile is plain TCP', () => {
  const cloud = loadConfig({
    role: 'worker',
    env: { ...workerKeys, TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'cloud' },
  });
  assert.equal(cloud.temporal.apiKey, 'planted-toml-api-key');
  assert.deepEqual(cloud.temporal.tls, {});
  assert.equal(temporalConnectionOptions(cloud.temporal).tls, true);
  const local = loadConfig({ role: 'worker', env: { ...workerKeys, TEMPORAL_CONFIG_FILE: toml } });
  assert.equal(local.temporal.address, '127.0.0.1:7233');
  assert.equal(local.temporal.tls, undefined);
  assert.equal(temporalConnectionOptions(local.temporal).tls, undefined);
});

test("the user's ~/.config/temporalio/temporal.toml is read as the Temporal CLI reads it", () => {
  const home = path.join(dir, 'home');
  mkdirSync(path.join(home, '.config', 'temporalio'), { recursive: true });
  writeFileSync(
    path.join(home, '.config', 'temporalio', 'temporal.toml'),
    '[profile.default]\naddress = "from-home.example:7233"\n',
  );
  const config = loadConfig({ role: 'worker', env: { ...workerKeys, HOME: home } });
  assert.equal(config.temporal.address, 'from-home.example:7233');
  // No file at the default place is the usual case, not an error.
  const none = loadConfig({ role: 'worker', env: { ...workerKeys, HOME: path.join(dir, 'nobody') } });
  assert.equal(none.temporal.address, '127.0.0.1:7233');
});

test('profile problems name the variable or the TOML key, never a value', () => {
  assert.deepEqual(
    problemsOf(() =>
      loadConfig({
        role: 'worker',
        env: { ...workerKeys, TEMPORAL_CONFIG_FILE: toml, TEMPORAL_PROFILE: 'staging' },
      }),
    ),
    [`TEMPORAL_PROFILE names profile "staging", which ${toml} does not have`],
  );
  assert.deepEqual(
    problemsOf(() => loadConfig({ role: 'worker', env: { ...workerKeys, TEMPORAL_PROFILE: 'prod' } })),
    [
      'TEMPORAL_PROFILE names a profile but no TOML config file was found (TEMPORAL_CONFIG_FILE, or ~/.config/temporalio/temporal.toml)',
    ],
  );
  const missingFile = path.join(dir, 'nope.toml');
  assert.deepEqual(
    problemsOf(() =>
      loadConfig({ role: 'worker', env: { ...workerKeys, TEMPORAL_CONFIG_FILE: missingFile } }),
    ),
    [`TEMPORAL_CONFIG_FILE cannot read ${missingFile}: ENOENT`],
  );

  const broken = path.join(dir, 'broken.toml');
  writeFileSync(broken, '[profile.default]\napi_key = "planted-broken-secret\n');
  const brokenProblems = problemsOf(() =>
    loadConfig({ role: 'worker', env: { ...workerKeys, TEMPORAL_CONFIG_FILE: broken } }),
  );
  assert.match(
    brokenProblems.join('\n'),
    /^TEMPORAL_CONFIG_FILE .*broken\.toml is not valid TOML \(line 2, column \d+\)$/,
  );
  assert.ok(!brokenProblems.join('\n').includes('planted-broken-secret'));

  const typo = path.join(dir, 'typo.toml');
  writeFileSync(typo, '[profile.default]\nadress = "x:1"\n[profile.default.tls]\nclient_cert = "c.pem"\n');
  assert.deepEqual(
    problemsOf(() => loadConfig({ role: 'worker', env: { ...workerKeys, TEMPORAL_CONFIG_FILE: typo } })),
    [`TEMPORAL_CONFIG_FILE ${typo}: key(s) unrecognized in profile.default: adress`],
  );

  const unsafe = path.join(dir, 'unsafe.toml');
  writeFileSync(
    unsafe,
    [
      '[profile.default]',
      'address = "not an address"',
      'api_key = "planted-unsafe-key"',
      '[profile.default.tls]',
      'disabled = true',
      `client_cert_path = "${path.join(dir, 'missing.pem')}"`,
    ].join('\n'),
  );
  const unsafeProblems = problemsOf(() =>
    loadConfig({ role: 'worker', env: { ...workerKeys, TEMPORAL_CONFIG_FILE: unsafe } }),
  );
  const where = `(profile "default" in ${unsafe})`;
  assert.deepEqual(unsafeProblems, [
    `address ${where} must be HOST:PORT, e.g. 127.0.0.1:7233`,
    `tls.client_cert_path ${where} cannot read ${path.join(dir, 'missing.pem')}: ENOENT`,
    `tls.client_key_path ${where} client certificate and key must be set together`,
    `tls.disabled ${where} turns TLS off but TLS certificate settings are present`,
    `api_key ${where} is set but profile "default" disables TLS: the key would cross the network in plaintext`,
  ]);
  assert.ok(!unsafeProblems.join('\n').includes('planted-unsafe-key'));
});

test('inline PEM (TEMPORAL_TLS_*_DATA) is accepted, and a non-PEM value is named without being shown', () => {
  const config = loadConfig({
    role: 'worker',
    env: {
      ...workerKeys,
      TEMPORAL_TLS_CLIENT_CERT_DATA: pem('CERTIFICATE'),
      TEMPORAL_TLS_CLIENT_KEY_DATA: pem('PRIVATE KEY'),
    },
  });
  const tls = temporalConnectionOptions(config.temporal).tls;
  assert.ok(typeof tls === 'object');
  assert.equal(Buffer.from(tls.clientCertPair!.key).toString().trim(), pem('PRIVATE KEY').trim());

  const problems = problemsOf(() =>
    loadConfig({
      role: 'worker',
      env: {
        ...workerKeys,
        TEMPORAL_TLS_CLIENT_CERT_DATA: pem('CERTIFICATE'),
        TEMPORAL_TLS_CLIENT_KEY_DATA: 'planted-not-a-pem-key',
      },
    }),
  );
  assert.deepEqual(problems, ['TEMPORAL_TLS_CLIENT_KEY_DATA must be PEM text (-----BEGIN ...-----)']);
  assert.deepEqual(
    problemsOf(() =>
      loadConfig({
        role: 'worker',
        env: { ...workerKeys, TEMPORAL_TLS_CLIENT_CERT_PATH: cert, TEMPORAL_TLS_CLIENT_CERT_DATA: pem('X') },
      }),
    )[0],
    'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_CERT_DATA (or client_cert_path and client_cert_data in profile "default") are both set: give one',
  );
  assert.deepEqual(
    problemsOf(() =>
      loadConfig({ role: 'worker', env: { ...workerKeys, TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' } }),
    ),
    [
      "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION is not supported by Temporal's TypeScript SDK: set TEMPORAL_TLS_SERVER_NAME to a name the server's certificate carries",
    ],
  );
});

test('unknown TEMPORAL_* and VODFLOW_* variables are reported by name, with the setting they resemble', () => {
  const config = loadConfig({
    role: 'worker',
    env: {
      ...workerKeys,
      VODFLOW_QEUES: 'x',
      TEMPORAL_TLS_CERT: '/etc/cert.pem',
      TEMPORAL_HOST_URL: 'x',
      // Read by other parts of vodflow or by Temporal's tools: not unknown.
      VODFLOW_CLUSTER_DIR: '/tmp/x',
      VODFLOW_CONFIG_FILE_UNUSED: undefined,
      TEMPORAL_GRPC_META_TEAM: 'media',
      TEMPORAL_CODEC_ENDPOINT: 'https://codec.example',
      OTHER_VARIABLE: 'x',
    },
  });
  assert.deepEqual(config.unknownVariables, [
    { name: 'TEMPORAL_HOST_URL' },
    { name: 'TEMPORAL_TLS_CERT', didYouMean: 'TEMPORAL_TLS_CLIENT_CERT_PATH' },
    { name: 'VODFLOW_CONFIG_FILE_UNUSED' },
    { name: 'VODFLOW_QEUES', didYouMean: 'VODFLOW_QUEUES' },
  ]);
  assert.deepEqual(unknownVariables({ VODFLOW_MAX_INFLIGHT: '1' }), [
    { name: 'VODFLOW_MAX_INFLIGHT', didYouMean: 'VODFLOW_MAX_IN_FLIGHT' },
  ]);
});

test('every process warns once, at start, naming the unknown variables', async () => {
  // A worker that cannot reach Temporal keeps retrying; the warning comes before that.
  const child = spawn(process.execPath, [cliMain, 'worker'], {
    env: {
      PATH: process.env.PATH,
      ...workerKeys,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      VODFLOW_HTTP_PORT: '0',
      VODFLOW_MAX_INFLIGHT: '8',
      VODFLOW_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 60_000;
  while (!output.includes('Temporal not reachable yet') && Date.now() < deadline && child.exitCode === null) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  const warnings = output.split('\n').filter((line) => line.includes('unknown variable'));
  assert.equal(warnings.length, 1, output);
  assert.match(warnings[0]!, /VODFLOW_MAX_INFLIGHT \(did you mean VODFLOW_MAX_IN_FLIGHT\?\)/);
  assert.ok(!warnings[0]!.includes('"8"'));
});

test('worker tuning: fixed slots by default, the SDK resource-based tuner on request', () => {
  const defaults = loadConfig({ role: 'worker', env: workerKeys }).worker.tuning;
  assert.deepEqual(defaults, {
    tuner: 'fixed',
    maxWorkflowTasks: 16,
    maxActivities: 64,
    maxCachedWorkflows: 2_000,
  });
  assert.deepEqual(sdkTuning(defaults), {
    maxConcurrentWorkflowTaskExecutions: 16,
    maxConcurrentActivityTaskExecutions: 64,
    maxCachedWorkflows: 2_000,
  });
  const big = loadConfig({
    role: 'worker',
    env: {
      ...workerKeys,
      VODFLOW_WORKER_MAX_WORKFLOW_TASKS: '64',
      VODFLOW_WORKER_MAX_ACTIVITIES: '400',
      VODFLOW_WORKER_MAX_CACHED_WORKFLOWS: '10000',
    },
  }).worker.tuning;
  assert.deepEqual(big, {
    tuner: 'fixed',
    maxWorkflowTasks: 64,
    maxActivities: 400,
    maxCachedWorkflows: 10_000,
  });

  const resource = loadConfig({
    role: 'worker',
    env: {
      ...workerKeys,
      VODFLOW_WORKER_TUNER: 'resource-based',
      VODFLOW_WORKER_TARGET_CPU_PERCENT: '70',
      VODFLOW_WORKER_MAX_ACTIVITIES: '500',
    },
  }).worker.tuning;
  assert.deepEqual(sdkTuning(resource), {
    maxCachedWorkflows: 2_000,
    tuner: {
      tunerOptions: { targetCpuUsage: 0.7, targetMemoryUsage: 0.8 },
      workflowTaskSlotOptions: {},
      activityTaskSlotOptions: { maximumSlots: 500 },
    },
  });

  assert.deepEqual(
    problemsOf(() =>
      loadConfig({
        role: 'worker',
        env: {
          ...workerKeys,
          VODFLOW_WORKER_TUNER: 'auto',
          VODFLOW_WORKER_MAX_ACTIVITIES: '0',
        },
      }),
    ),
    [
      'VODFLOW_WORKER_TUNER must be one of fixed, resource-based',
      'VODFLOW_WORKER_MAX_ACTIVITIES must be at least 1',
    ],
  );
  assert.deepEqual(
    problemsOf(() =>
      loadConfig({ role: 'worker', env: { ...workerKeys, VODFLOW_WORKER_TARGET_MEMORY_PERCENT: '60' } }),
    ),
    ['VODFLOW_WORKER_TARGET_MEMORY_PERCENT applies only with VODFLOW_WORKER_TUNER=resource-based'],
  );
});
