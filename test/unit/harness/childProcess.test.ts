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
      args: [
        '-c',
        'echo starting >&2; echo "panic: listen tcp 127.0.0.1:7233: bind: address already in use" >&2; ' +
          'for i in $(seq 1 150); do echo "  goroutine frame $i" >&2; done; exit 3',
      ],
      logFile: path.join(dir, 'doomed.log'),
      ready: () => Promise.resolve(false),
      readyTimeoutMs: 10_000,
    });
    await assert.rejects(child.start(), (err: unknown) => {
      assert.ok(err instanceof ExitedDuringStartError);
      assert.match(err.message, /doomed exited during start \(code=3 signal=null\)/);
      assert.match(err.message, /its log ends:\npanic: listen tcp .* address already in use/);
      assert.doesNotMatch(err.message, /starting/);
      return true;
    });
    await child.stop();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
