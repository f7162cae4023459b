import type { Command } from 'commander';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { connectTemporal } from '../../src/temporal/connection';
import { reviewDecisionUpdate, videoWorkflowId } from '../../src/shared/definitions';
import { configOrExit } from './lifecycle';

interface ReviewFlags {
  approve?: boolean;
  reject?: boolean;
  reason?: string;
  step?: string;
  reviewer?: string;
  config?: string;
}

/** Exit codes: 0 decided, 1 no review pending (or the video is unknown), 2 bad flags or settings. */
export function registerReviewCommand(program: Command): void {
  program
    .command('review')
    .description('Approve or reject a video waiting at a review gate.')
    .argument('<video>', 'the video id (VOD VideoId)')
    .option('--approve', 'let the pipeline continue')
    .option('--reject', 'stop the pipeline: the video ends rejected')
    .option('--reason <text>', 'why (required with --reject)')
    .option('--step <name>', 'the review gate, when several are pending')
    .option('--reviewer <name>', 'who decided (recorded in the history)', process.env.USER ?? 'vodflow-cli')
    .option('-c, --config <file>', 'JSON config file (environment variables override it)')
    .action(async (video: string, flags: ReviewFlags) => {
      if (flags.approve === flags.reject) fail('give exactly one of --approve or --reject');
      if (flags.reject && !flags.reason?.trim()) fail('--reject needs --reason');
      const config = configOrExit('operator', flags.config);
      const temporal = await connectTemporal(config.temporal);
      try {
        const outcome = await temporal.client.workflow
          .getHandle(videoWorkflowId(video))
          .executeUpdate(reviewDecisionUpdate, {
            args: [
              {
                approve: flags.approve === true,
                ...(flags.reason ? { reason: flags.reason } : {}),
                ...(flags.step ? { step: flags.step } : {}),
                ...(flags.reviewer ? { reviewer: flags.reviewer } : {}),
              },
            ],
          });
        console.log(`${video}: ${outcome.step} ${outcome.approved ? 'approved' : 'rejected'}`);
      } catch (err) {
        const message =
          err instanceof WorkflowUpdateFailedError ? (err.cause?.message ?? err.message) : String(err);
        console.error(`vodflow review: ${video}: ${message}`);
        process.exitCode = 1;
      } finally {
        await temporal.close();
      }
    });
}

function fail(message: string): never {
  console.error(`vodflow review: ${message}`);
  process.exit(2);
}
