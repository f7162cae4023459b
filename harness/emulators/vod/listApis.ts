import { randomBytes } from 'node:crypto';
import { apiErrors } from './errors';
import { snapshotUrl, vodTime } from './events';
import type { VideoPlan } from './plan';
import type { Body, Params } from './readApis';
import { isDeleted, lastModified, videoStatus, type VideoStatus } from './videoState';

/**
 * The two APIs that list videos, as a backfill sweep uses them (docs/VOD-EMULATOR.md):
 * GetVideoList (creation-time window, PageNo/PageSize ≤ 100, only the first 5,000 matches
 * reachable) and SearchMedia (a subset of the search protocol's Match, paging to 5,000, and
 * ScrollToken traversal beyond). Both answer from the simulated videos at the call's time.
 */
export interface ListContext {
  now: number;
  videos(): Iterable<VideoPlan>;
}

/** Paging reaches only this many matches (GetVideoList always; SearchMedia without a ScrollToken). */
export const pagingCap = 5_000;
/** With a ScrollToken, SearchMedia traverses up to this many results. */
export const scrollCap = 2_000_000;
/** A ScrollToken moves at most this many records away from its current page. */
export const scrollReach = 100;

const statuses: readonly VideoStatus[] = [
  'Uploading',
  'UploadFail',
  'UploadSucc',
  'Transcoding',
  'TranscodeFail',
  'Checking',
  'Blocked',
  'Normal',
  'ProduceFail',
];

/** `yyyy-MM-ddTHH:mm:ssZ` (UTC), the only form VOD documents for these parameters. */
const utcSecond = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

