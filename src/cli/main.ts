import { Command } from 'commander';
import { registerDecodeCommand } from './commands/decode';
import { registerDemoCommand } from './commands/demo';
import { registerMnsEmulatorCommand } from './commands/mnsEmulator';
import { registerVodEmulatorCommand } from './commands/vodEmulator';
import { registerPollerCommand } from './commands/poller';
import { registerRunCommand } from './commands/run';
import { registerWorkerCommand } from './commands/worker';

const program = new Command()
  .name('vodflow')
  .description('Reliable ApsaraVideo VOD event pipelines on Temporal.')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: true });

registerDecodeCommand(program);
registerDemoCommand(program);
registerMnsEmulatorCommand(program);
registerVodEmulatorCommand(program);
registerPollerCommand(program);
registerRunCommand(program);
registerWorkerCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`vodflow: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
