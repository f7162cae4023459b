/**
 * A dependency-free SVG of one run: throughput bars (ceiling, poller, naive), latency bars
 * (p50/p95/p99) and throughput against event count. Hand-written SVG keeps the chart
 * reviewable in a diff and renderable by GitHub.
 */
import { escapeXml } from '../src/mns/xml';
import type { BenchResults } from './results';

export interface Bar {
  label: string;
  value: number | null;
  color: string;
}

const font = 'font-family="Helvetica, Arial, sans-serif"';

function formatValue(v: number): string {
  return v >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10);
}

/** Horizontal bars scaled to the largest value, each labelled with its number. */
export function barPanel(
  x: number,
  y: number,
  width: number,
  title: string,
  unit: string,
  bars: Bar[],
): string {
  const rowHeight = 26;
  const labelWidth = 120;
  const plotWidth = width - labelWidth - 70;
  const max = Math.max(1, ...bars.map((b) => b.value ?? 0));
  const parts = [
    `<text x="${x}" y="${y}" ${font} font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  bars.forEach((bar, i) => {
    const top = y + 14 + i * rowHeight;
    const w = bar.value === null ? 0 : Math.max(1, (bar.value / max) * plotWidth);
    parts.push(
      `<text x="${x + labelWidth - 8}" y="${top + 15}" ${font} font-size="12" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${x + labelWidth}" y="${top + 2}" width="${w.toFixed(1)}" height="${rowHeight - 8}" fill="${bar.color}"/>`,
      `<text x="${(x + labelWidth + w + 6).toFixed(1)}" y="${top + 15}" ${font} font-size="12">${
        bar.value === null ? 'n/a' : `${formatValue(bar.value)} ${escapeXml(unit)}`
      }</text>`,
    );
  });
  return parts.join('\n');
}

export interface LinePoint {
  x: number;
  y: number;
}

/** One series on linear axes with labelled points; enough for "throughput vs events". */
export function linePanel(
  x: number,
  y: number,
  width: number,
  height: number,
  title: string,
  xLabel: string,
  yLabel: string,
  points: LinePoint[],
): string {
  const parts = [
    `<text x="${x}" y="${y}" ${font} font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  const left = x + 50;
  const top = y + 16;
  const plotW = width - 70;
  const plotH = height - 56;
  parts.push(
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#444"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#444"/>`,
    `<text x="${left + plotW / 2}" y="${top + plotH + 34}" ${font} font-size="11" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text x="${x + 4}" y="${top + plotH / 2}" ${font} font-size="11" transform="rotate(-90 ${x + 4} ${top + plotH / 2})" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  );
  if (points.length === 0) {
    parts.push(`<text x="${left + 10}" y="${top + 20}" ${font} font-size="12">not measured</text>`);
    return parts.join('\n');
  }
  const maxX = Math.max(...points.map((p) => p.x));
  const maxY = Math.max(1, ...points.map((p) => p.y));
  const px = (v: number) => left + (maxX === 0 ? 0 : (v / maxX) * plotW);
  const py = (v: number) => top + plotH - (v / maxY) * plotH;
  const path = points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`)
    .join(' ');
  parts.push(`<path d="${path}" fill="none" stroke="#1f77b4" stroke-width="2"/>`);
  for (const p of points) {
    parts.push(
      `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3.5" fill="#1f77b4"/>`,
      `<text x="${px(p.x).toFixed(1)}" y="${(py(p.y) - 8).toFixed(1)}" ${font} font-size="11" text-anchor="middle">${formatValue(p.y)}</text>`,
      `<text x="${px(p.x).toFixed(1)}" y="${top + plotH + 16}" ${font} font-size="10" text-anchor="middle">${formatValue(p.x)}</text>`,
    );
  }
  return parts.join('\n');
}

export function renderChart(r: BenchResults): string {
  const width = 900;
  const height = 470;
  const throughput = barPanel(20, 30, 430, 'Throughput (events/s, higher is better)', 'ev/s', [
    { label: 'ceiling (bare client)', value: r.throughput.ceiling_events_per_s, color: '#7f7f7f' },
    { label: 'vodflow poller', value: r.throughput.poller_events_per_s, color: '#1f77b4' },
    { label: 'naive consumer', value: r.throughput.naive_events_per_s, color: '#d62728' },
  ]);
  const latency = barPanel(460, 30, 430, 'Latency (ms, lower is better)', 'ms', [
    { label: 'poller p50', value: r.latency.p50_ms, color: '#6baed6' },
    { label: 'poller p95', value: r.latency.p95_ms, color: '#3182bd' },
    { label: 'poller p99', value: r.latency.p99_ms, color: '#08519c' },
    { label: 'worker p50', value: r.worker?.p50_ms ?? null, color: '#74c476' },
    { label: 'worker p99', value: r.worker?.p99_ms ?? null, color: '#238b45' },
  ]);
  const scaling = linePanel(
    20,
    215,
    430,
    240,
    'Poller throughput vs workload size',
    'events in the backlog',
    'events/s',
    r.scaling.events.map((p) => ({ x: p.events, y: p.poller_events_per_s })),
  );
  const inFlight = linePanel(
    460,
    215,
    430,
    240,
    'Poller throughput vs in-flight limit',
    'VODFLOW_MAX_IN_FLIGHT',
    'events/s',
    r.scaling.in_flight.map((p) => ({ x: p.in_flight, y: p.poller_events_per_s })),
  );
  const caption = `${r.mode} run, ${r.workload.events} events / ${r.workload.videos} videos, ${r.machine.cpus} CPUs, ${r.generated_at}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    throughput,
    latency,
    scaling,
    inFlight,
    `<text x="${width - 10}" y="${height - 6}" ${font} font-size="10" fill="#666" text-anchor="end">${escapeXml(caption)}</text>`,
    `</svg>`,
    '',
  ].join('\n');
}
