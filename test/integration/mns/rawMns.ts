/** Raw signed HTTP for what the SDK cannot send (escaped bodies, stale dates, broken XML, Go/Java quirks). */
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { createHash } from 'node:crypto';
import { signV2, stringToSign } from '../../../harness/emulators/mns/signature';
import { authorizationV4 } from '../../../harness/emulators/mns/signatureV4';
import { classifyMnsError, type MnsClient, type ReceivedMessage } from '../../../src/mns/client';

export interface RawRequest {
  method: string;
  /** Raw request-target, signed as is. */
  target: string;
  body?: string;
  headers?: Record<string, string>;
  accessKeyId?: string;
  accessKeySecret?: string;
  date?: Date;
  /** Leave out the Authorization header entirely. */
  unsigned?: boolean;
  /** Sign with MNS4-HMAC-SHA256 for this region instead of V2. */
  v4Region?: string;
  /** Trust this certificate (PEM) for an https endpoint. */
  ca?: string;
  /** Called with the request once sent, e.g. to abandon it. */
  onRequest?: (request: http.ClientRequest) => void;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaderNames: string[];
  body: string;
}

export function rawMnsRequest(endpoint: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(endpoint);
  const body = req.body ?? '';
  const date = (req.date ?? new Date()).toUTCString();
  const headers: Record<string, string> = { date, 'x-mns-version': '2015-06-06', ...req.headers };
  if (body !== '' && headers['content-type'] === undefined)
    headers['content-type'] = 'text/xml;charset=UTF-8';
  if (body !== '' && headers['content-md5'] === undefined) {
    headers['content-md5'] = createHash('md5').update(body).digest('base64');
  }
  if (!req.unsigned && req.v4Region !== undefined) {
    const q = req.target.indexOf('?');
    const query = q === -1 ? '' : req.target.slice(q + 1);
    headers.authorization = authorizationV4(
      req.accessKeyId ?? 'ak',
      req.accessKeySecret ?? 'sk',
      req.v4Region,
      Date.parse(date),
      {
        method: req.method,
        path: q === -1 ? req.target : req.target.slice(0, q),
        query: [...new URLSearchParams(query.replace(/\+/g, '%2B'))],
        headers: Object.entries(headers),
      },
    );
  } else if (!req.unsigned) {
    const signature = signV2(
      req.accessKeySecret ?? 'sk',
      stringToSign({
        verb: req.method,
        contentMd5: headers['content-md5'] ?? '',
        contentType: headers['content-type'] ?? '',
        date: headers.date ?? '',
        mnsHeaders: Object.entries(headers).filter(([k]) => k.toLowerCase().startsWith('x-mns-')),
        resource: req.target,
      }),
    );
    headers.authorization = `MNS ${req.accessKeyId ?? 'ak'}:${signature}`;
  }
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.target,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        timeout: 40_000,
        agent: false,
        ...(req.ca !== undefined ? { ca: req.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaderNames: res.rawHeaders.filter((_, i) => i % 2 === 0),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('raw MNS request timed out')));
    request.on('error', reject);
    request.end(body);
    req.onRequest?.(request);
  });
}

/** The `<Code>` of an error document, or undefined. */
export function errorCode(body: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
}

export function xmlField(body: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1];
}

/**
 * Batch-receives until `count` messages arrived (a real batch receive may come back short
 * while more wait, so one call proves nothing); fails after `attempts` receives.
 */
export async function receiveAtLeast(
  mns: MnsClient,
  queue: string,
  count: number,
  attempts = 50,
): Promise<ReceivedMessage[]> {
  const got: ReceivedMessage[] = [];
  for (let i = 0; i < attempts && got.length < count; i += 1) {
    try {
      const response = await mns.batchReceiveMessage(queue, Math.min(16, count - got.length));
      got.push(...response.body);
    } catch (err) {
      if (classifyMnsError(err).kind !== 'message-not-exist') throw err;
    }
  }
  if (got.length < count) throw new Error(`received ${got.length} of ${count} messages from ${queue}`);
  return got;
}

/** What a failed MNS call looks like to the poller: classifyMnsError's verdict. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<{ kind: string; code?: string; status?: number }> {
  try {
    await promise;
  } catch (err) {
    const { kind, code, status } = classifyMnsError(err);
    return { kind, ...(code !== undefined ? { code } : {}), ...(status !== undefined ? { status } : {}) };
  }
  assert.fail('expected the call to fail');
}
