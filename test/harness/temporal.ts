import { Client, Connection } from '@temporalio/client';
import { startStack, type Stack, type StackSpec, type TemporalSpec } from '../../harness/stack/stack';
import { clientSettingsOf } from '../../harness/stack/temporalClient';
import type { TemporalServer } from '../../harness/stack/temporalDevServer';
import { temporalConnectionOptions, type TemporalConnectionOptions } from '../../src/temporal/connection';

export interface TemporalTestEnv {
  stack: Stack;
  server: TemporalServer;
  connection: Connection;
  client: Client;
  dataDir: string;
  teardown(): Promise<void>;
}

const testPrefix = 'VODFLOW_TEST_';

/**
 * The client settings of the server the tests share, when there is one: every
 * VODFLOW_TEST_TEMPORAL_* variable as the TEMPORAL_* setting it names (VODFLOW_TEST_TEMPORAL_ADDRESS,
 * …_NAMESPACE, …_TLS_CLIENT_CERT_PATH, …). Prefixed so that the settings reach the tests'
 * stacks and nothing else: a test that runs `vodflow` with an environment of its own still
 * gets exactly that environment.
 */
export function sharedTemporalEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> | null {
  if (!env.VODFLOW_TEST_TEMPORAL_ADDRESS?.trim()) return null;
  const clientEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith(`${testPrefix}TEMPORAL_`) && value !== undefined && value.trim() !== '') {
      clientEnv[name.slice(testPrefix.length)] = value.trim();
    }
  }
  return clientEnv;
}

/**
 * Set when the tests run against a server they share (`npm run test:cluster`): tests that stop
 * or restart Temporal themselves skip with this reason, since that server is not theirs.
 */
export const sharedTemporalSkip: string | false = sharedTemporalEnv()
  ? 'runs against a shared Temporal server (VODFLOW_TEST_TEMPORAL_ADDRESS) that this test cannot restart'
  : false;

/**
 * Where the tests' Temporal comes from: a fresh dev server (free port, temporary SQLite file,
 * synchronous=OFF), or, with VODFLOW_TEST_TEMPORAL_ADDRESS set, a server that already runs
 * (a dev server, or the mTLS cluster with VODFLOW_TEST_TEMPORAL_TLS_*: its namespace is
 * registered if missing, its search attributes too; it is never stopped). Tests that restart
 * Temporal get their own, or skip on a shared one (sharedTemporalSkip).
 */
export function testTemporal(): TemporalSpec {
  const shared = sharedTemporalEnv();
  if (!shared) return { mode: 'dev-server', storage: 'file', synchronous: 'OFF' };
  const { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, ...clientEnv } = shared;
  return {
    mode: 'existing',
    address: address!,
    ...(namespace ? { namespace, createNamespace: true } : {}),
    clientEnv,
  };
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

/**
 * What `startWorker` needs to reach the server (address, namespace, and TLS on a cluster),
 * from its TEMPORAL_* settings through the product's translation.
 */
export function workerConnectionTo(server: {
  clientEnv: Record<string, string>;
}): TemporalConnectionOptions & {
  namespace: string;
} {
  const settings = clientSettingsOf(server.clientEnv);
  return { ...temporalConnectionOptions(settings), namespace: settings.namespace };
}
