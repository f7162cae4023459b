import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// The Web UI filters on these. They must be registered on the server before a
// workflow sets them: the dev server launcher does it at start, and docs/PRODUCTION.md
// says how to do it on a real cluster.
export const VideoId = defineSearchAttributeKey('VideoId', SearchAttributeType.KEYWORD);
export const VodStage = defineSearchAttributeKey('VodStage', SearchAttributeType.KEYWORD);
export const VodStatus = defineSearchAttributeKey('VodStatus', SearchAttributeType.KEYWORD);
export const VodRegion = defineSearchAttributeKey('VodRegion', SearchAttributeType.KEYWORD);

/** "true" on pipelines a backfill sweep started for a video none of whose events arrived. */
export const VodBackfilled = defineSearchAttributeKey('VodBackfilled', SearchAttributeType.KEYWORD);

export const vodflowSearchAttributes = [VideoId, VodStage, VodStatus, VodRegion, VodBackfilled] as const;
