/**
 * The connection to Temporal every part of vodflow opens (poller, worker, ingress, the
 * activities' own client, the CLI): from the configuration's Temporal settings, through
 * envconfig. A leaf, so activities and commands need not import process assembly for it.
 */
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { toClientOptions } from '@temporalio/envconfig';
import type { VodflowConfig } from '../config';
import { toClientConfigProfile, type TemporalClientSettings } from '../config/temporalClient';

/**
 * What a client Connection and the worker's NativeConnection are opened with: envconfig's
 * own translation of the profile (TLS, API key, gRPC metadata, address), so vodflow connects
 * exactly as any Temporal client given the same TOML profile and TEMPORAL_* variables would.
 */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
}

export function temporalConnectionOptions(settings: TemporalClientSettings): TemporalConnectionOptions {
  const { connectionOptions } = toClientOptions(toClientConfigProfile(settings));
  return {
    address: settings.address,
    ...(connectionOptions.tls !== undefined && connectionOptions.tls !== null
      ? { tls: connectionOptions.tls }
      : {}),
    ...(connectionOptions.apiKey !== undefined && typeof connectionOptions.apiKey === 'string'
      ? { apiKey: connectionOptions.apiKey }
      : {}),
    // The same headers envconfig puts in connectionOptions.metadata, kept as strings.
    ...(settings.grpcMeta ? { metadata: settings.grpcMeta } : {}),
  };
}

/** The TLS part alone (undefined: plain TCP); kept for callers that build their own connection. */
export function temporalTls(config: TemporalClientSettings): TLSConfig | undefined {
  const tls = temporalConnectionOptions(config).tls;
  if (tls === undefined || tls === false) return undefined;
  return tls === true ? {} : tls;
}

export interface TemporalClientBundle {
  connection: Connection;
  client: Client;
  /** A health RPC under a short deadline: the circuit breaker's probe and /readyz's check. */
  probe(): Promise<void>;
  close(): Promise<void>;
}

// grpc.health.v1 ServingStatus.SERVING
const serving = 1;

export async function connectTemporal(
  config: VodflowConfig['temporal'] | TemporalClientSettings,
): Promise<TemporalClientBundle> {
  const connection = await Connection.connect({
    ...temporalConnectionOptions(config),
    connectTimeout: '10s',
  });
  const client = new Client({ connection, namespace: config.namespace });
  return {
    connection,
    client,
    async probe() {
      const response = await connection.withDeadline(Date.now() + 3_000, () =>
        connection.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' }),
      );
      if (response.status !== serving) throw new Error(`Temporal health status ${String(response.status)}`);
    },
    close: () => connection.close(),
  };
}
