import { Client, Connection } from '@temporalio/client';
import { startStack, type Stack, type StackSpec, type TemporalSpec } from '../../harness/stack/stack';
import type { TemporalServer } from '../../harness/stack/temporalDevServer';

export interface TemporalTestEnv {
  stack: Stack;
  server: TemporalServer;
  connection: Connection;
  client: Client;
  dataDir: string;
  teardown(): Promise<void>;
}

/**
 * Where the tests' Temporal comes from: a fresh dev server (free port, temporary SQLite file,
 * synchronous=OFF), or, with VODFLOW_TEST_TEMPORAL_ADDRESS set, a server that already runs
 * (its search attributes are registered, it is never stopped). Tests that restart Temporal
 * always get their own.
 */
export function testTemporal(): TemporalSpec {
  const existing = process.env.VODFLOW_TEST_TEMPORAL_ADDRESS?.trim();
  return existing
    ? { mode: 'existing', address: existing }
    : { mode: 'dev-server', storage: 'file', synchronous: 'OFF' };
}

/**
 * A stack for a test file, Temporal included, plus a client on it. Call teardown() from
 * `after`, which node:test runs even when tests fail; the dev server dies with this process
 * in any case.
 */
export async function startTemporalTestEnv(spec: Omit<StackSpec, 'temporal'> = {}): Promise<TemporalTestEnv> {
  const stack = await startStack({ temporal: testTemporal(), ...spec });
  try {
    const { connection, client } = await stack.temporalClient();
    return {
      stack,
      server: stack.temporal,
      connection,
      client,
      dataDir: stack.dataDir,
      teardown: () => stack.stop(),
    };
  } catch (err) {
    await stack.stop();
    throw err;
  }
}

let counter = 0;
/** Unique per test, so tests sharing one server never see each other's tasks. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}
