/**
 * The consumer a team writes from the MNS docs' sample: one loop, receive one message (long
 * poll), signalWithStart, delete, repeat. Same decode, same signal options and deadline as
 * the poller, so the difference measured is the loop's shape, not its payload. Runs as its
 * own process (like the poller) and stops on SIGTERM.
 *
 * Env: BENCH_MNS_ENDPOINT, BENCH_MNS_QUEUE, ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET,
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, VODFLOW_TASK_QUEUE.
 */
import { Client, Connection } from '@temporalio/client';
import { decode } from '../src/events';
import { classifyMnsError, createMnsClient } from '../src/mns/client';
import {
  videoPipelineWorkflowType,
  videoWorkflowId,
  vodEventSignal,
  type VideoEventDelivery,
} from '../src/shared/definitions';
import { benchRegion } from './deliveries';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`naive consumer: ${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const queue = required('BENCH_MNS_QUEUE');
  const mns = createMnsClient({
    endpoint: required('BENCH_MNS_ENDPOINT'),
    accessKeyId: required('ALIBABA_CLOUD_ACCESS_KEY_ID'),
    accessKeySecret: required('ALIBABA_CLOUD_ACCESS_KEY_SECRET'),
  });
  const connection = await Connection.connect({
    address: required('TEMPORAL_ADDRESS'),
    connectTimeout: 10_000,
  });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  const taskQueue = process.env.VODFLOW_TASK_QUEUE ?? 'vodflow';
  let stopping = false;
  process.once('SIGTERM', () => {
    stopping = true;
  });
  while (!stopping) {
    let message;
    try {
      message = (await mns.receiveMessage(queue, 1)).body;
    } catch (err) {
      if (classifyMnsError(err).kind === 'message-not-exist') continue;
      throw err;
    }
    const decoded = decode(message.MessageBody);
    if (decoded.ok && decoded.event.mediaId !== null) {
      const delivery: VideoEventDelivery = {
        event: decoded.event,
        region: benchRegion,
        messageId: message.MessageId,
      };
      await client.withDeadline(Date.now() + 10_000, () =>
        client.workflow.signalWithStart(videoPipelineWorkflowType, {
          workflowId: videoWorkflowId(decoded.event.mediaId!),
          taskQueue,
          args: [{ mediaId: decoded.event.mediaId!, region: benchRegion }],
          signal: vodEventSignal,
          signalArgs: [delivery],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      );
    }
    await mns.deleteMessage(queue, message.ReceiptHandle);
  }
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(`naive consumer: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
