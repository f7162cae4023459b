/**
 * The queue API (docs/MNS-PROTOCOL.md): routes an authenticated request to an operation and renders
 * the service's answer. No sockets here; httpServer.ts does the transport.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { MnsAccount, SendInput } from './account';
import {
  errorMessage,
  invalidQueryString,
  mnsError,
  MnsServiceError,
  rangeError,
  schemaError,
} from './errors';
import type { MnsOperation } from './faults';
import type { ReceivedMessage, StoredMessage } from './queue';
import { parseInteger, parseQueueAttributes } from './queueAttributes';
import {
  document,
  element,
  fieldsXml,
  leafText,
  parseRequestXml,
  type ParsedDocument,
  type XmlNode,
} from './xml';

export interface MnsRequest {
  method: string;
  /** Path without the query, percent-encoded as sent. */
  path: string;
  /** Lower-cased names, percent-decoded values (`+` stays `+`). */
  query: Map<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
  /** `http://host[:port]` as the client addressed us; used for Location, QueueURL, HostId. */
  origin: string;
}

export interface MnsReply {
  status: number;
  body?: string;
  location?: string;
}

export interface RoutedRequest {
  operation: MnsOperation;
  queueName: string;
  doc?: ParsedDocument;
}

const maxBatch = 16;
const maxBatchBytes = 65536;

export function parseQuery(rawQuery: string): Map<string, string> {
  const query = new Map<string, string>();
  if (rawQuery === '') return query;
  for (const item of rawQuery.split('&')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    const rawName = eq === -1 ? item : item.slice(0, eq);
    const rawValue = eq === -1 ? '' : item.slice(eq + 1);
    try {
      query.set(decodeURIComponent(rawName).toLowerCase(), decodeURIComponent(rawValue));
    } catch {
      throw invalidQueryString(item);
    }
  }
  return query;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw mnsError('InvalidRequestURL');
  }
}

export function route(request: MnsRequest): RoutedRequest {
  const segments = request.path.split('/');
  // segments[0] is '' because the path starts with '/'.
  if (segments[0] !== '' || segments[1] !== 'queues') throw mnsError('InvalidRequestURL');
  const method = request.method;
  if (segments.length === 2 || (segments.length === 3 && segments[2] === '')) {
    if (method === 'GET') return { operation: 'ListQueue', queueName: '' };
    throw mnsError('InvalidRequestURL');
  }
  const queueName = decodeSegment(segments[2]!);
  if (segments.length === 3) {
    if (method === 'PUT') {
      const doc = parseRequestXml(request.body);
      return {
        operation: request.query.get('metaoverride') === 'true' ? 'SetQueueAttributes' : 'CreateQueue',
        queueName,
        doc,
      };
    }
    if (method === 'GET') return { operation: 'GetQueueAttributes', queueName };
    if (method === 'DELETE') return { operation: 'DeleteQueue', queueName };
    throw mnsError('InvalidRequestURL');
  }
  if (segments.length !== 4 || segments[3] !== 'messages') throw mnsError('InvalidRequestURL');
  const query = request.query;
  switch (method) {
    case 'POST': {
      const doc = parseRequestXml(request.body);
      if (doc.root === 'Message') return { operation: 'SendMessage', queueName, doc };
      if (doc.root === 'Messages') return { operation: 'BatchSendMessage', queueName, doc };
      throw schemaError(doc.root);
    }
    case 'GET': {
      const peek = query.get('peekonly') === 'true';
      const batch = query.has('numofmessages');
      if (peek) return { operation: batch ? 'BatchPeekMessage' : 'PeekMessage', queueName };
      return { operation: batch ? 'BatchReceiveMessage' : 'ReceiveMessage', queueName };
    }
    case 'DELETE': {
      if (query.has('receipthandle') || request.body.trim() === '')
        return { operation: 'DeleteMessage', queueName };
      return { operation: 'BatchDeleteMessage', queueName, doc: parseRequestXml(request.body) };
    }
    case 'PUT':
      return { operation: 'ChangeMessageVisibility', queueName };
    default:
      throw mnsError('InvalidRequestURL');
  }
}

