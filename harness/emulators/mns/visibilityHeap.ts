/**
 * Binary min-heaps for the queue's lazy bookkeeping. Entries are never removed in place; an
 * entry whose version no longer matches its message (received again, visibility changed,
 * deleted) is skipped when it reaches the top, which keeps every operation O(log n).
 */
export interface HeapEntry {
  visibleAt: number;
  seq: number;
  version: number;
}

/** A visible message waiting in its stripe: best priority first, then oldest visible. */
export interface ReadyEntry extends HeapEntry {
  priority: number;
}

export class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(entry: T): void {
    const items = this.items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && this.before(items[left]!, items[smallest]!)) smallest = left;
      if (right < items.length && this.before(items[right]!, items[smallest]!)) smallest = right;
      if (smallest === i) break;
      [items[i], items[smallest]] = [items[smallest]!, items[i]!];
      i = smallest;
    }
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}

/** The message that became visible first is on top. */
export class VisibilityHeap extends MinHeap<HeapEntry> {
  constructor() {
    super((a, b) => a.visibleAt < b.visibleAt || (a.visibleAt === b.visibleAt && a.seq < b.seq));
  }
}

/** Priority 1 is the highest; equal priorities leave in visibility order. */
export class ReadyHeap extends MinHeap<ReadyEntry> {
  constructor() {
    super(
      (a, b) =>
        a.priority < b.priority ||
        (a.priority === b.priority &&
          (a.visibleAt < b.visibleAt || (a.visibleAt === b.visibleAt && a.seq < b.seq))),
    );
  }
}
