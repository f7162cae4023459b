/**
 * `--data-dir` persistence: a snapshot of the whole account, written atomically (temp file,
 * fsync, rename, fsync of the directory) at most every `flushIntervalMs` while something
 * changed, and once more on stop. A request that changed something is answered only once a
 * snapshot holding its change is on disk (`durable()`, a group commit: one write serves every
 * request of the interval), so what the emulator acknowledged survives a SIGKILL or a machine
 * crash, as with the real service. With `durable: false` it is write-behind: no wait, and a
 * crash loses at most the last interval's changes.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import path from 'node:path';
import type { AccountSnapshot } from './account';

export const snapshotFileName = 'mns-emulator-state.json';

export class SnapshotWriter {
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private file = '';
  /** Requests waiting for their change to reach the disk: resolved by the next completed write. */
  private waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  /** Counts changes, so a caller can tell whether its own operation changed anything. */
  changes = 0;

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
    this.changes += 1;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush().catch(this.onError);
      }, this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Resolves once every change made so far is in a snapshot on disk. */
  durable(): Promise<void> {
    if (!this.dirty) return this.writing?.catch(() => this.durable()) ?? Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  /** Writes the current state if it changed; concurrent calls share one write at a time. */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing.catch(() => undefined);
    if (!this.dirty) return;
    this.dirty = false;
    const json = JSON.stringify(this.takeSnapshot());
    // Everyone waiting now has their change in this snapshot.
    const waiting = this.waiters.splice(0);
    this.writing = writeDurably(this.file, json);
    try {
      await this.writing;
      for (const waiter of waiting) waiter.resolve();
    } catch (err) {
      this.dirty = true;
      for (const waiter of waiting) waiter.reject(err);
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

/** Temp file, fsync, rename over the old snapshot, fsync of the directory (so the rename is durable too). */
async function writeDurably(file: string, text: string): Promise<void> {
  const temp = `${file}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