function queryInteger(
  query: Map<string, string>,
  name: string,
  low: number,
  high: number,
): number | undefined {
  const raw = query.get(name.toLowerCase());
  if (raw === undefined) return undefined;
  if (!/^-?\d{1,15}$/.test(raw)) throw invalidQueryString(`${name}=${raw}`);
  const value = Number(raw);
  if (value < low || value > high)
    throw rangeError(name, low, high, name === 'numOfMessages' ? '' : 'seconds');
  return value;
}

function receivedFields(received: ReceivedMessage): string {
  const m = received.message;
  return fieldsXml([
    ['MessageId', m.messageId],
    ['ReceiptHandle', received.receiptHandle],
    ['MessageBodyMD5', m.bodyMd5],
    ['MessageBody', m.body],
    ['EnqueueTime', m.enqueueTime],
    ['NextVisibleTime', m.visibleAt],
    ['FirstDequeueTime', m.firstDequeueTime],
    ['DequeueCount', m.dequeueCount],
    ['Priority', m.priority],
  ]);
}

function peekedFields(m: StoredMessage): string {
  return fieldsXml([
    ['MessageId', m.messageId],
    ['MessageBody', m.body],
    ['MessageBodyMD5', m.bodyMd5],
    ['EnqueueTime', m.enqueueTime],
    ['FirstDequeueTime', m.firstDequeueTime],
    ['DequeueCount', m.dequeueCount],
    ['Priority', m.priority],
  ]);
}

function asList(node: XmlNode | XmlNode[] | undefined): XmlNode[] {
  if (node === undefined) return [];
  return Array.isArray(node) ? node : [node];
}

function parseSendInput(node: XmlNode): SendInput {
  if (typeof node === 'string') throw schemaError('MessageBody');
  const body = leafText(node.MessageBody, () => schemaError('MessageBody'));
  if (body === undefined) throw schemaError('MessageBody');
  const input: SendInput = { body };
  const delay = leafText(node.DelaySeconds, () => schemaError('DelaySeconds'));
  if (delay !== undefined) {
    const value = parseInteger(delay, 'DelaySeconds');
    if (value < 0 || value > 604800) throw rangeError('DelaySeconds', 0, 604800, 'seconds');
    input.delaySeconds = value;
  }
  const priority = leafText(node.Priority, () => schemaError('Priority'));
  if (priority !== undefined) {
    const value = parseInteger(priority, 'Priority');
    if (value < 0 || value > 16) throw rangeError('Priority', 1, 16, '');
    input.priority = value;
  }
  return input;
}

function queueUrl(origin: string, name: string): string {
  return `${origin}/queues/${name}`;
}

function attributesFields(account: MnsAccount, name: string): string {
  const queue = account.getQueue(name);
  const a = queue.attributes;
  const stats = queue.stats();
  return fieldsXml([
    ['QueueName', queue.name],
    ['CreateTime', queue.createTime],
    ['LastModifyTime', queue.lastModifyTime],
    ['DelaySeconds', a.delaySeconds],
    ['MaximumMessageSize', a.maximumMessageSize],
    ['MessageRetentionPeriod', a.messageRetentionPeriod],
    ['VisibilityTimeout', a.visibilityTimeout],
    ['PollingWaitSeconds', a.pollingWaitSeconds],
    ['ActiveMessages', stats.active],
    ['InactiveMessages', stats.inactive],
    ['DelayMessages', stats.delayed],
    ['LoggingEnabled', a.loggingEnabled ? 'True' : 'False'],
  ]);
}

