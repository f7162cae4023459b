import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startTemporalDevServer, type TemporalDevServer } from '../../harness/stack/temporalDevServer';

export interface TemporalTestEnv {
  server: TemporalDevServer;
  connection: Connection;
  client: Client;
  dataDir: string;
  teardown(): Promise<void>;
}

/**
 * A real dev server on free ports with a temporary SQLite file and vodflow's search
 * attributes. Call teardown() from `after`, which node:test runs even when tests fail;
 * the server child is also killed if this process exits.
 */
export async function startTemporalTestEnv(): Promise<TemporalTestEnv> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'vodflow-temporal-'));
  const server = await startTemporalDevServer({
    dbFile: path.join(dataDir, 'temporal.db'),
    synchronous: 'OFF',
  });
  const killOnExit = () => server.process.kill('SIGKILL');
  process.once('exit', killOnExit);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace });
  return {
    server,
    connection,
    client,
    dataDir,
    async teardown() {
      await connection.close();
      await server.stop();
      process.removeListener('exit', killOnExit);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
/** Unique per test, so tests sharing one server never see each other's tasks. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}
