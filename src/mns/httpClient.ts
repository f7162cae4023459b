/**
 * One signed MNS request and its whole answer, over node:http(s) with keep-alive: the transport
 * under the lean queue (poller/mnsHttpQueue.ts). Every call has a deadline covering connect, wait and
 * body, and an answer larger than any MNS answer can be is cut off rather than buffered.
 */
import http from 'node:http';
import https from 'node:https';
import { MnsBadResponseError, MnsTimeoutError } from './errors';
import { signedRequestHeaders, type SigningIdentity } from './signer';

/**
 * The largest answer read: 16 messages of at most 64 KiB each, every byte possibly escaped to a
 * six-character entity (`&quot;`), is about 6 MiB; anything beyond is not MNS.
 */
export const maxResponseBytes = 8 * 1024 * 1024;

// Shared by every queue, as the SDK's httpx shares its own: sockets to one endpoint are reused
// across queues, and idle ones do not keep the process alive (the agent unrefs them).
const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

export interface MnsCall {
  /** The MNS operation's name, for errors and nothing else. */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path and query exactly as sent and signed, e.g. `/queues/q/messages?numOfMessages=16`. */
  resource: string;
  /** Request XML; absent for GET, an empty body for bodiless PUTs (as the SDK sends them). */
  body?: string;
  timeoutMs: number;
}

export interface MnsAnswer {
  status: number;
  contentType: string;
  text: string;
}

export class MnsHttpClient {
  private readonly url: URL;

  constructor(
    endpoint: string,
    private readonly identity: SigningIdentity,
  ) {
    this.url = new URL(endpoint);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') {
      throw new Error(`MNS endpoint must be http(s): ${this.url.origin}`);
    }
  }

  exchange(call: MnsCall): Promise<MnsAnswer> {
    const payload = call.body === undefined ? undefined : Buffer.from(call.body, 'utf8');
    const protocol = this.url.protocol as 'http:' | 'https:';
    const headers = signedRequestHeaders(this.identity, call.method, call.resource, this.url.host, payload);
    return new Promise<MnsAnswer>((resolve, reject) => {
      let settled = false;
      const settle = (err: Error | undefined, answer?: MnsAnswer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(answer!);
      };
      const request = (protocol === 'https:' ? https : http).request({
        protocol,
        hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
        port: this.url.port || undefined,
        path: call.resource,
        method: call.method,
        headers,
        agent: agents[protocol],
      });
      // Destroying the request also discards its socket, so a late answer cannot reach the next call.
      const abandon = (err: Error): void => {
        settle(err);
        request.destroy();
      };
      const timer = setTimeout(
        () => abandon(new MnsTimeoutError(call.operation, call.timeoutMs)),
        call.timeoutMs,
      );
      request.on('error', (err) => settle(err));
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        const tooLarge = () =>
          new MnsBadResponseError(call.operation, status, `larger than ${maxResponseBytes} bytes`);
        if (Number(response.headers['content-length'] ?? 0) > maxResponseBytes) return abandon(tooLarge());
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxResponseBytes) return abandon(tooLarge());
          chunks.push(chunk);
        });
        response.on('end', () =>
          settle(undefined, {
            status,
            contentType: response.headers['content-type'] ?? '',
            text: Buffer.concat(chunks, size).toString('utf8'),
          }),
        );
        response.on('error', (err) => settle(err));
        // A connection that dies mid-answer: a network error, as the SDK reports it.
        response.on('close', () => {
          if (!response.complete) settle(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
        });
      });
      request.end(payload);
    });
  }
}
