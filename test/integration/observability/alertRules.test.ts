import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import {
  dashboardExpressions,
  dashboardFile,
  metricsOf,
  ruleExpressions,
  rulesFile,
  rulesTestFile,
} from '../../harness/observabilityFiles';

// The alert rules' own unit tests (deploy/prometheus/vodflow-rules.test.yml) run in promtool,
// Prometheus's checker; the metric names they and the dashboard use are held against a live
// /metrics in test/integration/stack/backfill.test.ts.
const run = promisify(execFile);
const promtool = process.env.VODFLOW_PROMTOOL ?? 'promtool';

async function promtoolOrSkip(t: { skip(message: string): void }): Promise<boolean> {
  try {
    await run(promtool, ['--version']);
    return true;
  } catch {
    const reason = `no ${promtool} on PATH (scripts/test installs Debian's prometheus when run as root)`;
    if (process.env.CI) assert.fail(reason);
    t.skip(reason);
    return false;
  }
}

test('promtool accepts the rules and their unit tests pass', async (t) => {
  if (!(await promtoolOrSkip(t))) return;
  const check = await run(promtool, ['check', 'rules', rulesFile]);
  assert.match(check.stdout, /SUCCESS: \d+ rules found/);
  const tested = await run(promtool, ['test', 'rules', rulesTestFile]).catch(
    (err: { stdout?: string; stderr?: string }) => assert.fail(`${err.stdout ?? ''}${err.stderr ?? ''}`),
  );
  assert.match(tested.stdout, /SUCCESS/);
});

test('every alert has a unit test that expects it to fire', () => {
  const rules = readFileSync(rulesFile, 'utf8');
  const tests = readFileSync(rulesTestFile, 'utf8');
  const alerts = [...rules.matchAll(/- alert: (\S+)/g)].map((m) => m[1]!);
  assert.ok(alerts.length >= 10);
  for (const alert of alerts) {
    const firing = new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`);
    assert.match(tests, firing, `${alert} is tested firing`);
  }
});

test('the metric names are read from PromQL as Prometheus would select them', () => {
  assert.deepEqual(
    metricsOf(
      'sum by (queue, region) (max by (queue, region, state) (vodflow_queue_messages{role="dead_letter", state!~"x"})) > 3 * 86400 and on(queue) up{job="vodflow"} == 0',
    ).sort(),
    ['up', 'vodflow_queue_messages'],
  );
  assert.deepEqual(
    metricsOf(
      'histogram_quantile(0.95, sum by (le) (rate(vodflow_poller_signal_latency_seconds_bucket[$__rate_interval])))',
    ),
    ['vodflow_poller_signal_latency_seconds_bucket'],
  );
  const rules = ruleExpressions(readFileSync(rulesFile, 'utf8'));
  assert.ok(
    rules.some((e) => e.includes('\n')),
    'block-scalar expressions are read whole',
  );
  const dashboard = dashboardExpressions(readFileSync(dashboardFile, 'utf8'));
  assert.ok(dashboard.length >= 15, `${dashboard.length} dashboard queries`);
});

test('the dashboard reads one selectable Prometheus data source', () => {
  const dashboard = JSON.parse(readFileSync(dashboardFile, 'utf8')) as {
    uid: string;
    templating: { list: Array<{ name: string; type: string }> };
    panels: Array<{ type: string; datasource?: { uid: string }; targets?: Array<{ expr: string }> }>;
  };
  assert.equal(dashboard.uid, 'vodflow');
  assert.ok(dashboard.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'));
  for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
    assert.equal(panel.datasource?.uid, '${datasource}');
    assert.ok((panel.targets ?? []).length > 0 && panel.targets!.every((q) => q.expr.trim() !== ''));
  }
});
