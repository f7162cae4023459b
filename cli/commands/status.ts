import type { Command } from 'commander';
import { fanOut } from '../../src/operations/fanOut';
import type { VideoReport } from '../../src/operations/videoReport';
import { inspectVideo, WorkerPresence, type InspectOutcome } from '../../src/operations/videoPipelines';
import { formatTable, progressReporter } from '../progress';
import {
  checkedVideoIds,
  errorText,
  exitCodes,
  isUnavailable,
  openOperatorSession,
  positiveInt,
  printJson,
  withFanOutOptions,
  type FanOutFlags,
} from '../operator';

interface StatusFlags extends FanOutFlags {
  queryTimeout: string;
}

export function registerStatusCommand(program: Command): void {
  withFanOutOptions(
    program
      .command('status')
      .summary("Show each video's pipeline: stages, steps, reviews, publications, Web UI link.")
      .description(
        "Show each video's pipeline: stages (version, from an event or the VOD API), steps with outputs or errors, " +
          'review gates waiting, reconciliations, publications, reruns and the Web UI link. From the workflow when a ' +
          'worker answers, else rebuilt from the run history. Exit 0 all found, 1 some not found or failed, 2 bad ' +
          'flags or settings, 3 Temporal unreachable.',
      )
      .argument('<video...>', 'video ids (VOD VideoId)')
      .option(
        '--query-timeout <seconds>',
        'how long to wait for a worker to answer the pipelineState query',
        '5',
      ),
  ).action(async (videos: string[], flags: StatusFlags) => {
    const ids = checkedVideoIds('status', videos);
    const session = await openOperatorSession('status', flags, { queryTimeoutSeconds: flags.queryTimeout });
    const workers = new WorkerPresence(session.ctx);
    const progress = ids.length > 1 ? progressReporter('status') : null;
    try {
      const results = await fanOut(ids, (id) => inspectVideo(session.ctx, workers, id), {
        concurrency: positiveInt('status', '--concurrency', flags.concurrency, 64),
        ...(progress ? { onProgress: (done, total) => progress.update(done, total) } : {}),
      });
      progress?.finish();
      const outcomes = results.map((r) =>
        r.ok
          ? r.value
          : ({ videoId: r.item, error: errorText(r.error), unavailable: isUnavailable(r.error) } as const),
      );
      if (flags.json) {
        printJson({
          videos: outcomes.map((o) =>
            'error' in o
              ? { videoId: o.videoId, error: o.error }
              : o.found
                ? o.report
                : { videoId: o.videoId, found: false },
          ),
        });
      } else {
        for (const o of outcomes) if (!('error' in o) && o.found) console.log(`${formatReport(o.report)}\n`);
        console.log(
          formatTable([['VIDEO', 'STATUS', 'STAGE', 'RUN', 'FROM', 'DETAIL'], ...outcomes.map(summaryRow)]),
        );
      }
      if (outcomes.some((o) => 'error' in o && o.unavailable)) process.exitCode = exitCodes.unavailable;
      else if (outcomes.some((o) => 'error' in o || !o.found)) process.exitCode = exitCodes.partial;
    } finally {
      await session.close();
    }
  });
}

function summaryRow(o: InspectOutcome | { videoId: string; error: string }): string[] {
  if ('error' in o) return [o.videoId, 'error', '', '', '', o.error];
  if (!o.found) return [o.videoId, 'not found', '', '', '', 'no workflow vod-video-' + o.videoId];
  const r = o.report;
  return [
    r.videoId,
    r.status,
    r.stage ?? '',
    runState(r),
    r.source,
    r.reason ??
      (r.reviews.length > 0 ? `waiting for review at ${r.reviews.map((v) => v.step).join(', ')}` : ''),
  ];
}

function runState(r: VideoReport): string {
  if (r.execution !== 'RUNNING') return `closed (${r.execution.toLowerCase().replace(/_/g, ' ')})`;
  return r.lingering ? 'open, lingering' : 'open';
}

