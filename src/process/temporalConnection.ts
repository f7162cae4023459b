import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { VodflowConfig } from '../config';

/** The same TLS/API-key settings serve the client and (via the worker) the native connection. */
export function temporalTls(config: VodflowConfig['temporal']): TLSConfig | undefined {
  const tls = config.tls;
  if (!tls) return undefined;
  return {
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    ...(tls.serverCaCertPath ? { serverRootCACertificate: readFileSync(tls.serverCaCertPath) } : {}),
    ...(tls.clientCertPath && tls.clientKeyPath
      ? { clientCertPair: { crt: readFileSync(tls.clientCertPath), key: readFileSync(tls.clientKeyPath) } }
      : {}),
  };
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

export async function connectTemporal(config: VodflowConfig['temporal']): Promise<TemporalClientBundle> {
  const tls = temporalTls(config);
  const connection = await Connection.connect({
    address: config.address,
    ...(tls ? { tls } : {}),
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
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
