/** One-line progress for a TTY (redrawn in place) or a plain line per change otherwise. */
export function progressLine(label: string, done: number, total: number, width = 30): string {
  const ratio = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(ratio * width);
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}

export interface ProgressReporter {
  update(done: number, total: number, detail?: string): void;
  finish(): void;
}

export function progressReporter(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressReporter {
  let last = '';
  return {
    update(done, total, detail) {
      const line = progressLine(label, done, total) + (detail ? `  ${detail}` : '');
      if (line === last) return;
      last = line;
      if (stream.isTTY) stream.write(`\r${line}\x1b[K`);
      else stream.write(`${line}\n`);
    },
    finish() {
      if (stream.isTTY && last) stream.write('\n');
    },
  };
}

/** A plain aligned table: first row is the header. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, col) => cell.padEnd(widths[col]!))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