function headerString(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function listQueues(account: MnsAccount, request: MnsRequest): MnsReply {
  const marker = headerString(request.headers, 'x-mns-marker') ?? '';
  const prefix = headerString(request.headers, 'x-mns-prefix') ?? '';
  const retRaw = headerString(request.headers, 'x-mns-ret-number');
  let limit = 1000;
  if (retRaw !== undefined) {
    if (!/^\d{1,5}$/.test(retRaw.trim())) throw rangeError('x-mns-ret-number', 1, 1000, '');
    limit = Number(retRaw.trim());
    if (limit < 1 || limit > 1000) throw rangeError('x-mns-ret-number', 1, 1000, '');
  }
  const withMeta = headerString(request.headers, 'x-mns-with-meta')?.trim().toLowerCase() === 'true';
  // The marker is opaque to clients; here it is the last name of the previous page.
  const names = [...account.queues.keys()].filter((name) => name.startsWith(prefix) && name > marker).sort();
  const page = names.slice(0, limit);
  let inner = '';
  for (const name of page) {
    const url = `<QueueURL>${queueUrl(request.origin, name)}</QueueURL>`;
    inner += `<Queue>${url}${withMeta ? attributesFields(account, name) : ''}</Queue>`;
  }
  if (names.length > page.length) inner += `<NextMarker>${page[page.length - 1]}</NextMarker>`;
  return { status: 200, body: document('Queues', inner) };
}

export type ReplyPromise = MnsReply | Promise<MnsReply>;

/**
 * Runs one routed operation. Receives may long-poll: they resolve later and hand a cancel
 * function to `onCancel` so a client that goes away stops holding a waiter.
 */
export function execute(
  account: MnsAccount,
  routed: RoutedRequest,
  request: MnsRequest,
  onCancel: (cancel: () => void) => void,
): ReplyPromise {
  const { queueName, doc } = routed;
  const query = request.query;
  switch (routed.operation) {
    case 'ListQueue':
      return listQueues(account, request);
    case 'CreateQueue': {
      if (doc!.root !== 'Queue') throw schemaError(doc!.root);
      const result = account.createQueue(queueName, parseQueueAttributes(doc!.content));
      if (result === 'exists') return { status: 204 };
      return { status: 201, location: queueUrl(request.origin, queueName) };
    }
    case 'SetQueueAttributes': {
      if (doc!.root !== 'Queue') throw schemaError(doc!.root);
      const changes = parseQueueAttributes(doc!.content);
      account.setQueueAttributes(queueName, changes);
      return { status: 204 };
    }
    case 'GetQueueAttributes':
      return { status: 200, body: document('Queue', attributesFields(account, queueName)) };
    case 'DeleteQueue':
      account.deleteQueue(queueName);
      return { status: 204 };
    case 'SendMessage': {
      const queue = account.getQueue(queueName);
      const message = account.send(queue, parseSendInput(doc!.content));
      return {
        status: 201,
        body: document(
          'Message',
          fieldsXml([
            ['MessageId', message.messageId],
            ['MessageBodyMD5', message.bodyMd5],
          ]),
        ),
      };
    }
    case 'BatchSendMessage':
      return batchSend(account, queueName, doc!);
    case 'ReceiveMessage':
    case 'BatchReceiveMessage': {
      const queue = account.getQueue(queueName);
      const batch = routed.operation === 'BatchReceiveMessage';
      const count = batch ? queryInteger(query, 'numOfMessages', 1, maxBatch)! : 1;
      const waitSeconds = queryInteger(query, 'waitseconds', 0, 30) ?? queue.attributes.pollingWaitSeconds;
      return new Promise<MnsReply>((resolve) => {
        const cancel = queue.receiveWaiting(count, waitSeconds * 1000, (received) => {
          if (received.length === 0) {
            resolve(errorReply(mnsError('MessageNotExist')));
            return;
          }
          const body = batch
            ? document('Messages', received.map((r) => `<Message>${receivedFields(r)}</Message>`).join(''))
            : document('Message', receivedFields(received[0]!));
          resolve({ status: 200, body });
        });
        onCancel(cancel);
      });
    }
    case 'PeekMessage':
    case 'BatchPeekMessage': {
      const queue = account.getQueue(queueName);
      const batch = routed.operation === 'BatchPeekMessage';
      const count = batch ? queryInteger(query, 'numOfMessages', 1, maxBatch)! : 1;
      const peeked = queue.peek(count);
      if (peeked.length === 0) throw mnsError('MessageNotExist');
      const body = batch
        ? document('Messages', peeked.map((m) => `<Message>${peekedFields(m)}</Message>`).join(''))
        : document('Message', peekedFields(peeked[0]!));
      return { status: 200, body };
    }
    case 'DeleteMessage': {
      const queue = account.getQueue(queueName);
      const handle = query.get('receipthandle');
      if (handle === undefined || handle === '') throw mnsError('MissingReceiptHandle');
      queue.deleteMessage(handle);
      return { status: 204 };
    }
    case 'BatchDeleteMessage':
      return batchDelete(account, queueName, doc!);
    case 'ChangeMessageVisibility': {
      const queue = account.getQueue(queueName);
      const handle = query.get('receipthandle');
      if (handle === undefined || handle === '') throw mnsError('MissingReceiptHandle');
      if (!query.has('visibilitytimeout')) throw mnsError('MissingVisibilityTimeout');
      const timeout = queryInteger(query, 'visibilityTimeout', 1, 43200)!;
      const changed = queue.changeVisibility(handle, timeout);
      return {
        status: 200,
        body: document(
          'ChangeVisibility',
          fieldsXml([
            ['ReceiptHandle', changed.receiptHandle],
            ['NextVisibleTime', changed.message.visibleAt],
          ]),
        ),
      };
    }
  }
}

function batchSend(account: MnsAccount, queueName: string, doc: ParsedDocument): MnsReply {
  const queue = account.getQueue(queueName);
  const entries = asList(doc.content.Message);
  if (entries.length < 1 || entries.length > maxBatch) throw rangeError('Messages', 1, maxBatch, '');
  const parsed = entries.map((entry): SendInput | MnsServiceError => {
    try {
      return parseSendInput(entry);
    } catch (err) {
      if (err instanceof MnsServiceError) return err;
      throw err;
    }
  });
  const totalBytes = parsed.reduce(
    (sum, p) => sum + (p instanceof MnsServiceError ? 0 : Buffer.byteLength(p.body)),
    0,
  );
  if (totalBytes > maxBatchBytes) throw rangeError('Messages', 1, maxBatchBytes, 'bytes');
  let failed = false;
  const results = parsed.map((input) => {
    let outcome: StoredMessage | MnsServiceError =
      input instanceof MnsServiceError ? input : mnsError('InternalError');
    if (!(input instanceof MnsServiceError)) {
      try {
        outcome = account.send(queue, input);
      } catch (err) {
        if (!(err instanceof MnsServiceError)) throw err;
        outcome = err;
      }
    }
    if (outcome instanceof MnsServiceError) {
      failed = true;
      return element('Message', [
        ['ErrorCode', outcome.code],
        ['ErrorMessage', outcome.message],
      ]);
    }
    return element('Message', [
      ['MessageId', outcome.messageId],
      ['MessageBodyMD5', outcome.bodyMd5],
    ]);
  });
  // A partial failure keeps <Messages> with a non-2xx status (docs/MNS-PROTOCOL.md, "BatchSendMessage").
  return { status: failed ? 500 : 201, body: document('Messages', results.join('')) };
}

function batchDelete(account: MnsAccount, queueName: string, doc: ParsedDocument): MnsReply {
  if (doc.root !== 'ReceiptHandles') throw schemaError(doc.root);
  const queue = account.getQueue(queueName);
  const handles = asList(doc.content.ReceiptHandle).map((node) =>
    leafText(node, () => schemaError('ReceiptHandle')),
  );
  if (handles.length < 1 || handles.length > maxBatch) throw rangeError('ReceiptHandles', 1, maxBatch, '');
  let failures = '';
  for (const handle of handles) {
    try {
      if (handle === undefined || handle.trim() === '') throw mnsError('ReceiptHandleError');
      queue.deleteMessage(handle.trim());
    } catch (err) {
      if (!(err instanceof MnsServiceError)) throw err;
      const code = err.code === 'MessageNotExist' ? 'MessageNotExist' : 'ReceiptHandleError';
      failures += element('Error', [
        ['ErrorCode', code],
        ['ErrorMessage', errorMessage(code)],
        ['ReceiptHandle', handle ?? ''],
      ]);
    }
  }
  if (failures === '') return { status: 204 };
  return { status: 404, body: document('Errors', failures) };
}

/** Error replies carry their body from httpServer (it knows the request id). */
export interface ErrorReply extends MnsReply {
  error: MnsServiceError;
}

export function errorReply(error: MnsServiceError): ErrorReply {
  return { status: error.status, error };
}
