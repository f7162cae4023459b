// Workflows for test/cluster/cluster.test.ts, bundled by the test's worker.
import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';

export interface ClusterActivities {
  greet(name: string): Promise<string>;
}

const { greet } = proxyActivities<ClusterActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '2 seconds' },
});

/** One activity, one result: a server that ran this wrote a real history. */
export async function clusterGreeting(name: string): Promise<string> {
  return await greet(name);
}

export const releaseSignal = defineSignal<[string]>('release');

/** Waits for a signal, so it is in flight while the test kills and restarts services. */
export async function clusterWaitForRelease(name: string): Promise<string> {
  let releasedBy: string | undefined;
  setHandler(releaseSignal, (by) => {
    releasedBy = by;
  });
  await condition(() => releasedBy !== undefined);
  return `${await greet(name)} (released by ${releasedBy ?? '?'})`;
}
