/**
 * Every scenario gets its own dev server on a fresh SQLite file (WAL, synchronous=OFF, as
 * the tests use), so no scenario pays for the history another one wrote.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTemporalDevServer, type TemporalDevServer } from '../harness/stack/temporalDevServer';

export const devServerDescription =
  'temporal server start-dev (CLI v1.5.1), fresh SQLite file per scenario, journal_mode=WAL, synchronous=OFF';

export async function withFreshDevServer<T>(run: (server: TemporalDevServer) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vodflow-bench-'));
  const server = await startTemporalDevServer({ dbFile: path.join(dir, 'temporal.db'), synchronous: 'OFF' });
  const kill = () => server.process.kill('SIGKILL');
  process.once('exit', kill);
  try {
    return await run(server);
  } finally {
    await server.stop();
    process.removeListener('exit', kill);
    await rm(dir, { recursive: true, force: true });
  }
}
