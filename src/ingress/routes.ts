/**
 * Where each region's callbacks arrive. VOD's callback settings are per region, and an HTTP
 * callback says nothing about the region it comes from, so the URL carries it:
 * VODFLOW_CALLBACK_URL (e.g. https://hooks.example.com/vod/events) is the default region's,
 * the first region of VODFLOW_QUEUES; `<that URL>/<region>` is any configured region's, the
 * default one included. Each region's dead letters go to that region's dead-letter queue.
 */
import type { QueueSpec } from '../config/queueSpec';

export interface CallbackRoute {
  region: string;
  /** The request path this route answers (the signed URL's path). */
  path: string;
  /** The URL VOD has as CallbackURL for this route: part of the signature. */
  callbackUrl: string;
  /** The region's queue: its dead-letter queue takes the route's invalid bodies. */
  queue: QueueSpec;
}

/** VOD stores at most 256 bytes of CallbackURL. */
export const maxCallbackUrlBytes = 256;

/** The URL `setup` gives VOD for a region: the configured one for the default region. */
export function callbackUrlFor(callbackUrl: string, region: string, defaultRegion: string): string {
  return region === defaultRegion ? callbackUrl : regionalUrl(callbackUrl, region);
}

function regionalUrl(callbackUrl: string, region: string): string {
  return `${callbackUrl.replace(/\/+$/, '')}/${region}`;
}

/** Every route, the default region's plain URL first; one per region (its first queue). */
export function callbackRoutes(callbackUrl: string, queues: readonly QueueSpec[]): CallbackRoute[] {
  const first = queues[0];
  if (first === undefined) return [];
  const routes: CallbackRoute[] = [
    { region: first.region, path: pathOf(callbackUrl), callbackUrl, queue: first },
  ];
  const seen = new Set<string>();
  for (const queue of queues) {
    if (seen.has(queue.region)) continue;
    seen.add(queue.region);
    const url = regionalUrl(callbackUrl, queue.region);
    routes.push({ region: queue.region, path: pathOf(url), callbackUrl: url, queue });
  }
  return routes;
}

/** The path as a server sees it in the request target (percent-encoding kept). */
export function pathOf(url: string): string {
  return new URL(url).pathname;
}

/** Why a VODFLOW_CALLBACK_URL cannot be used, or null. */
export function callbackUrlProblem(callbackUrl: string, regions: readonly string[]): string | null {
  const url = new URL(callbackUrl);
  if (url.search !== '' || url.hash !== '') return 'must not have a query or fragment';
  const longest = Math.max(
    Buffer.byteLength(callbackUrl),
    ...regions.map((r) => Buffer.byteLength(regionalUrl(callbackUrl, r))),
  );
  if (longest > maxCallbackUrlBytes) {
    return `is too long: VOD keeps at most ${maxCallbackUrlBytes} bytes of a callback URL (with "/<region>" appended for other regions)`;
  }
  return null;
}
