/**
 * The publisher activity against hostile webhook endpoints on loopback: redirects of every
 * kind, huge and trickled answers, resets, silence. Each outcome must be classified (failure
 * type, retryable or not), nothing may be sent anywhere but the configured URL, and memory
 * must stay bounded.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { startWebhookSink } from '../../../harness/stack/webhookReceiver';
import { createActivities } from '../../../src/activities';
import { publishDocument, type WebhookSettings } from '../../../src/activities/webhook';
import { memoryMb } from '../../harness/rawHttp';

const secret = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
const input = {
  idempotencyKey: 'video-v1:publishVideoReady:t1-s1',
  document: { videoId: 'v1', status: 'ready' },
};
const open: http.Server[] = [];
after(async () => {
  for (const server of open) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

async function endpoint(handler: http.RequestListener): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  open.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, requests };
}

/** The activity as the worker registers it. */
function publisher(url: string, timeoutMs = 2_000) {
  return createActivities({
    vod: { credentials: { accessKeyId: 'k', accessKeySecret: 's' }, timeoutMs: 1_000 },
    webhook: { url, secrets: [secret], timeoutMs },
  }).publishVideoReady;
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, String(err));
    return err;
  }
  assert.fail('expected the publication to fail');
}

describe('publishing to hostile endpoints', () => {
  test('no redirect is followed: 301/302/303/307/308 fail for good, and nothing reaches the Location', async () => {
    const elsewhere = await endpoint((_req, res) => res.end('stolen'));
    for (const status of [301, 302, 303, 307, 308]) {
      for (const location of [elsewhere.url, 'http://user:pw-in-location@example.invalid/x?token=t']) {
        const hook = await endpoint((req, res) => {
          req.resume();
          res.writeHead(status, { location }).end('moved');
        });
        const failure = await failureOf(publisher(hook.url)(input));
        assert.equal(failure.type, 'WebhookRedirected', `${status}`);
        assert.equal(failure.nonRetryable, true);
        assert.match(failure.message, new RegExp(`answered HTTP ${status}, a redirect`));
        assert.match(failure.message, /set VODFLOW_WEBHOOK_URL to the final URL/);
        assert.ok(
          !failure.message.includes('pw-in-location') && !failure.message.includes('token=t'),
          failure.message,
        );
        assert.deepEqual(hook.requests, ['POST /hook']);
      }
    }
    assert.deepEqual(elsewhere.requests, [], 'a redirect was followed');
  });

  test('statuses are classified: 2xx delivered, 429/5xx retryable, other 4xx rejected for good', async () => {
    const cases: Array<[number, string | null, boolean]> = [
      [200, null, false],
      [204, null, false],
      [400, 'WebhookRejected', true],
      [401, 'WebhookRejected', true],
      [429, 'WebhookUnavailable', false],
      [503, 'WebhookUnavailable', false],
    ];
    for (const [status, type, nonRetryable] of cases) {
      const hook = await endpoint((req, res) => {
        req.resume();
        res.writeHead(status).end();
      });
      if (type === null) {
        assert.deepEqual(await publisher(hook.url)(input), {
          delivered: true,
          status,
          idempotencyKey: input.idempotencyKey,
        });
        continue;
      }
      const failure = await failureOf(publisher(hook.url)(input));
      assert.deepEqual([failure.type, failure.nonRetryable], [type, nonRetryable], `${status}`);
    }
  });

  test('a huge answer is read up to the cap and dropped: 300 MB leave memory bounded', async () => {
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const flood = (status: number) =>
      endpoint((req, res) => {
        req.resume();
        res.writeHead(status, { 'content-length': 300 * 1024 * 1024 });
        const pump = (): void => {
          while (sent < 300 * 1024 * 1024 && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      });
    const before = memoryMb();
    const ok = await flood(200);
    assert.equal((await publisher(ok.url)(input)).delivered, true);
    const unavailable = await flood(503);
    const failure = await failureOf(publisher(unavailable.url)(input));
    assert.equal(failure.type, 'WebhookUnavailable');
    const now = memoryMb();
    assert.ok(sent < 2 * 300 * 1024 * 1024, 'the client read both answers to the end');
    assert.ok(now.rss - before.rss < 100, `RSS grew ${Math.round(now.rss - before.rss)} MB`);
  });

  test('silence, trickles and resets: timeouts and unreachable endpoints are retryable', async () => {
    const silent = await endpoint(() => undefined);
    const started = Date.now();
    const timeout = await failureOf(publisher(silent.url, 500)(input));
    assert.deepEqual([timeout.type, timeout.nonRetryable], ['WebhookTimeout', false]);
    assert.ok(Date.now() - started < 5_000);

    // A 200 whose body never ends: the status was the answer.
    const trickle = await endpoint((req, res) => {
      req.resume();
      res.writeHead(200);
      const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write('.')), 50);
    });
    assert.equal((await publisher(trickle.url, 800)(input)).delivered, true);

    const reset = await endpoint((req) => (req.socket as Socket).resetAndDestroy());
    const unreachable = await failureOf(publisher(reset.url)(input));
    assert.deepEqual([unreachable.type, unreachable.nonRetryable], ['WebhookUnreachable', false]);

    const closed = await endpoint(() => undefined);
    const port = new URL(closed.url).port;
    const server = open.pop()!;
    await new Promise((r) => server.close(r));
    const refused = await failureOf(publisher(`http://127.0.0.1:${port}/hook`)(input));
    assert.equal(refused.type, 'WebhookUnreachable');
    assert.match(refused.message, /ECONNREFUSED/);
  });

  test('a URL with credentials never reaches a failure message (they go into the history)', async () => {
    const failure = await failureOf(
      publisher('http://hook-user:planted-password@127.0.0.1:9/hook?token=planted-token')(input),
    );
    assert.ok(!/planted-password|planted-token|hook-user/.test(failure.message), failure.message);
  });

  test('each attempt is signed at send time: same webhook-id, its own timestamp, verified by a receiver', async () => {
    const sink = await startWebhookSink([secret]);
    try {
      const settings: WebhookSettings = { url: sink.url, secrets: [secret], timeoutMs: 2_000 };
      const first = Date.now();
      await publishDocument(settings, input, () => new Date(first - 60_000));
      await publishDocument(settings, input, () => new Date(first));
      // Six minutes old: a captured request replayed later is refused.
      await assert.rejects(publishDocument(settings, input, () => new Date(first - 6 * 60_000)));
      const [a, b, stale] = sink.deliveries;
      assert.deepEqual(
        [a!.signatureValid, b!.signatureValid, stale!.signatureValid, stale!.rejection],
        [true, true, false, 'Message timestamp too old'],
      );
      assert.equal(a!.headers['webhook-id'], input.idempotencyKey);
      assert.equal(b!.headers['webhook-id'], input.idempotencyKey);
      assert.equal(a!.headers['idempotency-key'], input.idempotencyKey);
      assert.notEqual(a!.headers['webhook-timestamp'], b!.headers['webhook-timestamp']);
      assert.deepEqual(a!.body, b!.body);
      assert.equal(sink.accepted.size, 1);
    } finally {
      await sink.close();
    }
  });
});
