// Runs the real compiled CLI (node dist/cli/main.js decode) as a user would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fixtureDir, malformedDir, repoRoot } from './fixturePaths';

const cli = path.join(repoRoot, 'dist/cli/main.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'vodflow-decode-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], stdin?: string) {
  const result = spawnSync(process.execPath, [cli, 'decode', ...args], {
    input: stdin ?? '',
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, VODFLOW_LOG_LEVEL: 'silent' },
  });
  assert.equal(result.error, undefined);
  return result;
}

test('decode FILE prints the normalized event as one JSON line, exit 0', () => {
  const { status, stdout, stderr } = run([path.join(fixtureDir, 'transcode-complete-partial-failure.json')]);
  assert.equal(status, 0, stderr);
  assert.equal(stderr, '');
  const lines = stdout.split('\n');
  assert.equal(lines.length, 2);
  assert.equal(lines[1], '');
  const event = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(event.eventType, 'TranscodeComplete');
  assert.equal(event.mediaId, '43q91jdh7df0a1b2c3d4e5f6a7b8c9d0');
  assert.equal(event.status, 'success');
  assert.equal(event.eventTime, '2023-05-04T03:06:00.000Z');
  assert.match(
    String(event.identity),
    /^TranscodeComplete:43q91jdh7df0a1b2c3d4e5f6a7b8c9d0:success:[0-9a-f]{16}$/,
  );
  const payload = event.payload as { StreamInfos: Array<{ Bitrate?: number; Status: string }> };
  assert.equal(payload.StreamInfos[0]?.Bitrate, 2000.5);
  assert.deepEqual(
    payload.StreamInfos.map((s) => s.Status),
    ['success', 'fail', 'success'],
  );
});

test('decode reads stdin without FILE; mediaId is null when the event has none', () => {
  const body = JSON.stringify({
    EventType: 'UploadByURLComplete',
    EventTime: '2017-03-20T07:49:17Z',
    JobId: 'job-1',
    Status: 'fail',
  });
  const { status, stdout } = run([], Buffer.from(body).toString('base64'));
  assert.equal(status, 0);
  const event = JSON.parse(stdout) as Record<string, unknown>;
  assert.equal(event.mediaId, null);
  assert.equal(event.status, 'fail');
});

test('an invalid body: nothing on stdout, one precise line on stderr, exit 2', () => {
  const { status, stdout, stderr } = run([path.join(malformedDir, 'snapshot-complete-official-sample.json')]);
  assert.equal(status, 2);
  assert.equal(stdout, '');
  assert.equal(stderr, 'vodflow decode: invalid event: SnapshotComplete has no VideoId\n');
});

test('an oversized file is refused as invalid without reading it all', () => {
  const file = path.join(tmp, 'big.json');
  writeFileSync(file, `{"EventType":"X","EventTime":"2017-03-20T07:49:17Z","Pad":"${'x'.repeat(200_000)}"}`);
  const { status, stdout, stderr } = run([file]);
  assert.equal(status, 2);
  assert.equal(stdout, '');
  assert.match(stderr, /^vodflow decode: invalid event: body is larger than 65536 bytes/);
  assert.equal(stderr.split('\n').length, 2);
});

test('a missing file is an error of the command (exit 1), not an invalid event', () => {
  const { status, stdout, stderr } = run([path.join(tmp, 'nope.json')]);
  assert.equal(status, 1);
  assert.equal(stdout, '');
  assert.match(stderr, /ENOENT/);
});
