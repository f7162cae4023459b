/** Fault injection per operation: error answers, added latency, dropped connections. */

export const mnsOperations = [
  'CreateQueue',
  'SetQueueAttributes',
  'GetQueueAttributes',
  'DeleteQueue',
  'ListQueue',
  'SendMessage',
  'BatchSendMessage',
  'ReceiveMessage',
  'BatchReceiveMessage',
  'PeekMessage',
  'BatchPeekMessage',
  'DeleteMessage',
  'BatchDeleteMessage',
  'ChangeMessageVisibility',
] as const;
export type MnsOperation = (typeof mnsOperations)[number];

export interface OperationFaults {
  /** Probability 0..1 of answering with an error instead of performing the operation. */
  errorRate?: number;
  /** 500 InternalError (default) or 503 ServiceUnavailable. */
  errorStatus?: 500 | 503;
  /** Added before the operation runs (and before any error or drop). */
  latencyMs?: number;
  /** Probability 0..1 of dropping the connection mid-request. */
  dropRate?: number;
  /**
   * 'before': the socket is destroyed before the operation runs (nothing happened).
   * 'after': the operation runs, then the socket dies halfway through the response, so the
   * client sees a network error for something that did take effect (e.g. a delete).
   */
  dropPhase?: 'before' | 'after';
  /**
   * Probability 0..1 of throttling the request: held like a real throttled request, then
   * answered 429 TooManyRequests without doing anything.
   */
  throttleRate?: number;
  /** Stop injecting after this many errors + drops + throttles (default: unlimited). */
  limit?: number;
}

/** Per operation; `'*'` applies to every operation without its own entry. */
export type FaultConfig = Partial<Record<MnsOperation | '*', OperationFaults>>;

export type FaultDecision =
  | { kind: 'none'; latencyMs: number }
  | { kind: 'error'; status: 500 | 503; latencyMs: number }
  | { kind: 'throttle'; latencyMs: number }
  | { kind: 'drop'; phase: 'before' | 'after'; latencyMs: number };

function checkRate(name: string, value: number | undefined): void {
  if (value !== undefined && !(value >= 0 && value <= 1))
    throw new Error(`fault ${name} must be within 0..1`);
}

/** Throws on nonsense so a bad admin request is refused rather than half-applied. */
export function validateFaultConfig(config: unknown): FaultConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new Error('fault config must be an object keyed by operation');
  }
  const known = new Set<string>([...mnsOperations, '*']);
  for (const [op, faults] of Object.entries(config as Record<string, unknown>)) {
    if (!known.has(op)) throw new Error(`unknown operation in fault config: ${op}`);
    if (faults === null || typeof faults !== 'object') throw new Error(`faults for ${op} must be an object`);
    const f = faults as OperationFaults;
    checkRate('errorRate', f.errorRate);
    checkRate('dropRate', f.dropRate);
    checkRate('throttleRate', f.throttleRate);
    if (f.errorStatus !== undefined && f.errorStatus !== 500 && f.errorStatus !== 503) {
      throw new Error('fault errorStatus must be 500 or 503');
    }
    if (f.latencyMs !== undefined && !(f.latencyMs >= 0 && f.latencyMs <= 120_000)) {
      throw new Error('fault latencyMs must be within 0..120000');
    }
    if (f.dropPhase !== undefined && f.dropPhase !== 'before' && f.dropPhase !== 'after') {
      throw new Error("fault dropPhase must be 'before' or 'after'");
    }
    if (f.limit !== undefined && !(Number.isInteger(f.limit) && f.limit >= 0)) {
      throw new Error('fault limit must be a non-negative integer');
    }
  }
  return config as FaultConfig;
}

export class FaultInjector {
  private config: FaultConfig = {};
  /** Injections so far per config key, for `limit`. */
  private injected = new Map<string, number>();
  readonly counts = { errors: 0, drops: 0, throttles: 0 };

  constructor(
    config: FaultConfig = {},
    private readonly random: () => number = Math.random,
  ) {
    this.set(config);
  }

  set(config: FaultConfig): void {
    this.config = validateFaultConfig(config);
    this.injected = new Map();
  }

  get(): FaultConfig {
    return this.config;
  }

  decide(operation: MnsOperation): FaultDecision {
    const key = this.config[operation] !== undefined ? operation : '*';
    const faults = this.config[key];
    if (faults === undefined) return { kind: 'none', latencyMs: 0 };
    const latencyMs = faults.latencyMs ?? 0;
    const used = this.injected.get(key) ?? 0;
    if (faults.limit !== undefined && used >= faults.limit) return { kind: 'none', latencyMs };
    if (faults.dropRate !== undefined && faults.dropRate > 0 && this.random() < faults.dropRate) {
      this.injected.set(key, used + 1);
      this.counts.drops += 1;
      return { kind: 'drop', phase: faults.dropPhase ?? 'before', latencyMs };
    }
    if (faults.throttleRate !== undefined && faults.throttleRate > 0 && this.random() < faults.throttleRate) {
      this.injected.set(key, used + 1);
      this.counts.throttles += 1;
      return { kind: 'throttle', latencyMs };
    }
    if (faults.errorRate !== undefined && faults.errorRate > 0 && this.random() < faults.errorRate) {
      this.injected.set(key, used + 1);
      this.counts.errors += 1;
      return { kind: 'error', status: faults.errorStatus ?? 500, latencyMs };
    }
    return { kind: 'none', latencyMs };
  }
}
