/**
 * Our steps on top of vodflow's pipeline (workflow code: deterministic, no I/O here).
 *
 *   upload ─▶ contentReview ─┐
 *                            ├─▶ publishVideoReady (vodflow) ─▶ notifyCms
 *   transcode ─▶ fetchPlayInfo (vodflow) ─┘
 *   snapshot ─▶ moderateThumbnail   (in parallel with review and publishing)
 */
import { defineReviewGate, defineStep } from 'vodflow/workflow';
import type * as activities from './activities';

type Activities = typeof activities;

export const steps = [
  // An editor approves every video before it is announced (`vodflow review VIDEO --approve`).
  defineReviewGate({
    name: 'contentReview',
    dependsOn: ['upload'],
    before: ['publishVideoReady'],
    timeout: '2 days',
    onTimeout: 'reject',
  }),
  // Checking the cover must not hold the video back: optional, and nothing waits for it.
  defineStep<Activities>({
    name: 'moderateThumbnail',
    dependsOn: ['snapshot'],
    optional: true,
    timeout: '30 seconds',
    run: (ctx) =>
      ctx.activities.moderateThumbnail({
        videoId: ctx.mediaId,
        coverUrl: ctx.video.stages.snapshot.coverUrl ?? null,
      }),
  }),
  defineStep<Activities>({
    name: 'notifyCms',
    dependsOn: ['publishVideoReady'],
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 20 },
    run: (ctx) =>
      ctx.activities.notifyCms({
        videoId: ctx.mediaId,
        idempotencyKey: ctx.idempotencyKey,
        publication: ctx.outputs.publishVideoReady ?? null,
      }),
  }),
];
