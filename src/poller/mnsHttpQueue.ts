/**
 * The lean QueueTransport: the four MNS calls the poller makes, spoken directly over HTTP
 * (mns/httpClient.ts, mns/signer.ts, mns/responseXml.ts) instead of through `@alicloud/mns`, whose stack
 * (httpx, xml2js, sax) costs about a quarter of the poller's CPU. It answers exactly what the
 * SDK-based transport (mnsQueue.ts) answers, and throws errors classifyMnsError maps
 * onto the same kinds; test/integration/mns/transports.test.ts holds the two side by side.
 */
import type { QueueSpec } from '../config/queueSpec';
import { classifyMnsError } from '../mns/client';
import { MnsBadResponseError, MnsServiceError } from '../mns/errors';
import { MnsHttpClient, type MnsAnswer, type MnsCall } from '../mns/httpClient';
import { childList, leafText, parseMnsDocument, type MnsDocument, type XmlNode } from '../mns/responseXml';
import { escapeXml } from '../mns/xml';
import type { MnsQueueOptions } from './mnsQueue';
import type { DeleteFailure, QueueMessage, QueueTransport, VisibilityLease } from './queueTransport';
import { ServerClock } from './serverClock';

/** The namespace the SDK puts on request documents (with the trailing slash). */
const requestNamespace = 'http://mns.aliyuncs.com/doc/v1/';
const declaration = '<?xml version="1.0" encoding="UTF-8"?>';

export function createMnsHttpQueue(options: MnsQueueOptions): QueueTransport {
  const { spec, credentials } = options;
  const client = new MnsHttpClient(new URL(spec.endpoint).origin, credentials);
  return new MnsHttpQueue(spec, client, options.timeoutMs);
}

class MnsHttpQueue implements QueueTransport {
  private readonly clock = new ServerClock();

  constructor(
    private readonly spec: QueueSpec,
    private readonly client: MnsHttpClient,
    private readonly timeoutMs: number,
  ) {}

  async receive(max: number, waitSeconds: number): Promise<QueueMessage[]> {
    // As the SDK does: a falsy wait sends no `waitseconds`, so the queue's own default applies.
    const wait = waitSeconds ? `&waitseconds=${waitSeconds}` : '';
    try {
      const { answer, document } = await this.call({
        operation: 'BatchReceiveMessage',
        method: 'GET',
        resource: `${this.messagesPath(this.spec.queue)}?numOfMessages=${max}${wait}`,
        timeoutMs: waitSeconds * 1000 + this.timeoutMs,
      });
      const answeredAt = Date.now();
      if (answer.status !== 200 || document?.root !== 'Messages')
        throw unexpected('BatchReceiveMessage', answer);
      const list = childList(document.content, 'Message').map(fromMns);
      return this.clock.leasesOf(list, answeredAt);
    } catch (err) {
      // Nothing arrived within the wait (or the server shed the long poll).
      if (classifyMnsError(err).kind === 'message-not-exist') return [];
      throw err;
    }
  }

  async deleteBatch(receiptHandles: string[]): Promise<DeleteFailure[]> {
    if (receiptHandles.length === 0) return [];
    const handles = receiptHandles.map((h) => `<ReceiptHandle>${escapeXml(h)}</ReceiptHandle>`).join('');
    const { answer, document } = await this.call({
      operation: 'BatchDeleteMessage',
      method: 'DELETE',
      resource: this.messagesPath(this.spec.queue),
      body: requestDocument('ReceiptHandles', handles),
      timeoutMs: this.timeoutMs,
    });
    if (answer.status === 204) return [];
    // A partial failure is a 404 listing only the failed handles, returned, not thrown
    // (docs/MNS-PROTOCOL.md, "Batch partial failures").
    const failures = document?.root === 'Errors' ? childList(document.content, 'Error') : [];
    if (answer.status !== 404 || failures.length === 0) throw unexpected('BatchDeleteMessage', answer);
    return failures.map((f) => ({
      receiptHandle: String(leafText(f.ReceiptHandle)),
      errorCode: String(leafText(f.ErrorCode)),
      errorMessage: String(leafText(f.ErrorMessage)),
    }));
  }

