import { createHash } from 'node:crypto';
import { assertMnsStatus, classifyMnsError, createMnsClient, type MnsClient } from '../../../src/mns/client';
import { escapeXml } from '../../../src/mns/xml';
import type { MessageCallback } from './callbackConfig';

/**
 * One write of one event to the configured callback, as VOD does it: MNS SendMessage with the
 * raw JSON as the message body, or an HTTP POST of the same JSON. Throws on failure; the
 * caller owns VOD's retry policy.
 */
export interface CallbackWriter {
  write(config: MessageCallback, body: string): Promise<void>;
  close(): void;
}

export interface MnsCredentials {
  accessKeyId: string;
  accessKeySecret: string;
}

/** VOD's documented timeout of one HTTP callback attempt. */
export const httpCallbackTimeoutMs = 5_000;

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly kind: string,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export function createCallbackWriter(options: {
  mnsCredentials?: MnsCredentials;
  timeoutMs: number;
}): CallbackWriter {
  const clients = new Map<string, MnsClient>();
  const mnsClient = (endpoint: string): MnsClient => {
    const creds = options.mnsCredentials;
    if (!creds) {
      // Real VOD writes with its RAM role; without one the write is refused, like an unauthorised role.
      throw new DeliveryError('no MNS credentials configured for the VOD emulator', 'auth');
    }
    let client = clients.get(endpoint);
    if (!client) {
      client = createMnsClient({ endpoint, ...creds, timeoutMs: options.timeoutMs });
      clients.set(endpoint, client);
    }
    return client;
  };

  return {
    async write(config, body) {
      if (config.CallbackType === 'MNS') {
        const endpoint = config.MnsEndpoint as string;
        const queue = config.MnsQueueName as string;
        try {
          const response = await mnsClient(endpoint).sendMessage(queue, { MessageBody: escapeXml(body) });
          assertMnsStatus('SendMessage', response, [201]);
        } catch (err) {
          if (err instanceof DeliveryError) throw err;
          const cls = classifyMnsError(err);
          throw new DeliveryError(
            `MNS SendMessage to ${queue} failed (${cls.code ?? cls.kind}): ${(err as Error).message}`,
            cls.kind,
          );
        }
        return;
      }
      const url = config.CallbackURL as string;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      // A fresh timestamp per attempt, over the CallbackURL exactly as configured.
      if (config.AuthSwitch === 'on' && config.AuthKey) {
        const timestamp = String(Math.floor(Date.now() / 1000));
        headers['X-VOD-TIMESTAMP'] = timestamp;
        headers['X-VOD-SIGNATURE'] = createHash('md5')
          .update(`${url}|${timestamp}|${config.AuthKey}`)
          .digest('hex');
      }
      let status: number;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers,
          body,
          redirect: 'manual',
          // VOD waits 5 s for the answer (headers and body), whatever the MNS timeout.
          signal: AbortSignal.timeout(httpCallbackTimeoutMs),
        });
        status = response.status;
        await response.arrayBuffer();
      } catch (err) {
        throw new DeliveryError(`HTTP callback to ${url} failed: ${(err as Error).message}`, 'network');
      }
      // Only 200 counts; redirects are failures (docs/VOD-API.md, "Callbacks").
      if (status !== 200) throw new DeliveryError(`HTTP callback to ${url} answered ${status}`, 'status');
    },
    close() {
      clients.clear();
    },
  };
}
