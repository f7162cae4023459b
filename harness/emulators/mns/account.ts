/** All queues of the emulated account, plus the counters that keep ids unique across restarts. */
import { createHash, randomBytes } from 'node:crypto';
import {
  deliverySettings,
  LongPollGate,
  SeededRandom,
  type DeliveryOptions,
  type DeliverySettings,
} from './delivery';
import type { Random } from '../../random';
import { messageTooLargeError, mnsError, schemaError } from './errors';
import type { QueueObservers } from './observer';
import { MnsQueue, type QueueContext, type StoredMessage } from './queue';
import {
  defaultQueueAttributes,
  sameAttributes,
  type DeadLetterPolicy,
  type QueueAttributes,
} from './queueAttributes';

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
/** The current CreateQueue documentation and limits page: at most 120 characters. */
export const maxQueueNameLength = 120;

export function validateQueueName(name: string): void {
  if (name.length < 1 || name.length > maxQueueNameLength) throw mnsError('QueueNameLengthError');
  if (!queueNamePattern.test(name)) throw mnsError('InvalidQueueName');
}

export interface AccountBehaviour {
  delivery?: DeliveryOptions;
  /** Striping and abandoned polls draw from it; default: a randomly seeded one. */
  random?: Random;
  /** Apply queues' native dead-letter policies (default true). */
  nativeDeadLetter?: boolean;
}

export class MnsAccount {
  readonly queues = new Map<string, MnsQueue>();
  private instanceId = randomBytes(8).toString('hex').toUpperCase();
  private nextSeq = 1;
  private nextQueueId = 1;
  readonly delivery: DeliverySettings;
  readonly longPolls: LongPollGate;
  private readonly context: QueueContext;

  constructor(
    private readonly clock: () => number,
    private readonly onChange: () => void,
    /** Absent in unit tests that never observe. */
    observers?: QueueObservers,
    behaviour: AccountBehaviour = {},
  ) {
    this.delivery = deliverySettings(
      behaviour.delivery ?? {},
      behaviour.random ?? new SeededRandom(randomSeed()),
    );
    this.longPolls = new LongPollGate(() => this.delivery.longPollLimit);
    this.context = {
      clock,
      onChange,
      ...(observers !== undefined ? { observers } : {}),
      delivery: this.delivery,
      longPolls: this.longPolls,
      nativeDeadLetter: behaviour.nativeDeadLetter ?? true,
      deadLetter: (source, message) => this.moveToDeadLetter(source, message),
    };
  }

  /** Every queue shares the account's clock, change hook and observers. */
  private newQueue(
    name: string,
    id: number,
    attributes: QueueAttributes,
    createTime: number,
    lastModifyTime: number,
  ): MnsQueue {
    return new MnsQueue(name, id, attributes, createTime, lastModifyTime, this.context);
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

  /** The management API's DlqPolicy; undefined removes it. */
  setDeadLetterPolicy(name: string, policy: DeadLetterPolicy | undefined): void {
    const queue = this.getQueue(name);
    const { dlqPolicy: _previous, ...rest } = queue.attributes;
    queue.attributes = policy === undefined ? rest : { ...rest, dlqPolicy: policy };
    queue.lastModifyTime = Math.floor(this.clock() / 1000);
    this.onChange();
  }

  /**
   * The native dead-letter move: a new message in the target with the same body and priority.
   * Its retention is not reset (it keeps the source's EnqueueTime, so the time in both queues
   * adds up); it starts unreceived. Without a target queue the message stays where it is.
   */
  private moveToDeadLetter(source: MnsQueue, message: StoredMessage): boolean {
    const targetName = source.attributes.dlqPolicy?.deadLetterTargetQueue;
    const target = targetName === undefined ? undefined : this.queues.get(targetName);
    if (target === undefined || target === source) return false;
    source.remove(message);
    const now = this.clock();
    const seq = this.nextSeq++;
    target.add({
      seq,
      messageId: this.messageId(now, seq),
      body: message.body,
      bodyMd5: message.bodyMd5,
      priority: message.priority,
      enqueueTime: message.enqueueTime,
      firstDequeueTime: message.enqueueTime,
      dequeueCount: 0,
      visibleAt: now,
      version: 0,
    });
    return true;
  }

  private messageId(now: number, seq: number): string {
    return `${this.instanceId}-1-${now.toString(16).toUpperCase()}-${String(seq).padStart(9, '0')}`;
  }

  deleteQueue(name: string): void {
    const queue = this.getQueue(name);
    this.queues.delete(name);
    queue.close();
    this.onChange();
  }

  send(queue: MnsQueue, input: SendInput): StoredMessage {
    // The API requires a body; what the service answers for an empty one is unconfirmed.
    if (input.body === '') throw schemaError('MessageBody');
    const bodyBytes = Buffer.byteLength(input.body, 'utf8');
    if (bodyBytes > queue.attributes.maximumMessageSize) throw messageTooLargeError();
    const now = this.clock();
    const seq = this.nextSeq++;
    const delaySeconds = input.delaySeconds ?? queue.attributes.delaySeconds;
    const message: StoredMessage = {
      seq,
      messageId: this.messageId(now, seq),
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

export function randomSeed(): number {
  return randomBytes(4).readUInt32LE(0);
}
