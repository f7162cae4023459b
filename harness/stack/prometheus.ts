/**
 * A real Prometheus for `vodflow dev --prometheus`: Debian's `prometheus` binary as a child of
 * the stack (it dies with it), scraping the stack's /metrics every 5 s as job "vodflow", with
 * vodflow's alert rules loaded, so a developer watches an alert go pending and fire at
 * http://127.0.0.1:<port>/alerts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { superviseProcess, type SupervisedProcess } from './childProcess';
import { repoRoot } from './paths';

export const prometheusRulesFile = path.join(repoRoot, 'deploy', 'prometheus', 'vodflow-rules.yml');
export const defaultPrometheusPort = 9090;

export interface LocalPrometheusOptions {
  dataDir: string;
  port: number;
  /** host:port of each /metrics to scrape. */
  targets: string[];
  /** `prometheus` on PATH unless given (VODFLOW_PROMETHEUS). */
  binary?: string;
}

export interface LocalPrometheus {
  url: string;
  process: SupervisedProcess;
}

/** The scrape configuration: short intervals, so a local alert fires within a minute. */
export function prometheusConfig(targets: readonly string[], rulesFile: string): string {
  return [
    'global:',
    '  scrape_interval: 5s',
    '  evaluation_interval: 5s',
    'rule_files:',
    `  - ${JSON.stringify(rulesFile)}`,
    'scrape_configs:',
    '  - job_name: vodflow',
    '    static_configs:',
    `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`,
    '',
  ].join('\n');
}

export async function startLocalPrometheus(options: LocalPrometheusOptions): Promise<LocalPrometheus> {
  const dir = path.join(options.dataDir, 'prometheus');
  await mkdir(path.join(dir, 'data'), { recursive: true });
  const configFile = path.join(dir, 'prometheus.yml');
  await writeFile(configFile, prometheusConfig(options.targets, prometheusRulesFile));
  const url = `http://127.0.0.1:${options.port}`;
  const child = superviseProcess({
    name: 'prometheus',
    command: options.binary ?? process.env.VODFLOW_PROMETHEUS ?? 'prometheus',
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${options.port}`,
      '--storage.tsdb.retention.time=2d',
    ],
    logFile: path.join(dir, 'prometheus.log'),
    ready: async () => (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) })).ok,
    readyTimeoutMs: 30_000,
  });
  await child.start();
  return { url, process: child };
}
