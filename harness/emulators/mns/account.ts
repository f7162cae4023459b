/** All queues of the emulated account, plus the counters that keep ids unique across restarts. */
import { createHash, randomBytes } from 'node:crypto';
import { mnsError, rangeError } from './errors';
import type { QueueObservers } from './observer';
import { MnsQueue, type StoredMessage } from './queue';
import { defaultQueueAttributes, sameAttributes, type QueueAttributes } from './queueAttributes';

export interface SendInput {
  body: string;
  delaySeconds?: number;
  priority?: number;
}

export interface AccountSnapshot {
  version: 1;
  instanceId: string;
  nextSeq: number;
  nextQueueId: number;
  queues: Array<{
    name: string;
    id: number;
    attributes: QueueAttributes;
    createTime: number;
    lastModifyTime: number;
    messages: StoredMessage[];
  }>;
}

const queueNamePattern = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

export function validateQueueName(name: string): void {
  if (name.length < 1 || name.length > 256) throw mnsError('QueueNameLengthError');
  if (!queueNamePattern.test(name)) throw mnsError('InvalidQueueName');
}

export class MnsAccount {
  readonly queues = new Map<string, MnsQueue>();
  private instanceId = randomBytes(8).toString('hex').toUpperCase();
  private nextSeq = 1;
  private nextQueueId = 1;

  constructor(
    private readonly clock: () => number,
    private readonly onChange: () => void,
    /** Absent in unit tests that never observe. */
    private readonly observers?: QueueObservers,
  ) {}

  /** Every queue shares the account's clock, change hook and observers. */
  private newQueue(
    name: string,
    id: number,
    attributes: QueueAttributes,
    createTime: number,
    lastModifyTime: number,
  ): MnsQueue {
    return new MnsQueue(
      name,
      id,
      attributes,
      createTime,
      lastModifyTime,
      this.clock,
      this.onChange,
      this.observers,
    );
  }

  getQueue(name: string): MnsQueue {
    const queue = this.queues.get(name);
    if (queue === undefined) throw mnsError('QueueNotExist');
    return queue;
  }

  /** 'created' (201), 'exists' (204, same attributes) or QueueAlreadyExist (409). */
  createQueue(name: string, requested: Partial<QueueAttributes>): 'created' | 'exists' {
    validateQueueName(name);
    const attributes = { ...defaultQueueAttributes, ...requested };
    const existing = this.queues.get(name);
    if (existing !== undefined) {
      if (sameAttributes(existing.attributes, attributes)) return 'exists';
      throw mnsError('QueueAlreadyExist');
    }
    const nowSeconds = Math.floor(this.clock() / 1000);
    this.queues.set(name, this.newQueue(name, this.nextQueueId++, attributes, nowSeconds, nowSeconds));
    this.onChange();
    return 'created';
  }

  setQueueAttributes(name: string, changes: Partial<QueueAttributes>): void {
    const queue = this.getQueue(name);
    queue.attributes = { ...queue.attributes, ...changes };
    queue.lastModifyTime = Math.floor(this.clock() / 1000);
    this.onChange();
    queue.touch();
  }

  deleteQueue(name: string): void {
    const queue = this.getQueue(name);
    this.queues.delete(name);
    queue.close();
    this.onChange();
  }

  send(queue: MnsQueue, input: SendInput): StoredMessage {
    const bodyBytes = Buffer.byteLength(input.body, 'utf8');
    if (bodyBytes > queue.attributes.maximumMessageSize) {
      throw rangeError('MessageBody', 1, queue.attributes.maximumMessageSize, 'bytes');
    }
    const now = this.clock();
    const seq = this.nextSeq++;
    const delaySeconds = input.delaySeconds ?? queue.attributes.delaySeconds;
    const message: StoredMessage = {
      seq,
      messageId: `${this.instanceId}-1-${now.toString(16).toUpperCase()}-${String(seq).padStart(9, '0')}`,
      body: input.body,
      bodyMd5: createHash('md5').update(input.body, 'utf8').digest('hex').toUpperCase(),
      // Go sends Priority 0 for "unset"; the default is 8.
      priority: input.priority === undefined || input.priority === 0 ? 8 : input.priority,
      enqueueTime: now,
      firstDequeueTime: now,
      dequeueCount: 0,
      visibleAt: now + delaySeconds * 1000,
      version: 0,
    };
    queue.add(message);
    return message;
  }

  sweepExpired(): void {
    for (const queue of this.queues.values()) queue.sweepExpired();
  }

  close(): void {
    for (const queue of this.queues.values()) queue.close();
  }

  snapshot(): AccountSnapshot {
    return {
      version: 1,
      instanceId: this.instanceId,
      nextSeq: this.nextSeq,
      nextQueueId: this.nextQueueId,
      queues: [...this.queues.values()].map((queue) => ({
        name: queue.name,
        id: queue.id,
        attributes: queue.attributes,
        createTime: queue.createTime,
        lastModifyTime: queue.lastModifyTime,
        messages: [...queue.messages.values()],
      })),
    };
  }

  restore(snapshot: AccountSnapshot): void {
    this.instanceId = snapshot.instanceId;
    this.nextSeq = snapshot.nextSeq;
    this.nextQueueId = snapshot.nextQueueId;
    for (const saved of snapshot.queues) {
      const queue = this.newQueue(
        saved.name,
        saved.id,
        { ...defaultQueueAttributes, ...saved.attributes },
        saved.createTime,
        saved.lastModifyTime,
      );
      queue.restore(saved.messages);
      this.queues.set(saved.name, queue);
    }
  }
}
