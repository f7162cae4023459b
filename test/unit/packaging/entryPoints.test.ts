// What a production process loads: the public entry points and the production commands must
// not pull in the development harness (emulators, local stack).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from '../../../harness/stack/paths';

const dist = path.join(repoRoot, 'dist');

/** The modules a fresh Node process has loaded after running `script`. */
async function loadedAfter(script: string, args: string[] = []): Promise<string[]> {
  const report = `process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify(Object.keys(require.cache))));`;
  const { stderr } = await promisify(execFile)(
    process.execPath,
    ['-e', `${report}\nprocess.argv.splice(1, 0, 'main'); require(${JSON.stringify(script)});`, ...args],
    { cwd: repoRoot, timeout: 60_000, env: { ...process.env, VODFLOW_LOG_LEVEL: 'silent' } },
  ).catch((err: { stderr?: string }) => ({ stderr: err.stderr ?? '' }));
  const line = stderr.split('\n').find((l) => l.startsWith('LOADED '));
  assert.ok(line, `no module report from ${script} ${args.join(' ')}: ${stderr}`);
  return JSON.parse(line.slice('LOADED '.length)) as string[];
}

const harnessOrCli = (files: string[]) =>
  files.filter((f) => f.startsWith(path.join(dist, 'harness')) || f.startsWith(path.join(dist, 'cli')));

test('the library entry points load no harness code', async () => {
  for (const entry of ['src/api/index.js', 'src/api/workflow.js']) {
    const loaded = await loadedAfter(path.join(dist, entry));
    assert.ok(loaded.some((f) => f.endsWith(entry)));
    assert.deepEqual(harnessOrCli(loaded), [], entry);
  }
  // The step API is imported by a team's workflow code: nothing of the worker SDK may come with it.
  const workflowSide = await loadedAfter(path.join(dist, 'src/api/workflow.js'));
  assert.deepEqual(
    workflowSide.filter((f) => /@temporalio[/\\](worker|client|core-bridge)|[/\\]webpack[/\\]/.test(f)),
    [],
  );
});

test('the production commands load neither the emulators nor the local stack', async () => {
  for (const command of ['poller', 'worker', 'run', 'review']) {
    const loaded = await loadedAfter(path.join(dist, 'cli', 'main.js'), [command, '--help']);
    const harness = loaded.filter((f) => f.startsWith(path.join(dist, 'harness')));
    assert.deepEqual(harness, [], `vodflow ${command}`);
    assert.ok(
      loaded.some((f) => f.endsWith(path.join('cli', 'commands', `${command}.js`))),
      command,
    );
  }
});
