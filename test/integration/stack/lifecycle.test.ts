import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { repoRoot } from '../../../harness/stack/paths';
import { startStack } from '../../../harness/stack/stack';
import { processAlive } from '../../../harness/stack/staleServer';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vodflow-lifecycle-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Polls (bounded) until the process is gone; true if it went. */
async function gone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!processAlive(pid)) return true;
    await sleep(200);
  }
  return !processAlive(pid);
}

test('the dev server dies with the process that started it, even when that process is SIGKILLed', async () => {
  const dataDir = path.join(dir, 'orphan');
  const parent = spawn(
    process.execPath,
    [path.join(repoRoot, 'dist', 'test', 'harness', 'stackChild.js'), dataDir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(parent, 'exit');
  let temporalPid: number | undefined;
  try {
    const lines = createInterface({ input: parent.stdout });
    const [first] = (await Promise.race([
      once(lines, 'line'),
      sleep(120_000, undefined, { ref: false }).then(() =>
        assert.fail('the stack did not start within 120 s'),
      ),
    ])) as [string];
    temporalPid = (JSON.parse(first) as { temporalPid: number }).temporalPid;
    assert.ok(Number.isInteger(temporalPid) && processAlive(temporalPid), 'the dev server runs');
    assert.equal((await readFile(path.join(dataDir, 'temporal.pid'), 'utf8')).trim(), String(temporalPid));

    parent.kill('SIGKILL');
    await exited;
    assert.ok(
      await gone(temporalPid, 30_000),
      `dev server ${temporalPid} still runs 30 s after its parent died`,
    );
  } finally {
    if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
    if (temporalPid !== undefined && processAlive(temporalPid)) process.kill(temporalPid, 'SIGKILL');
  }

  // The dead server's pid file is stale: a new stack on the same data dir starts.
  const next = await startStack({ dataDir, temporal: { mode: 'dev-server', storage: 'memory' } });
  try {
    assert.notEqual(next.temporal.pid, temporalPid);
  } finally {
    await next.stop();
  }
});

test('a server left running on the port, or on the data dir, is named with its pid', async () => {
  const dataDir = path.join(dir, 'first');
  const first = await startStack({ dataDir, temporal: { mode: 'dev-server', storage: 'memory' } });
  try {
    const pid = first.temporal.pid!;
    const port = Number(first.temporal.address.split(':')[1]);
    await assert.rejects(
      startStack({
        dataDir: path.join(dir, 'second'),
        temporal: { mode: 'dev-server', storage: 'memory', port },
      }),
      new RegExp(
        `port ${port} on 127\\.0\\.0\\.1 is already taken by pid ${pid}: .*temporal.*; .*kill ${pid}`,
      ),
    );
    await assert.rejects(
      startStack({ dataDir, temporal: { mode: 'dev-server', storage: 'memory' } }),
      new RegExp(
        `temporal\\.pid says pid ${pid}: .*temporal.* still runs on this data dir; stop it \\(kill ${pid}\\)`,
      ),
    );
    assert.ok(processAlive(pid), 'the refused starts left the running server alone');
  } finally {
    await first.stop();
  }
});

test('dynamic-config values given to the dev server take effect', async () => {
  const stack = await startStack({
    dataDir: path.join(dir, 'dynamic-config'),
    temporal: { mode: 'dev-server', storage: 'memory', dynamicConfigValues: ['limit.maxIDLength=48'] },
  });
  try {
    const { client } = await stack.temporalClient();
    const start = (workflowId: string) =>
      client.workflow.start('anyWorkflow', { taskQueue: 'nobody-polls', workflowId });
    await assert.rejects(start(`too-long-${'x'.repeat(60)}`), (err: Error) => {
      // The client wraps the server's refusal; its cause names the limit.
      assert.match(String(err.cause), /length/i);
      return true;
    });
    const handle = await start('short-enough');
    await handle.terminate('test done');
  } finally {
    await stack.stop();
  }
});
