// The same team's step module, next version, deployed while V1 videos are in flight: the list
// is reordered, archiveSource is being removed (retired), tagSearchIndex is new.
import { defineStep } from '../../../../src/api/workflow';
import type { TeamActivities } from './activities';
import { steps as v1 } from './stepsV1';

const byName = (name: string) => v1.find((s) => s.name === name)!;

export const steps = [
  defineStep<TeamActivities>({
    name: 'tagSearchIndex',
    dependsOn: ['notifyCms'],
    run: (ctx) => ctx.activities.tagSearchIndex({ mediaId: ctx.mediaId, key: ctx.idempotencyKey }),
  }),
  byName('transcribe'),
  byName('notifyCms'),
  { ...byName('archiveSource'), retired: true },
  byName('indexEnrichment'),
  byName('moderateThumbnail'),
  byName('enrich'),
];