export function parseUtcSecond(value: string): number | null {
  if (!utcSecond.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && vodTime(ms) === value ? ms : null;
}

function timeParam(params: Params, name: string): number | undefined {
  const raw = params[name];
  if (raw === undefined || raw === '') return undefined;
  const ms = parseUtcSecond(raw);
  if (ms === null) {
    throw apiErrors.invalidParameter(name, 'Expected UTC time in the form yyyy-MM-ddTHH:mm:ssZ.');
  }
  return ms;
}

function pageParam(params: Params, name: string, dflt: number, max: number): number {
  const raw = params[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw apiErrors.invalidParameter(name, `Expected an integer in [1, ${max}].`);
  }
  return n;
}

/** Creation time as the API compares it: whole seconds. */
function createdSecond(plan: VideoPlan): number {
  return Math.floor(plan.createdAt / 1000) * 1000;
}

function byCreation(order: 'Asc' | 'Desc'): (a: VideoPlan, b: VideoPlan) => number {
  const sign = order === 'Asc' ? 1 : -1;
  return (a, b) =>
    sign * (a.createdAt - b.createdAt) || (a.videoId < b.videoId ? -1 : a.videoId > b.videoId ? 1 : 0);
}

function sortParam(raw: string | undefined, name: string): 'Asc' | 'Desc' {
  if (raw === undefined || raw === '' || raw === 'CreationTime:Desc') return 'Desc';
  if (raw === 'CreationTime:Asc') return 'Asc';
  throw apiErrors.invalidParameter(name, 'Expected CreationTime:Desc or CreationTime:Asc.');
}

/** The fields GetVideoList gives each video (the same names GetVideoInfo uses). */
function videoSummary(plan: VideoPlan, now: number): Body {
  const snap = plan.snapshot;
  const snapshotsDone = snap !== null && snap.ok && now >= snap.at;
  return {
    VideoId: plan.videoId,
    Title: plan.title,
    Description: '',
    Status: videoStatus(plan, now),
    CreationTime: vodTime(plan.createdAt),
    ModificationTime: vodTime(lastModified(plan, now)),
    ...(now >= plan.analysisAt && plan.analysisOk ? { Duration: plan.source.duration } : {}),
    ...(now >= plan.uploadAt ? { Size: plan.source.size } : {}),
    ...(snapshotsDone ? { CoverURL: snapshotUrl(snap.regular, snap.coverIndex) } : {}),
    CateId: -1,
    CateName: '',
    Tags: '',
    AppId: plan.appId,
    StorageLocation: `outin-emulator.oss-${plan.regionId}.aliyuncs.com`,
    Snapshots: {
      Snapshot: snapshotsDone
        ? Array.from({ length: snap.count }, (_, i) => snapshotUrl(snap.regular, i + 1))
        : [],
    },
  };
}

function liveVideos(ctx: ListContext): VideoPlan[] {
  return [...ctx.videos()].filter((plan) => !isDeleted(plan, ctx.now));
}

/**
 * GetVideoList: every filter optional; StartTime/EndTime bound CreationTime, both inclusive
 * here (VOD does not say; a sweep that dedupes by id is right either way); Total counts every
 * match while paging stops at the first 5,000: a page beyond them is empty.
 */
export function getVideoList(params: Params, ctx: ListContext): Body {
  const start = timeParam(params, 'StartTime');
  const end = timeParam(params, 'EndTime');
  if (start !== undefined && end !== undefined && end <= start) {
    throw apiErrors.invalidParameter('EndTime', 'The end time must be later than the start time.');
  }
  const pageNo = pageParam(params, 'PageNo', 1, 1_000_000);
  const pageSize = pageParam(params, 'PageSize', 10, 100);
  const order = sortParam(params.SortBy, 'SortBy');
  let wanted: Set<string> | null = null;
  if (params.Status !== undefined && params.Status !== '') {
    const list = params.Status.split(',').map((s) => s.trim());
    const unknown = list.find((s) => !statuses.includes(s as VideoStatus));
    if (unknown !== undefined) throw apiErrors.invalidParameter('Status', `Unknown status ${unknown}.`);
    wanted = new Set(list);
  }
  if (params.CateId !== undefined && params.CateId !== '' && !/^-?\d+$/.test(params.CateId)) {
    throw apiErrors.invalidParameter('CateId', 'Expected an integer.');
  }
  const matches = liveVideos(ctx).filter((plan) => {
    const created = createdSecond(plan);
    if (start !== undefined && created < start) return false;
    if (end !== undefined && created > end) return false;
    if (wanted && !wanted.has(videoStatus(plan, ctx.now))) return false;
    // The emulator files every video under the default category (-1).
    if (params.CateId !== undefined && params.CateId !== '' && Number(params.CateId) !== -1) return false;
    if (
      params.StorageLocation !== undefined &&
      params.StorageLocation !== '' &&
      params.StorageLocation !== `outin-emulator.oss-${plan.regionId}.aliyuncs.com`
    ) {
      return false;
    }
    return true;
  });
  matches.sort(byCreation(order));
  const first = (pageNo - 1) * pageSize;
  const page = first >= pagingCap ? [] : matches.slice(first, Math.min(first + pageSize, pagingCap));
  return {
    Total: matches.length,
    VideoList: { Video: page.map((plan) => videoSummary(plan, ctx.now)) },
  };
}

// ---------------------------------------------------------------------------------------------
// SearchMedia

type Condition =
  | { kind: 'equals'; field: string; value: string }
  | { kind: 'in'; field: string; values: string[] }
  | { kind: 'range'; field: string; from: string; to: string };

/** Fields the emulator searches (the protocol has more: asking for another is InvalidParameter). */
const searchFields: Record<string, 'exact' | 'fuzzy' | 'multi' | 'range'> = {
  VideoId: 'exact',
  MediaId: 'exact',
  Title: 'fuzzy',
  Status: 'multi',
  CateId: 'exact',
  StorageLocation: 'multi',
  AppId: 'exact',
  CreationTime: 'range',
  ModificationTime: 'range',
};

/** Fields `Fields` may ask for in each result's Video object. */
const returnFields = [
  'VideoId',
  'Title',
  'Description',
  'Status',
  'CreationTime',
  'ModificationTime',
  'Duration',
  'Size',
  'CoverURL',
  'CateId',
  'CateName',
  'Tags',
  'AppId',
  'StorageLocation',
];

function invalidMatch(why: string): Error {
  return apiErrors.invalidParameter('Match', why);
}

/**
 * The subset of the media search protocol the emulator understands: conditions joined by
 * `and`, each `Field = 'value'` (exact, or contains for Title), `Field in ('a','b')`, or the
 * range `Field = ('from','to')` (both bounds inclusive here). Anything else is refused.
 */
export function parseMatch(match: string): Condition[] {
  const tokens = match.match(/'[^']*'|"[^"]*"|\(|\)|,|=|[^\s()',="]+/g) ?? [];
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const next = (what: string): string => {
    const token = tokens[i++];
    if (token === undefined) throw invalidMatch(`Expected ${what} at the end.`);
    return token;
  };
  const literal = (token: string): string => (/^(['"]).*\1$/.test(token) ? token.slice(1, -1) : token);
  const list = (): string[] => {
    const values: string[] = [];
    for (;;) {
      values.push(literal(next('a value')));
      const sep = next('"," or ")"');
      if (sep === ')') return values;
      if (sep !== ',') throw invalidMatch(`Unexpected ${sep} in a list.`);
    }
  };
  const conditions: Condition[] = [];
  if (tokens.length === 0) return conditions;
  for (;;) {
    const field = next('a field');
    const kind = searchFields[field];
    if (kind === undefined) throw invalidMatch(`Field ${field} is not searchable here.`);
    const op = next('= or in').toLowerCase();
    if (op === 'in') {
      if (next('(') !== '(') throw invalidMatch('Expected ( after in.');
      conditions.push({ kind: 'in', field, values: list() });
    } else if (op === '=') {
      if (peek() === '(') {
        i += 1;
        const values = list();
        if (kind !== 'range' || values.length !== 2) {
          throw invalidMatch(`A range needs two bounds on a range field, not ${field}.`);
        }
        conditions.push({ kind: 'range', field, from: values[0]!, to: values[1]! });
      } else {
        conditions.push({ kind: 'equals', field, value: literal(next('a value')) });
      }
    } else {
      throw invalidMatch(`Unexpected ${op} after ${field}.`);
    }
    const joiner = peek();
    if (joiner === undefined) return conditions;
    if (joiner.toLowerCase() !== 'and')
      throw invalidMatch(`Only "and" joins conditions here, not ${joiner}.`);
    i += 1;
  }
}

function fieldValue(plan: VideoPlan, field: string, now: number): string {
  switch (field) {
    case 'VideoId':
    case 'MediaId':
      return plan.videoId;
    case 'Title':
      return plan.title;
    case 'Status':
      return videoStatus(plan, now);
    case 'CateId':
      return '-1';
    case 'StorageLocation':
      return `outin-emulator.oss-${plan.regionId}.aliyuncs.com`;
    case 'AppId':
      return plan.appId;
    case 'CreationTime':
      return vodTime(plan.createdAt);
    case 'ModificationTime':
      return vodTime(lastModified(plan, now));
    default:
      return '';
  }
}

function rangeBound(field: string, raw: string): number {
  const ms = parseUtcSecond(raw);
  if (ms === null) throw invalidMatch(`${field} bounds must be UTC times yyyy-MM-ddTHH:mm:ssZ.`);
  return ms;
}

function matches(plan: VideoPlan, conditions: readonly Condition[], now: number): boolean {
  return conditions.every((c) => {
    const value = fieldValue(plan, c.field, now);
    if (c.kind === 'range') {
      const t = Date.parse(value);
      return t >= rangeBound(c.field, c.from) && t <= rangeBound(c.field, c.to);
    }
    const candidates = c.kind === 'in' ? c.values : [c.value];
    return searchFields[c.field] === 'fuzzy'
      ? candidates.some((v) => value.includes(v))
      : candidates.includes(value);
  });
}

interface ScrollSession {
  query: string;
  page: number;
  at: number;
}

/** Scroll sessions of one emulator: token → where the scroll stands. Bounded; old ones expire. */
export class ScrollSessions {
  private readonly sessions = new Map<string, ScrollSession>();
  constructor(private readonly ttlMs = 30 * 60_000) {}

  open(query: string, page: number, now: number): string {
    if (this.sessions.size >= 10_000) {
      for (const [token, s] of this.sessions) if (now - s.at > this.ttlMs) this.sessions.delete(token);
      if (this.sessions.size >= 10_000) this.sessions.delete(this.sessions.keys().next().value as string);
    }
    const token = randomBytes(16).toString('hex').toUpperCase();
    this.sessions.set(token, { query, page, at: now });
    return token;
  }

  get(token: string, now: number): ScrollSession | undefined {
    const session = this.sessions.get(token);
    if (session && now - session.at > this.ttlMs) {
      this.sessions.delete(token);
      return undefined;
    }
    return session;
  }
}

/**
 * SearchMedia for videos. Without a ScrollToken, paging reaches the first 5,000 results (a page
 * beyond them is empty); every answer carries a ScrollToken, and with it a request may move at
 * most 100 records from the token's current page, up to 2,000,000 results in all.
 */
export function searchMedia(params: Params, ctx: ListContext, scrolls: ScrollSessions): Body {
  const searchType =
    params.SearchType === undefined || params.SearchType === '' ? 'video' : params.SearchType;
  if (!['video', 'audio', 'image', 'attached'].includes(searchType)) {
    throw apiErrors.invalidParameter('SearchType', 'Expected video, audio, image or attached.');
  }
  const pageNo = pageParam(params, 'PageNo', 1, 1_000_000);
  const pageSize = pageParam(params, 'PageSize', 10, 100);
  const order = sortParam(params.SortBy ?? params.Sort, params.SortBy !== undefined ? 'SortBy' : 'Sort');
  const conditions = parseMatch(params.Match ?? '');
  const fields = (params.Fields ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  const unknownField = fields.find((f) => !returnFields.includes(f));
  if (unknownField !== undefined)
    throw apiErrors.invalidParameter('Fields', `Unknown field ${unknownField}.`);
  const query = JSON.stringify([searchType, params.Match ?? '', order]);

  const first = (pageNo - 1) * pageSize;
  let token: string;
  let reachable = pagingCap;
  const scrollToken = params.ScrollToken;
  if (scrollToken !== undefined && scrollToken !== '') {
    const session = scrolls.get(scrollToken, ctx.now);
    if (!session || session.query !== query) {
      throw apiErrors.invalidParameter(
        'ScrollToken',
        'The scroll token is unknown, expired or of another query.',
      );
    }
    if (Math.abs(pageNo - session.page) * pageSize > scrollReach) {
      throw apiErrors.invalidParameter(
        'PageNo',
        `With a ScrollToken a page may be at most ${scrollReach} records from the current one.`,
      );
    }
    session.page = pageNo;
    session.at = ctx.now;
    token = scrollToken;
    reachable = scrollCap;
  } else {
    token = scrolls.open(query, pageNo, ctx.now);
  }

  // The emulator holds videos only: other media types find nothing.
  const found =
    searchType === 'video' ? liveVideos(ctx).filter((plan) => matches(plan, conditions, ctx.now)) : [];
  found.sort(byCreation(order));
  const page = first >= reachable ? [] : found.slice(first, Math.min(first + pageSize, reachable));
  return {
    Total: found.length,
    ScrollToken: token,
    MediaList: page.map((plan) => {
      const summary = videoSummary(plan, ctx.now);
      return {
        MediaId: plan.videoId,
        MediaType: 'video',
        CreationTime: vodTime(plan.createdAt),
        ...(fields.length > 0
          ? {
              Video: Object.fromEntries(
                ['VideoId', ...fields.filter((f) => f !== 'VideoId')]
                  .filter((f) => summary[f] !== undefined)
                  .map((f) => [f, summary[f]]),
              ),
            }
          : {}),
      };
    }),
  };
}
