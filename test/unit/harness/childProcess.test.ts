import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ExitedDuringStartError, superviseProcess } from '../../../harness/stack/childProcess';

test('a child that dies before it is ready fails the start with its exit status and the end of its log', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vodflow-child-'));
  try {
    const child = superviseProcess({
      name: 'doomed',
      command: 'sh',
      args: ['-c', 'echo "listen tcp 127.0.0.1:7233: bind: address already in use" >&2; exit 3'],
      logFile: path.join(dir, 'doomed.log'),
      ready: () => Promise.resolve(false),
      readyTimeoutMs: 10_000,
    });
    await assert.rejects(child.start(), (err: unknown) => {
      assert.ok(err instanceof ExitedDuringStartError);
      assert.match(err.message, /doomed exited during start \(code=3 signal=null\)/);
      assert.match(err.message, /address already in use/);
      return true;
    });
    await child.stop();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
