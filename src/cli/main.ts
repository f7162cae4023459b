import { Command } from 'commander';
import { registerDecodeCommand } from './commands/decode';
import { registerDemoCommand } from './commands/demo';
import { registerDevCommand } from './commands/dev';
import { registerDoctorCommand } from './commands/doctor';
import { registerMnsEmulatorCommand } from './commands/mnsEmulator';
import { registerPollerCommand } from './commands/poller';
import { registerRunCommand } from './commands/run';
import { registerSetupCommand } from './commands/setup';
import { registerSimulateCommand } from './commands/simulate';
import { registerVodEmulatorCommand } from './commands/vodEmulator';
import { registerWorkerCommand } from './commands/worker';

const program = new Command()
  .name('vodflow')
  .description('Reliable ApsaraVideo VOD event pipelines on Temporal.')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: true });

registerDecodeCommand(program);
registerDemoCommand(program);
registerDevCommand(program);
registerDoctorCommand(program);
registerMnsEmulatorCommand(program);
registerPollerCommand(program);
registerRunCommand(program);
registerSetupCommand(program);
registerSimulateCommand(program);
registerVodEmulatorCommand(program);
registerWorkerCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`vodflow: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
