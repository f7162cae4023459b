import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  compareVersions,
  isRecentEnough,
  parseTemporalVersion,
  pinnedTemporalVersion,
  resolveTemporalCli,
} from '../../../harness/stack/paths';

test('parseTemporalVersion reads what `temporal --version` prints', () => {
  assert.equal(parseTemporalVersion('temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)\n'), '1.5.1');
  assert.equal(parseTemporalVersion('temporal version v1.6.0-rc.2 (Server 1.30.0)'), '1.6.0-rc.2');
  assert.equal(parseTemporalVersion('temporal version 0.11.0'), '0.11.0');
  assert.equal(parseTemporalVersion('tctl version 1.18.0'), null);
  assert.equal(parseTemporalVersion(''), null);
});

test('compareVersions orders by number, not by text, and a pre-release before its release', () => {
  const sorted = ['1.10.0', '1.5.1', '1.5.10', '1.5.2', '0.13.2', '2.0.0', '1.6.0-rc.1', '1.6.0'].sort(
    compareVersions,
  );
  assert.deepEqual(sorted, ['0.13.2', '1.5.1', '1.5.2', '1.5.10', '1.6.0-rc.1', '1.6.0', '1.10.0', '2.0.0']);
  assert.equal(compareVersions('v1.5.1', '1.5.1'), 0);
  assert.ok(compareVersions('1.6.0-rc.1', '1.6.0-rc.2') < 0);
});

test('at least the pinned version is recent enough', () => {
  assert.equal(pinnedTemporalVersion, '1.5.1');
  assert.equal(isRecentEnough('1.5.1'), true);
  assert.equal(isRecentEnough('1.5.2'), true);
  assert.equal(isRecentEnough('1.10.0'), true);
  assert.equal(isRecentEnough('1.5.0'), false);
  assert.equal(isRecentEnough('1.5.1-rc.1'), false);
  assert.equal(isRecentEnough('0.99.99'), false);
});

// Stand-in CLIs that only answer --version, to test the choice without building anything.
let dir: string;
/** A folder holding a `temporal` that reports `version`. */
function fake(name: string, version: string): string {
  const folder = path.join(dir, name);
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, 'temporal');
  writeFileSync(file, `#!/bin/sh\necho "temporal version ${version} (Server 1.29.1, UI 2.42.1)"\n`);
  chmodSync(file, 0o755);
  return folder;
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vodflow-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a recent enough `temporal` on PATH wins over the pinned build; an old one is skipped', () => {
  const newer = fake('newer', '1.6.0');
  const older = fake('older', '1.4.0');
  const built = path.join(fake('built', '1.5.1'), 'temporal');
  const install = () => assert.fail('nothing to build: the pinned build is there');

  assert.deepEqual(resolveTemporalCli({ env: { PATH: `${newer}:${older}` }, built, install }), {
    path: path.join(newer, 'temporal'),
    version: '1.6.0',
    source: 'PATH',
  });
  // The first `temporal` on PATH is the one a shell would run: too old, so the pinned build.
  assert.deepEqual(resolveTemporalCli({ env: { PATH: `${older}:${newer}` }, built, install }), {
    path: built,
    version: '1.5.1',
    source: 'built',
  });
});

test('VODFLOW_TEMPORAL_CLI is used as given, and refused with a clear error when too old or not a CLI', () => {
  const newer = path.join(fake('explicit', '1.7.2'), 'temporal');
  const older = path.join(fake('explicit-old', '1.2.0'), 'temporal');
  const built = path.join(dir, 'missing', 'temporal');
  const install = () => assert.fail('an explicit CLI needs no build');
  assert.deepEqual(resolveTemporalCli({ env: { VODFLOW_TEMPORAL_CLI: newer }, built, install }), {
    path: newer,
    version: '1.7.2',
    source: 'VODFLOW_TEMPORAL_CLI',
  });
  assert.throws(
    () => resolveTemporalCli({ env: { VODFLOW_TEMPORAL_CLI: older }, built, install }),
    /VODFLOW_TEMPORAL_CLI=.* is Temporal CLI 1\.2\.0; vodflow needs 1\.5\.1 or later/,
  );
  assert.throws(
    () => resolveTemporalCli({ env: { VODFLOW_TEMPORAL_CLI: path.join(dir, 'nothing') }, built, install }),
    /does not run as a Temporal CLI/,
  );
});

test('with nothing usable, the pinned version is built', () => {
  const built = path.join(dir, 'to-build', 'temporal');
  let builds = 0;
  const chosen = resolveTemporalCli({
    env: { PATH: fake('ancient', '0.9.0') },
    built,
    install: () => {
      builds += 1;
      fake('to-build', '1.5.1');
    },
  });
  assert.equal(builds, 1);
  assert.deepEqual(chosen, { path: built, version: '1.5.1', source: 'built' });
});
