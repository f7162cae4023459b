/**
 * `--data-dir` persistence: a write-behind snapshot of the whole account, written atomically
 * (temp file + rename) at most every `flushIntervalMs` while something changed, and once more
 * on stop. No file I/O happens on the request path. A crash loses at most the changes of the
 * last interval; a clean stop loses nothing.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AccountSnapshot } from './account';

export const snapshotFileName = 'mns-emulator-state.json';

export class SnapshotWriter {
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private file = '';

  constructor(
    private readonly takeSnapshot: () => AccountSnapshot,
    private readonly flushIntervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  open(dataDir: string): this {
    mkdirSync(dataDir, { recursive: true });
    this.file = path.join(dataDir, snapshotFileName);
    return this;
  }

  load(): AccountSnapshot | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const snapshot = JSON.parse(text) as AccountSnapshot;
    if (snapshot.version !== 1) throw new Error(`unsupported MNS emulator state version in ${this.file}`);
    return snapshot;
  }

  markDirty(): void {
    this.dirty = true;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush().catch(this.onError);
      }, this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Writes the current state if it changed; concurrent calls share one write at a time. */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
    if (!this.dirty) return;
    this.dirty = false;
    const json = JSON.stringify(this.takeSnapshot());
    const temp = `${this.file}.tmp`;
    this.writing = writeFile(temp, json).then(() => rename(temp, this.file));
    try {
      await this.writing;
    } catch (err) {
      this.dirty = true;
      throw err;
    } finally {
      this.writing = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
