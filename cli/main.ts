import { Command } from 'commander';
import { redactUrlsIn } from '../src/http';

type Register = (program: Command) => void;

/**
 * Each command's module is loaded only when that command runs: the poller then never
 * loads the worker SDK, the emulators or webpack, which keeps its memory small. Help
 * and unknown commands load them all, so `--help` lists everything.
 */
const commands: Record<string, () => Promise<Register>> = {
  backfill: async () => (await import('./commands/backfill')).registerBackfillCommand,
  cancel: async () => (await import('./commands/cancel')).registerCancelCommand,
  decode: async () => (await import('./commands/decode')).registerDecodeCommand,
  demo: async () => (await import('./commands/demo')).registerDemoCommand,
  dev: async () => (await import('./commands/dev')).registerDevCommand,
  doctor: async () => (await import('./commands/doctor')).registerDoctorCommand,
  ingress: async () => (await import('./commands/ingress')).registerIngressCommand,
  list: async () => (await import('./commands/list')).registerListCommand,
  'mns-emulator': async () => (await import('./commands/mnsEmulator')).registerMnsEmulatorCommand,
  poller: async () => (await import('./commands/poller')).registerPollerCommand,
  redrive: async () => (await import('./commands/redrive')).registerRedriveCommand,
  rerun: async () => (await import('./commands/rerun')).registerRerunCommand,
  review: async () => (await import('./commands/review')).registerReviewCommand,
  run: async () => (await import('./commands/run')).registerRunCommand,
  setup: async () => (await import('./commands/setup')).registerSetupCommand,
  simulate: async () => (await import('./commands/simulate')).registerSimulateCommand,
  status: async () => (await import('./commands/status')).registerStatusCommand,
  'vod-emulator': async () => (await import('./commands/vodEmulator')).registerVodEmulatorCommand,
  worker: async () => (await import('./commands/worker')).registerWorkerCommand,
};

async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('vodflow')
    .description('Reliable ApsaraVideo VOD event pipelines on Temporal.')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  const requested = argv[2];
  const names = requested !== undefined && requested in commands ? [requested] : Object.keys(commands);
  for (const name of names) (await commands[name]!())(program);
  await program.parseAsync(argv);
}

main(process.argv).catch((err: unknown) => {
  console.error(`vodflow: ${redactUrlsIn(err instanceof Error ? err.message : String(err))}`);
  process.exit(1);
});
