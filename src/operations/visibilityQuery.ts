/**
 * Temporal visibility queries for videos, built from filters. Every value is checked against
 * what it can legitimately be (a status from the list, a region id, …) and then quoted with
 * its quotes and backslashes escaped, so no value can change the query's shape.
 */
import { pipelineStatuses, videoPipelineWorkflowType, type PipelineStatus } from '../shared/definitions';
import { stageNames } from '../shared/pipelineOptions';
import { VodBackfilled, VodRegion, VodStage, VodStatus } from '../shared/searchAttributes';

/** The values VodStage takes (src/workflows/inspection.ts). */
export const vodStages: readonly string[] = [...stageNames, 'post-processing', 'review', 'done'];

export class QueryFilterError extends Error {
  override readonly name = 'QueryFilterError';
}

export interface VideoFilters {
  statuses?: readonly string[];
  stages?: readonly string[];
  regions?: readonly string[];
  /** Runs started at or after this instant. */
  since?: Date;
  /** Only pipelines a backfill sweep started. */
  backfilled?: boolean;
}

const regionPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Control characters have no place in a search attribute value or a query, and could end a token. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** A string literal of the visibility query language: double-quoted, `\` and `"` escaped. */
export function quoteValue(value: string): string {
  if (hasControlCharacter(value)) throw new QueryFilterError('a query value holds a control character');
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Every videoPipeline run except those that continued as new (their successor stands for the video). */
export const videoRunsQuery = `WorkflowType = ${quoteValue(videoPipelineWorkflowType)} AND ExecutionStatus != "ContinuedAsNew"`;

/** The visibility query for the filters; values outside their domain throw QueryFilterError. */
export function videoListQuery(filters: VideoFilters): string {
  const clauses = [videoRunsQuery];
  const statuses = checked(
    filters.statuses,
    'status',
    (s) => pipelineStatuses.includes(s as PipelineStatus),
    pipelineStatuses,
  );
  const stages = checked(filters.stages, 'stage', (s) => vodStages.includes(s), vodStages);
  const regions = checked(filters.regions, 'region', (s) => regionPattern.test(s));
  if (statuses.length > 0) clauses.push(inClause(VodStatus.name, statuses));
  if (stages.length > 0) clauses.push(inClause(VodStage.name, stages));
  if (regions.length > 0) clauses.push(inClause(VodRegion.name, regions));
  if (filters.since) {
    if (Number.isNaN(filters.since.getTime())) throw new QueryFilterError('--since is not a valid time');
    clauses.push(`StartTime >= ${quoteValue(filters.since.toISOString())}`);
  }
  if (filters.backfilled) clauses.push(`${VodBackfilled.name} = "true"`);
  return clauses.join(' AND ');
}

/**
 * An operator's own query (`rerun --query 'VodStatus = "failed"'`), confined to video runs.
 * It is theirs to write; the parentheses keep an OR in it from escaping the confinement.
 */
export function scopedQuery(userQuery: string): string {
  const query = userQuery.trim();
  if (query === '') throw new QueryFilterError('--query is empty');
  if (hasControlCharacter(query.replace(/[\t\n\r]/g, ' '))) {
    throw new QueryFilterError('--query holds a control character');
  }
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < query.length; i += 1) {
    const c = query[i]!;
    if (quote) {
      if (c === '\\') i += 1;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(') depth += 1;
    else if (c === ')' && --depth < 0) break;
  }
  if (depth !== 0 || quote) throw new QueryFilterError('--query has unbalanced parentheses or quotes');
  return `${videoRunsQuery} AND (${query})`;
}

/** `--since`: a duration back from now (`90s`, `30m`, `2h`, `7d`, `1w`) or an ISO 8601 time. */
export function parseSince(text: string, now: Date = new Date()): Date {
  const trimmed = text.trim();
  const relative = /^(\d{1,6})\s*([smhdw])$/.exec(trimmed);
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[relative[2] as 's'];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  // A date at least: "2026-01-15", "2026-01-15T08:00:00Z", "2026-01-15T16:00:00+08:00".
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)) {
    const at = new Date(trimmed);
    if (!Number.isNaN(at.getTime())) return at;
  }
  throw new QueryFilterError(
    `--since must be a duration such as 30m, 2h or 7d, or an ISO 8601 time (got ${JSON.stringify(text)})`,
  );
}

/** `--status failed,stalled --status waiting` → ['failed', 'stalled', 'waiting']. */
export function listOption(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function checked(
  values: readonly string[] | undefined,
  what: string,
  valid: (value: string) => boolean,
  domain?: readonly string[],
): string[] {
  const list = [...new Set(values ?? [])];
  for (const value of list) {
    if (!valid(value)) {
      throw new QueryFilterError(
        `${JSON.stringify(value)} is not a ${what}${domain ? ` (one of ${domain.join(', ')})` : ''}`,
      );
    }
  }
  return list;
}

function inClause(attribute: string, values: readonly string[]): string {
  return values.length === 1
    ? `${attribute} = ${quoteValue(values[0]!)}`
    : `${attribute} IN (${values.map(quoteValue).join(', ')})`;
}
