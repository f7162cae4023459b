/**
 * Our own worker process: vodflow's pipeline with our steps, through the vodflow plugin.
 * vodflow's own settings (VOD credentials, webhook, TEMPORAL_*) come from the environment,
 * as for `vodflow worker`.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { vodflowPlugin } from 'vodflow';
import * as activities from './activities';

async function main(): Promise<void> {
  const connection = await NativeConnection.connect({
    address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  });
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: process.env.VODFLOW_TASK_QUEUE ?? 'vodflow',
    plugins: [vodflowPlugin({ steps: require.resolve('./steps'), activities })],
  });
  console.log('media-team worker running');
  await worker.run();
  await connection.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