/** The human-readable block of one video. */
export function formatReport(r: VideoReport): string {
  const lines: string[] = [];
  lines.push(`${r.videoId} — ${r.status}${r.reason ? `: ${r.reason}` : ''}`);
  lines.push(
    `  workflow ${r.workflowId} run ${r.runId} (${runState(r)}${r.run !== undefined ? `, pipeline run ${r.run}` : ''})` +
      `${r.region ? `, region ${r.region}` : ''}${r.origin === 'backfill' ? ', backfilled' : ''}`,
  );
  lines.push(`  started ${r.startedAt ?? '?'}${r.closedAt ? `, closed ${r.closedAt}` : ''}`);
  lines.push(`  Web UI: ${r.uiUrl}`);
  for (const note of r.notes) lines.push(`  note: ${note}`);
  lines.push('  stages:');
  for (const s of r.stages) {
    const from = s.source
      ? ` from ${s.source === 'reconciliation' ? 'the VOD API (reconciliation)' : 'an event'}`
      : '';
    lines.push(
      `    ${s.name.padEnd(10)}${s.status.padEnd(10)} v${s.version}${from}` +
        `${s.completedAt ? ` at ${s.completedAt}` : ''}${s.required ? '' : ' (not required)'}` +
        `${s.failure ? `; last failure: ${s.failure}` : ''}`,
    );
  }
  lines.push(r.source === 'query' ? '  steps:' : '  steps (activities in the history):');
  if (r.steps.length === 0) lines.push('    none yet');
  for (const s of r.steps) {
    const detail = [
      s.version ? `version ${s.version}` : '',
      s.runs !== undefined ? `runs ${s.runs}` : '',
      s.attempt !== undefined ? `attempt ${s.attempt}` : '',
      s.rerunPending ? 'rerun pending' : '',
      s.blockedBy ? `blocked by ${s.blockedBy}` : '',
    ].filter(Boolean);
    lines.push(`    ${s.name.padEnd(20)}${s.status.padEnd(11)}${detail.join(', ')}`);
    if (s.idempotencyKey) lines.push(`      key ${s.idempotencyKey}`);
    if (s.error) lines.push(`      error: ${s.error}`);
    if (s.output !== undefined) lines.push(`      output: ${compact(s.output)}`);
  }
  for (const review of r.reviews) {
    lines.push(
      `  waiting for review at ${review.step} since ${review.since}: \`vodflow review ${r.videoId} --approve\` ` +
        `or \`--reject --reason …\`; ${review.onTimeout} by default at ${review.deadline}`,
    );
  }
  const rec = r.reconciliation;
  lines.push(
    `  reconciliations: ${rec.count}${rec.lastAt ? `, last at ${rec.lastAt}` : ''}` +
      `${rec.videoStatus ? `, VOD video status ${rec.videoStatus}` : ''}${rec.lastError ? `, last error: ${rec.lastError}` : ''}`,
  );
  lines.push(`  publications: ${r.publications.length === 0 ? 'none' : r.publications.join(', ')}`);
  for (const rerun of r.reruns) {
    lines.push(
      `  rerun at ${new Date(rerun.atMs).toISOString()}: ${rerun.steps?.join(', ') ?? rerun.from ?? 'all steps'}` +
        `${rerun.newPublication ? ' (new publication)' : ''}${rerun.requestedBy ? ` by ${rerun.requestedBy}` : ''}` +
        `${rerun.reason ? `: ${rerun.reason}` : ''}`,
    );
  }
  if (r.events.length > 0) {
    lines.push(`  events (last ${r.events.length}):`);
    for (const e of r.events) {
      lines.push(`    ${e.eventTime} ${e.eventType} ${e.status ?? ''}${e.outcome ? ` → ${e.outcome}` : ''}`);
    }
  }
  return lines.join('\n');
}

function compact(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
