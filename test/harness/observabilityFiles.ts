// The alert rules and the Grafana dashboard vodflow ships, and the metric names their
// PromQL queries, for the test that holds them against a live /metrics.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../harness/stack/paths';

export const rulesFile = path.join(repoRoot, 'deploy', 'prometheus', 'vodflow-rules.yml');
export const rulesTestFile = path.join(repoRoot, 'deploy', 'prometheus', 'vodflow-rules.test.yml');
export const dashboardFile = path.join(repoRoot, 'deploy', 'grafana', 'vodflow-dashboard.json');

/** Series Prometheus records itself for every scrape: no exporter serves them. */
export const prometheusOwnMetrics = new Set(['up']);

/** Each `expr:` of a rules file, block scalars (`expr: |`) included. */
export function ruleExpressions(yaml: string): string[] {
  const lines = yaml.split('\n');
  const expressions: string[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const match = /^(\s*)expr:\s*(.*)$/.exec(lines[i]!);
    if (!match) continue;
    const value = match[2]!.trim();
    if (value !== '|' && value !== '>') {
      expressions.push(value);
      continue;
    }
    const block: string[] = [];
    while (
      i + 1 < lines.length &&
      (lines[i + 1]!.trim() === '' || lines[i + 1]!.search(/\S/) > match[1]!.length)
    ) {
      block.push(lines[(i += 1)]!);
    }
    expressions.push(block.join('\n'));
  }
  return expressions;
}

/** Every `expr` of the dashboard's panels. */
export function dashboardExpressions(json: string): string[] {
  const expressions: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'expr' && typeof value === 'string') expressions.push(value);
        else visit(value);
      }
    }
  };
  visit(JSON.parse(json));
  return expressions;
}

const keywords = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects: identifiers left once strings, label matchers,
 * ranges and grouping clauses are removed, minus functions (followed by a parenthesis) and
 * keywords. Histogram series keep their suffix (`_bucket`).
 */
export function metricsOf(expression: string): string[] {
  const bare = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const name = match[0];
    const rest = bare.slice(match.index + name.length);
    if (/^\s*\(/.test(rest) || keywords.has(name.toLowerCase())) continue;
    if (/^\d/.test(name)) continue;
    names.add(name);
  }
  return [...names];
}

/** The series name as `# TYPE` lists it: a histogram's `_bucket`, `_sum` and `_count` are its own name. */
export function exportedName(name: string, served: ReadonlySet<string>): string {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return served.has(name) || !served.has(base) ? name : base;
}

/** Every metric name the rules and the dashboard query (Prometheus's own excluded). */
export function alertingMetricNames(): Set<string> {
  const expressions = [
    ...ruleExpressions(readFileSync(rulesFile, 'utf8')),
    ...dashboardExpressions(readFileSync(dashboardFile, 'utf8')),
  ];
  const names = new Set(expressions.flatMap(metricsOf).filter((n) => !prometheusOwnMetrics.has(n)));
  if (names.size === 0) throw new Error('no metric found in the rules and the dashboard');
  return names;
}
