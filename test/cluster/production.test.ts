// docs/PRODUCTION.md section 4, followed as written against the self-hosted mTLS cluster
// (docs/CLUSTER.md): the doc's TOML profile with this cluster's address, namespace and
// certificates in place of the example values, then the doc's shell block verbatim (select
// the profile, register the search attributes with the `temporal` CLI, `vodflow doctor`,
// `vodflow run`), then one uploaded video through the running process to its publication.
// Run by `npm run test:cluster`; alone it starts (or reuses) the cluster in .vodflow/cluster.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { repositoryRoot, startCluster } from '../../harness/cluster/cluster';
import { freePort } from '../../harness/stack/freePort';
import { temporalCli } from '../../harness/stack/paths';
import { childEnvironment, startStack } from '../../harness/stack/stack';
import { ensureNamespace } from '../../harness/stack/temporalDevServer';

const doc = readFileSync(path.join(repositoryRoot, 'docs', 'PRODUCTION.md'), 'utf8');

/** The fenced block right after `<!-- doc-test: NAME -->`. */
function block(name: string): string {
  const match = new RegExp(`<!-- doc-test: ${name} -->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(doc);
  assert.ok(match, `docs/PRODUCTION.md has no doc-test block "${name}"`);
  return match[1]!;
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
});

test(
  'docs/PRODUCTION.md section 4 works as written against the mTLS cluster',
  { timeout: 600_000 },
  async (t) => {
    const cluster = await startCluster({
      ...(process.env.VODFLOW_TEST_CLUSTER_DIR ? { stateDir: process.env.VODFLOW_TEST_CLUSTER_DIR } : {}),
    });
    const namespace = `doc-${process.pid}-${Date.now().toString(36)}`;
    // The namespace is the platform team's to create; the doc's block registers the attributes.
    await ensureNamespace({ ...cluster.env, TEMPORAL_NAMESPACE: namespace });

    // The doc's profile, with this cluster's values where the example has its own.
    const example = block('profile');
    const replacements: [string, string][] = [
      ['temporal.example.internal:7233', cluster.address],
      ['"media"', `"${namespace}"`],
      ['/etc/vodflow/tls/client.pem', cluster.tls.clientCertPath],
      ['/etc/vodflow/tls/client.key', cluster.tls.clientKeyPath],
      ['/etc/vodflow/tls/ca.pem', cluster.tls.serverCaPath],
      ['"temporal.example.internal"', `"${cluster.tls.serverName}"`],
    ];
    let profile = example;
    for (const [from, to] of replacements) {
      assert.ok(profile.includes(from), `the doc's profile still has ${from}`);
      profile = profile.replace(from, to);
    }
    const home = mkdtempSync(path.join(tmpdir(), 'vodflow-doc-home-'));
    cleanups.push(() => Promise.resolve(rmSync(home, { recursive: true, force: true })));
    mkdirSync(path.join(home, '.config', 'temporalio'), { recursive: true });
    writeFileSync(path.join(home, '.config', 'temporalio', 'temporal.toml'), profile);

    // Section 1–3's part: credentials, queues and the VOD callback, here the emulators'.
    const stack = await startStack({
      mns: { mode: 'in-process' },
      vod: { timeScale: 1 },
      webhook: { mode: 'receiver' },
    });
    cleanups.push(() => stack.stop());
    const port = await freePort();
    const env = childEnvironment({
      ...stack.settings(),
      HOME: home,
      PATH: `${path.dirname(temporalCli().path)}:${process.env.PATH ?? ''}`,
      VODFLOW_TASK_QUEUE: `doc-${namespace}`,
      VODFLOW_HTTP_PORT: String(port),
      VODFLOW_LOG_LEVEL: 'warn',
    });
    assert.equal(env.TEMPORAL_ADDRESS, undefined, 'Temporal comes from the profile alone');

    const script = block('connect');
    let output = '';
    const shell = spawn('bash', ['-e', '-c', script], {
      cwd: repositoryRoot,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    shell.stdout.on('data', (d: Buffer) => (output += d.toString()));
    shell.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = once(shell, 'exit');
    cleanups.push(async () => {
      if (shell.exitCode === null && shell.signalCode === null) {
        process.kill(-shell.pid!, 'SIGTERM');
        await Promise.race([exited, sleep(30_000)]);
        if (shell.exitCode === null && shell.signalCode === null) process.kill(-shell.pid!, 'SIGKILL');
      }
    });

    // doctor passed and `run` is ready once /readyz answers 200.
    const deadline = Date.now() + 180_000;
    for (;;) {
      assert.ok(shell.exitCode === null, `the doc's block exited ${String(shell.exitCode)}:\n${output}`);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) })
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ready) break;
      assert.ok(Date.now() < deadline, `vodflow run not ready within 180 s:\n${output}`);
      await sleep(500);
    }
    assert.match(output, /Search attributes have been added/);
    assert.match(output, /search attributes/i, 'doctor checked the search attributes');
    assert.doesNotMatch(output, /unknown variable/, 'the doc sets no variable vodflow ignores');

    const videoId = await stack.vod!.simulateUpload({});
    const receiver = stack.webhook!.receiver!;
    const published = Date.now() + 240_000;
    while (![...receiver.accepted.values()].some((body) => JSON.stringify(body).includes(videoId))) {
      assert.ok(shell.exitCode === null, `vodflow run exited:\n${output}`);
      assert.ok(Date.now() < published, `video ${videoId} not published within 240 s:\n${output}`);
      await sleep(500);
    }
    t.diagnostic(
      `video ${videoId} published through the cluster at ${cluster.address} (namespace ${namespace})`,
    );

    process.kill(-shell.pid!, 'SIGTERM');
    await exited;
  },
);