  async changeVisibility(receiptHandle: string, visibilityTimeoutSeconds: number): Promise<VisibilityLease> {
    const askedAt = Date.now();
    // The handle goes into the query raw, as the SDK sends it: real handles are `1-` + base64
    // of digits and dashes, so nothing in them needs encoding (docs/MNS-PROTOCOL.md, "Identifiers").
    const { answer, document } = await this.call({
      operation: 'ChangeMessageVisibility',
      method: 'PUT',
      resource:
        `${this.messagesPath(this.spec.queue)}?receiptHandle=${receiptHandle}` +
        `&visibilityTimeout=${visibilityTimeoutSeconds}`,
      body: '',
      timeoutMs: this.timeoutMs,
    });
    if (answer.status !== 200 || document?.root !== 'ChangeVisibility')
      throw unexpected('ChangeMessageVisibility', answer);
    return {
      receiptHandle: String(leafText(document.content.ReceiptHandle)),
      nextVisibleTime: Number(leafText(document.content.NextVisibleTime)),
      // MNS started the new timeout after we asked, whatever its clock says.
      leaseEndsAt: askedAt + visibilityTimeoutSeconds * 1000,
    };
  }

  async sendDeadLetter(body: string): Promise<string> {
    // Escaped as mnsQueue.ts escapes it for the SDK, so both put the same bytes on the wire.
    const { answer, document } = await this.call({
      operation: 'SendMessage',
      method: 'POST',
      resource: this.messagesPath(this.spec.deadLetterQueue),
      body: requestDocument('Message', `<MessageBody>${escapeXml(body)}</MessageBody>`),
      timeoutMs: this.timeoutMs,
    });
    if (answer.status !== 201 || document?.root !== 'Message') throw unexpected('SendMessage', answer);
    return String(leafText(document.content.MessageId));
  }

  /** Queue names are checked when parsed (letters, digits, `-`), so they go into the path as they are. */
  private messagesPath(queue: string): string {
    return `/queues/${queue}/messages`;
  }

  /** The answer and its document; an `<Error>` document is thrown, whatever the status. */
  private async call(call: MnsCall): Promise<{ answer: MnsAnswer; document: MnsDocument | undefined }> {
    const answer = await this.client.exchange(call);
    const document = documentOf(call.operation, answer);
    if (document?.root === 'Error') {
      const { content } = document;
      throw new MnsServiceError(
        call.operation,
        answer.status,
        leafText(content.Code) ?? '',
        leafText(content.RequestId),
        leafText(content.Message),
      );
    }
    return { answer, document };
  }
}

/** The SDK reads a body only with an XML Content-Type; anything else (a proxy's HTML page) is no document. */
function documentOf(operation: string, answer: MnsAnswer): MnsDocument | undefined {
  const xml = answer.contentType.startsWith('text/xml') || answer.contentType.startsWith('application/xml');
  if (!xml || answer.text === '') return undefined;
  try {
    return parseMnsDocument(answer.text);
  } catch (err) {
    throw new MnsBadResponseError(operation, answer.status, err instanceof Error ? err.message : String(err));
  }
}

/** A status or document the operation never answers with: classified by its status alone. */
function unexpected(operation: string, answer: MnsAnswer): MnsServiceError {
  return new MnsServiceError(operation, answer.status, undefined, undefined, 'unexpected answer');
}

function requestDocument(root: string, inner: string): string {
  return `${declaration}<${root} xmlns="${requestNamespace}">${inner}</${root}>`;
}

/** As mnsQueue.ts's fromMns reads the SDK's strings: numbers by Number(), a missing body as ''. */
function fromMns(m: Record<string, XmlNode | XmlNode[]>): Omit<QueueMessage, 'leaseEndsAt'> {
  const text = (name: string) => leafText(m[name]);
  return {
    messageId: String(text('MessageId')),
    receiptHandle: String(text('ReceiptHandle')),
    body: text('MessageBody') ?? '',
    bodyMd5: String(text('MessageBodyMD5')),
    enqueueTime: Number(text('EnqueueTime')),
    nextVisibleTime: Number(text('NextVisibleTime')),
    firstDequeueTime: Number(text('FirstDequeueTime')),
    dequeueCount: Number(text('DequeueCount')),
    priority: Number(text('Priority')),
  };
}
