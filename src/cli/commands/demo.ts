import type { Command } from 'commander';
import { Client, Connection } from '@temporalio/client';
import { startTemporalDevServer } from '../../stack/temporalDevServer';
import { startWorker } from '../../worker/createWorker';
import { probeWorkflow } from '../../workflows';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Start a throwaway local stack and run a workflow end to end.')
    .action(async () => {
      const server = await startTemporalDevServer();
      try {
        const worker = await startWorker({
          address: server.address,
          namespace: server.namespace,
          taskQueue: 'vodflow-demo',
        });
        try {
          const connection = await Connection.connect({ address: server.address });
          const client = new Client({ connection, namespace: server.namespace });
          const result = await client.workflow.execute(probeWorkflow, {
            taskQueue: 'vodflow-demo',
            workflowId: `probe-${Date.now()}`,
            args: ['vodflow'],
          });
          console.log(JSON.stringify(result));
          await connection.close();
        } finally {
          await worker.shutdown();
        }
      } finally {
        await server.stop();
      }
    });
}
