import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Repository root, from dist/test/unit/events (compiled) or test/unit/events (source). */
export const repoRoot = path.resolve(
  __dirname,
  __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../..' : '../../..',
);
export const fixtureDir = path.join(repoRoot, 'test/fixtures/events');
export const malformedDir = path.join(fixtureDir, 'malformed');

export function fixtureFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => statSync(path.join(dir, name)).isFile())
    .sort();
}

export function readFixture(dir: string, name: string): string {
  return readFileSync(path.join(dir, name), 'utf8');
}
