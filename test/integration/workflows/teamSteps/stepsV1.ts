// A team's step module, first version (workflow code: bundled with the video pipeline).
import { defineStep } from '../../../../src/api/workflow';
import type { TeamActivities } from './activities';

export const steps = [
  defineStep<TeamActivities>({
    name: 'archiveSource',
    dependsOn: ['upload'],
    run: (ctx) => ctx.activities.archiveSource({ mediaId: ctx.mediaId, key: ctx.idempotencyKey }),
  }),
  defineStep<TeamActivities>({
    name: 'moderateThumbnail',
    dependsOn: ['snapshot'],
    optional: true,
    run: (ctx) =>
      ctx.activities.moderateThumbnail({
        mediaId: ctx.mediaId,
        key: ctx.idempotencyKey,
        cover: ctx.video.stages.snapshot.coverUrl ?? null,
      }),
  }),
  defineStep<TeamActivities>({
    name: 'notifyCms',
    dependsOn: ['publishVideoReady'],
    run: (ctx) =>
      ctx.activities.notifyCms({
        mediaId: ctx.mediaId,
        key: ctx.idempotencyKey,
        publication: ctx.outputs.publishVideoReady,
      }),
  }),
  defineStep<TeamActivities>({
    name: 'enrich',
    dependsOn: ['upload'],
    optional: true,
    retry: { maximumAttempts: 2, initialInterval: '100 milliseconds' },
    run: (ctx) => ctx.activities.enrich({ mediaId: ctx.mediaId, key: ctx.idempotencyKey }),
  }),
  defineStep<TeamActivities>({
    name: 'indexEnrichment',
    dependsOn: ['enrich'],
    run: (ctx) => ctx.activities.indexEnrichment({ mediaId: ctx.mediaId, key: ctx.idempotencyKey }),
  }),
  defineStep<TeamActivities>({
    name: 'transcribe',
    dependsOn: ['transcode'],
    // Only audio renditions are worth transcribing; the test videos have none.
    when: (ctx) => ctx.video.stages.transcode.streams.some((s) => s.isAudio === true),
    run: (ctx) => ctx.activities.transcribe({ mediaId: ctx.mediaId, key: ctx.idempotencyKey }),
  }),
];
