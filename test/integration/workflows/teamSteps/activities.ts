/**
 * A team's activities for the step-graph tests, bound to a recorder the test reads: each
 * call is logged with the moment it started and ended, and two of them meet at a rendezvous
 * that only parallel execution can pass.
 */
import { ApplicationFailure } from '@temporalio/common';

export interface StepCall {
  activity: string;
  mediaId: string;
  key: string;
  startedAt: number;
  endedAt?: number;
}

export interface TeamRecorder {
  calls: StepCall[];
  /** Videos whose archiveSource and moderateThumbnail must be running at the same time (filled by the activities). */
  rendezvous: Map<string, Set<string>>;
}

interface StepInput {
  mediaId: string;
  key: string;
}

export function teamActivities(recorder: TeamRecorder) {
  const record = async <T>(activity: string, input: StepInput, body: () => Promise<T>): Promise<T> => {
    const call: StepCall = { activity, mediaId: input.mediaId, key: input.key, startedAt: Date.now() };
    recorder.calls.push(call);
    try {
      return await body();
    } finally {
      call.endedAt = Date.now();
    }
  };
  /**
   * For the videos a test lists in `rendezvous`: resolves once both parties arrived, which a
   * runner that ran the steps one after the other would never let happen.
   */
  const meet = async (mediaId: string, party: string): Promise<void> => {
    const arrived = recorder.rendezvous.get(mediaId);
    if (!arrived) return;
    arrived.add(party);
    const deadline = Date.now() + 20_000;
    while (arrived.size < 2) {
      if (Date.now() > deadline)
        throw ApplicationFailure.nonRetryable(`${party} ran alone: no parallel step`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return {
    archiveSource: (input: StepInput) =>
      record('archiveSource', input, async () => {
        await meet(input.mediaId, 'archiveSource');
        return { archived: `oss://archive/${input.mediaId}` };
      }),
    moderateThumbnail: (input: StepInput & { cover: string | null }) =>
      record('moderateThumbnail', input, async () => {
        await meet(input.mediaId, 'moderateThumbnail');
        return { verdict: 'clean', cover: input.cover };
      }),
    notifyCms: (input: StepInput & { publication: unknown }) =>
      record('notifyCms', input, async () => ({ notified: true, publication: input.publication })),
    enrich: (input: StepInput) =>
      record('enrich', input, async () => {
        throw ApplicationFailure.nonRetryable('the enrichment service is down');
      }),
    indexEnrichment: (input: StepInput) => record('indexEnrichment', input, async () => ({ indexed: true })),
    transcribe: (input: StepInput) => record('transcribe', input, async () => ({ words: 0 })),
    tagSearchIndex: (input: StepInput) => record('tagSearchIndex', input, async () => ({ tagged: true })),
  };
}

export type TeamActivities = ReturnType<typeof teamActivities>;
