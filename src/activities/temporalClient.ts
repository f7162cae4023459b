import type { Client } from '@temporalio/client';
import type { VodflowConfig } from '../config';
import { connectTemporal, type TemporalClientBundle } from '../temporal/connection';

/**
 * A Temporal client for activities that start or inspect workflows (the backfill sweep),
 * built from the worker's own settings on first use and closed with the worker. The SDK's
 * activity-context client rides on the worker's native connection, which the SDK still
 * calls experimental; this one is the same client the poller and the CLI use.
 */
export interface TemporalClientSource {
  client(): Promise<Client>;
  close(): Promise<void>;
}

export function lazyTemporalClient(config: VodflowConfig['temporal']): TemporalClientSource {
  let bundle: Promise<TemporalClientBundle> | null = null;
  return {
    async client() {
      bundle ??= connectTemporal(config).catch((err: unknown) => {
        bundle = null; // the next attempt connects again
        throw err;
      });
      return (await bundle).client;
    },
    async close() {
      const opened = await bundle?.catch(() => null);
      bundle = null;
      await opened?.close();
    },
  };
}
