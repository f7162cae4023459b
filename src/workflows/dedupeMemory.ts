/**
 * Bounded memory of event identities already applied. MNS redelivers, the poller may
 * signal twice after a crash, and Temporal's own request-id dedupe never crosses calls
 * or continue-as-new (docs/TEMPORAL-NOTES.md, "Deduplication"): the workflow checks every delivery here.
 * Oldest identities are forgotten first; the list (not a Set) is what continue-as-new carries.
 */
export class DedupeMemory {
  private readonly order: string[];
  private readonly known: Set<string>;

  constructor(
    private readonly limit: number,
    carried: readonly string[] = [],
  ) {
    this.order = carried.slice(-limit);
    this.known = new Set(this.order);
  }

  /** True when the identity is new (and now remembered); false for a duplicate. */
  remember(identity: string): boolean {
    if (this.known.has(identity)) return false;
    this.known.add(identity);
    this.order.push(identity);
    while (this.order.length > this.limit) this.known.delete(this.order.shift()!);
    return true;
  }

  has(identity: string): boolean {
    return this.known.has(identity);
  }

  toJSON(): string[] {
    return [...this.order];
  }
}
