/**
 * A process that starts a stack (a headless in-memory dev server in the data dir given as its
 * argument), prints `{"temporalPid": N}` on stdout and runs until killed: what the lifecycle
 * tests SIGKILL to see the dev server go with it.
 */
import { startStack } from '../../harness/stack/stack';

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: stackChild DATA_DIR');
  const stack = await startStack({ dataDir, temporal: { mode: 'dev-server', storage: 'memory' } });
  process.stdout.write(`${JSON.stringify({ temporalPid: stack.temporal.pid })}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
