import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { binVodflow } from '../../../harness/stack/paths';

/**
 * `bin/vodflow poller` starts Node with the memory settings docs/BENCHMARKS.md measured, and
 * steps aside when the operator chose their own. The poller is given nothing to reach (port 9
 * refuses), so it starts and keeps retrying; what is read is the running process's own
 * command line and environment.
 */
async function launchedPoller(extraEnv: NodeJS.ProcessEnv): Promise<{ argv: string[]; env: string[] }> {
  const child = spawn(binVodflow, ['poller'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'launch-test-id',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'launch-test-secret',
      VODFLOW_QUEUES: 'cn-shanghai=http://127.0.0.1:9/launch-test',
      TEMPORAL_ADDRESS: '127.0.0.1:9',
      VODFLOW_HTTP_PORT: '0',
      VODFLOW_LOG_LEVEL: 'error',
      ...extraEnv,
    },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 60_000;
    // bin/vodflow is bash until it execs node under the same pid.
    for (;;) {
      const argv = (await readFile(`/proc/${child.pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
      if (argv.some((arg) => arg.endsWith('cli/main.js'))) {
        const env = (await readFile(`/proc/${child.pid}/environ`, 'utf8')).split('\0');
        return { argv, env };
      }
      if (child.exitCode !== null)
        assert.fail(`bin/vodflow poller exited with ${child.exitCode} before starting node`);
      if (Date.now() > deadline) assert.fail('bin/vodflow poller did not start node within 60 s');
      await sleep(50);
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

test('bin/vodflow starts the poller with a capped heap that grows by half, an 8 MB young generation and one malloc arena', async () => {
  const { argv, env } = await launchedPoller({});
  assert.ok(argv.includes('--max-old-space-size=128'), argv.join(' '));
  assert.ok(argv.includes('--heap-growing-percent=50'), argv.join(' '));
  assert.ok(argv.includes('--max-semi-space-size=8'), argv.join(' '));
  assert.ok(env.includes('MALLOC_ARENA_MAX=1'));

  const raised = await launchedPoller({ VODFLOW_POLLER_HEAP_MB: '512' });
  assert.ok(raised.argv.includes('--max-old-space-size=512'), raised.argv.join(' '));
  assert.ok(raised.argv.includes('--heap-growing-percent=50'), raised.argv.join(' '));
});

test("an operator's own NODE_OPTIONS heap and MALLOC_ARENA_MAX win, and V8 then sizes the heap its own way", async () => {
  const { argv, env } = await launchedPoller({
    NODE_OPTIONS: '--max-old-space-size=1024 --max-semi-space-size=16',
    MALLOC_ARENA_MAX: '4',
  });
  assert.ok(!argv.some((arg) => arg.startsWith('--max-old-space-size')), argv.join(' '));
  assert.ok(!argv.some((arg) => arg.startsWith('--heap-growing-percent')), argv.join(' '));
  assert.ok(!argv.some((arg) => arg.startsWith('--max-semi-space-size')), argv.join(' '));
  assert.ok(env.includes('NODE_OPTIONS=--max-old-space-size=1024 --max-semi-space-size=16'));
  assert.ok(env.includes('MALLOC_ARENA_MAX=4'));
});
