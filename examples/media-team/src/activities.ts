/**
 * Our activities: the I/O behind our steps. Their settings are ours (CMS_URL, …), read from
 * the environment of whichever worker runs them.
 */
import { ApplicationFailure } from '@temporalio/common';

export interface CmsNotice {
  videoId: string;
  /** The same on every retry: the CMS deduplicates by it. */
  idempotencyKey: string;
  publication: unknown;
}

/** Tells our CMS the video is live. Idempotent: the CMS keys on idempotencyKey. */
export async function notifyCms(notice: CmsNotice): Promise<{ status: number }> {
  const url = process.env.CMS_URL;
  if (!url) return { status: 0 };
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': notice.idempotencyKey },
    body: JSON.stringify(notice),
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  await response.body?.cancel();
  if (response.status >= 500 || response.status === 429) {
    throw ApplicationFailure.retryable(`CMS answered ${response.status}`, 'CmsUnavailable');
  }
  if (!response.ok) {
    throw ApplicationFailure.nonRetryable(`CMS refused the notice with ${response.status}`, 'CmsRejected');
  }
  return { status: response.status };
}

/** A stand-in for a moderation service: refuses covers that are not served over http(s). */
export async function moderateThumbnail(input: {
  videoId: string;
  coverUrl: string | null;
}): Promise<{ verdict: 'clean' | 'missing' | 'suspicious' }> {
  if (!input.coverUrl) return { verdict: 'missing' };
  return { verdict: /^https?:\/\//.test(input.coverUrl) ? 'clean' : 'suspicious' };
}
