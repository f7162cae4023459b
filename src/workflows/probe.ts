import { proxyActivities } from '@temporalio/workflow';
import type * as probeActivities from '../activities/probe';

const { describeWorker } = proxyActivities<typeof probeActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});

export interface ProbeResult {
  greeting: string;
  workerHost: string;
}

/**
 * A round trip through server, worker and an activity. The smoke test and
 * `vodflow doctor` use it to prove that a worker is polling the task queue.
 */
export async function probeWorkflow(name: string): Promise<ProbeResult> {
  const worker = await describeWorker();
  return { greeting: `hello, ${name}`, workerHost: worker.host };
}
