import {
  assertMnsStatus,
  classifyMnsError,
  createMnsClient,
  type MnsClient,
  type ReceivedMessage,
} from '../mns/client';
import type { AlibabaCredentials } from '../config';
import { escapeXml } from '../mns/xml';
import type { QueueSpec } from '../config/queueSpec';
import type { DeleteFailure, QueueMessage, QueueTransport, VisibilityLease } from './queueTransport';
import { ServerClock } from './serverClock';

export interface MnsQueueOptions {
  spec: QueueSpec;
  credentials: AlibabaCredentials;
  /** Timeout of every call but receive, whose timeout adds the long-poll wait. */
  timeoutMs: number;
  waitSeconds: number;
}

/**
 * Two SDK clients per queue because the SDK has one read timeout per client: receives must
 * outlast the long poll, while a delete or visibility change that hangs must fail fast.
 */
export function createMnsQueue(options: MnsQueueOptions): QueueTransport {
  const { spec, credentials } = options;
  const base = {
    endpoint: spec.endpoint,
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
  };
  const receiver = createMnsClient({ ...base, timeoutMs: options.waitSeconds * 1000 + options.timeoutMs });
  const client = createMnsClient({ ...base, timeoutMs: options.timeoutMs });
  return new MnsQueue(spec, receiver, client);
}

class MnsQueue implements QueueTransport {
  private readonly clock = new ServerClock();

  constructor(
    private readonly spec: QueueSpec,
    private readonly receiver: MnsClient,
    private readonly client: MnsClient,
  ) {}

  async receive(max: number, waitSeconds: number): Promise<QueueMessage[]> {
    try {
      const response = await this.receiver.batchReceiveMessage(this.spec.queue, max, waitSeconds);
      const answeredAt = Date.now();
      assertMnsStatus('BatchReceiveMessage', response, [200]);
      // xml2js may hand back a lone element instead of a one-element list.
      const body: ReceivedMessage[] | ReceivedMessage | undefined = response.body;
      const list = (body === undefined ? [] : Array.isArray(body) ? body : [body]).map(fromMns);
      return this.clock.leasesOf(list, answeredAt);
    } catch (err) {
      if (classifyMnsError(err).kind === 'message-not-exist') return [];
      throw err;
    }
  }

  async deleteBatch(receiptHandles: string[]): Promise<DeleteFailure[]> {
    if (receiptHandles.length === 0) return [];
    const response = await this.client.batchDeleteMessage(this.spec.queue, receiptHandles);
    if (response.code === 204) return [];
    // A partial failure is a 404 listing only the failed handles, returned, not thrown
    // (docs/MNS-PROTOCOL.md, "Batch partial failures").
    if (response.code === 404 && response.body !== undefined) {
      const body = Array.isArray(response.body) ? response.body : [response.body];
      return body.map((f) => ({
        receiptHandle: String(f.ReceiptHandle),
        errorCode: String(f.ErrorCode),
        errorMessage: String(f.ErrorMessage),
      }));
    }
    assertMnsStatus('BatchDeleteMessage', response, [204]);
    return [];
  }

  async changeVisibility(receiptHandle: string, visibilityTimeoutSeconds: number): Promise<VisibilityLease> {
    const askedAt = Date.now();
    const response = await this.client.changeMessageVisibility(
      this.spec.queue,
      receiptHandle,
      visibilityTimeoutSeconds,
    );
    assertMnsStatus('ChangeMessageVisibility', response, [200]);
    return {
      receiptHandle: response.body.ReceiptHandle,
      nextVisibleTime: Number(response.body.NextVisibleTime),
      // MNS started the new timeout after we asked, whatever its clock says.
      leaseEndsAt: askedAt + visibilityTimeoutSeconds * 1000,
    };
  }

  async sendDeadLetter(body: string): Promise<string> {
    // The SDK concatenates the body into XML unescaped (docs/MNS-PROTOCOL.md), so escape it; consumers
    // (the Node SDK included) read it back unescaped.
    const response = await this.client.sendMessage(this.spec.deadLetterQueue, {
      MessageBody: escapeXml(body),
    });
    assertMnsStatus('SendMessage', response, [201]);
    return response.body.MessageId;
  }
}

function fromMns(m: ReceivedMessage): Omit<QueueMessage, 'leaseEndsAt'> {
  return {
    messageId: String(m.MessageId),
    receiptHandle: String(m.ReceiptHandle),
    body: typeof m.MessageBody === 'string' ? m.MessageBody : '',
    bodyMd5: String(m.MessageBodyMD5),
    enqueueTime: Number(m.EnqueueTime),
    nextVisibleTime: Number(m.NextVisibleTime),
    firstDequeueTime: Number(m.FirstDequeueTime),
    dequeueCount: Number(m.DequeueCount),
    priority: Number(m.Priority),
  };
}
