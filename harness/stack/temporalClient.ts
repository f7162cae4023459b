/**
 * How the harness reaches a Temporal server: from the same TEMPORAL_* settings a vodflow
 * process gets, through the product's own translation (envconfig), so a cluster with mTLS is
 * reached by the tests, the bench and the chaos checker exactly as by the poller and worker.
 */
import { Client, Connection } from '@temporalio/client';
import { resolveTemporalClient, type TemporalClientSettings } from '../../src/config/temporalClient';
import { temporalConnectionOptions } from '../../src/temporal/connection';

/** TEMPORAL_* variables (address, namespace, TLS, API key) as a process's environment holds them. */
export type TemporalClientEnv = Record<string, string>;

/** The settings those variables stand for; a problem is a harness bug, so it throws. */
export function clientSettingsOf(env: TemporalClientEnv): TemporalClientSettings {
  const problems: string[] = [];
  // No HOME: a developer's own ~/.config/temporalio/temporal.toml must not steer the harness.
  const settings = resolveTemporalClient(
    Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('TEMPORAL_'))),
    (name, message) => problems.push(`${name} ${message}`),
  );
  if (problems.length > 0) throw new Error(`Temporal client settings: ${problems.join('; ')}`);
  return settings;
}

export async function connectWith(env: TemporalClientEnv, connectTimeoutMs = 10_000): Promise<Connection> {
  return Connection.connect({
    ...temporalConnectionOptions(clientSettingsOf(env)),
    connectTimeout: connectTimeoutMs,
  });
}

export async function clientWith(
  env: TemporalClientEnv,
  connectTimeoutMs?: number,
): Promise<{ connection: Connection; client: Client }> {
  const connection = await connectWith(env, connectTimeoutMs);
  return { connection, client: new Client({ connection, namespace: clientSettingsOf(env).namespace }) };
}
