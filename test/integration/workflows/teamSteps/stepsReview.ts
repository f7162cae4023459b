// A team's review gates in front of the built-in publication.
import { defineReviewGate } from '../../../../src/api/workflow';

export const steps = [
  defineReviewGate({
    name: 'contentReview',
    dependsOn: ['snapshot'],
    before: ['publishVideoReady'],
    when: (ctx) => !ctx.mediaId.startsWith('quick'),
    timeout: '1 hour',
    onTimeout: 'reject',
  }),
  defineReviewGate({
    name: 'quickReview',
    dependsOn: ['upload'],
    before: ['publishVideoReady'],
    when: (ctx) => ctx.mediaId.startsWith('quick'),
    timeout: '2 seconds',
    onTimeout: 'approve',
  }),
];
