import path from 'node:path';

// dist/harness/stack/paths.js → repository root. Compiled and source layouts differ by one
// "dist" level, so resolve from the nearest package.json instead of counting.
function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const pkg = require(candidate) as { name?: string };
      if (pkg.name === 'vodflow') return dir;
    } catch {
      // keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`vodflow: cannot find the repository root above ${start}`);
    dir = parent;
  }
}

export const repoRoot = findRoot(__dirname);
export const temporalBinary =
  process.env.VODFLOW_TEMPORAL_BIN ?? path.join(repoRoot, '.tools', 'bin', 'temporal');
export const installTemporalScript = path.join(repoRoot, 'scripts', 'install-temporal');
