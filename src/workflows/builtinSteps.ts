/**
 * vodflow's own downstream steps, declared with the same public API a team uses for its
 * steps: fetch the play info once transcoding is done, then publish the "video ready"
 * document to the team's webhook.
 */
import type { VodflowActivities } from '../activities';
import { defineStep, type StepDefinition } from './stepDefinition';
import { videoReadyDocument } from './videoReadyDocument';

export const fetchPlayInfoStep = defineStep<VodflowActivities>({
  name: 'fetchPlayInfo',
  dependsOn: ['transcode'],
  // Without transcoding there are no streams to ask for.
  when: (ctx) => ctx.options.requiredStages.includes('transcode'),
  timeout: '30 seconds',
  // One short VOD read: a local activity saves an activity task and a workflow task on the way
  // to the webhook (docs/BENCHMARKS.md, "Video ready: where the time goes").
  local: true,
  // GetPlayInfo answers Forbidden.IllegalStatus for a short while after a transcode. The
  // first retries come quickly, because that window is usually well under a second and every
  // wait here delays the video-ready webhook; doubling from 250 ms to 30 s over 13 attempts
  // still covers about three minutes. Non-retryable VOD codes (NotFound, …) stop at once.
  // Only a new schedule: the retry policy is not part of what replay compares.
  retry: {
    initialInterval: '250 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 13,
  },
  run: (ctx) => ctx.activities.fetchPlayInfo({ mediaId: ctx.mediaId, region: ctx.region }),
});

export const publishVideoReadyStep = defineStep<VodflowActivities>({
  name: 'publishVideoReady',
  dependsOn: ['upload', 'transcode', 'snapshot', 'fetchPlayInfo'],
  timeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 12,
    nonRetryableErrorTypes: ['WebhookRejected'],
  },
  run: (ctx) =>
    ctx.activities.publishVideoReady({
      idempotencyKey: ctx.idempotencyKey,
      document: videoReadyDocument(ctx),
    }),
});

export const builtinSteps: readonly StepDefinition[] = [fetchPlayInfoStep, publishVideoReadyStep];

/**
 * Steps that ran before steps were patch-gated (stepRunner.ts): recorded histories start them
 * without a marker, so they are never gated.
 */
export const builtinStepNames: ReadonlySet<string> = new Set(builtinSteps.map((s) => s.name));
