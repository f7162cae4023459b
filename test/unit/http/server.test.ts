import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { closeHttpServer, createHttpServer, HttpError, redactUrl, redactUrlsIn } from '../../../src/http';
import { rawRequest } from '../../harness/rawHttp';

const servers: Server[] = [];
after(() => Promise.all(servers.map(closeHttpServer)));

async function serve(
  ...args: Parameters<typeof createHttpServer>
): Promise<{ port: number; errors: unknown[] }> {
  const errors: unknown[] = [];
  const server = createHttpServer(args[0], { ...args[1], onError: (err) => errors.push(err) });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, errors };
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;

test('a throwing handler answers 500 and the server lives; a malformed target answers 400', async () => {
  const { port, errors } = await serve((_req, res, { url }) => {
    if (url.pathname === '/sync') throw new Error('boom');
    if (url.pathname === '/async') return Promise.reject(new Error('later boom'));
    if (url.pathname === '/teapot') throw new HttpError(418, 'short and stout');
    if (url.pathname === '/midway') {
      res.writeHead(200, { 'content-length': 10 });
      res.write('12345');
      throw new Error('after the head');
    }
    res.end(`path ${url.pathname}`);
  });
  assert.equal((await rawRequest(port, get('/sync'))).status, 500);
  assert.equal((await rawRequest(port, get('/async'))).status, 500);
  assert.match((await rawRequest(port, get('/teapot'))).text, /^HTTP\/1\.1 418[\s\S]*short and stout/);
  // Headers already sent: the only honest signal left is a cut connection.
  const midway = await rawRequest(port, get('/midway'));
  assert.ok(midway.closedByServer && !midway.text.includes('1234567890'), midway.text);
  for (const target of ['http://[', 'http://[/', '*', 'ftp://x/', 'javascript:alert(1)']) {
    assert.equal((await rawRequest(port, get(target))).status, 400, target);
  }
  assert.match((await rawRequest(port, get('//evil.example/x'))).text, /path \/\/evil\.example\/x$/);
  assert.equal(errors.length, 3);
});

test('the body cap holds while reading: a declared or a chunked body past it answers 413', async () => {
  let bodies = 0;
  const { port } = await serve(
    async (_req, res, { body }) => {
      const text = await body();
      bodies += 1;
      res.end(`read ${text.length}`);
    },
    { limits: { maxBodyBytes: 1024 } },
  );
  const ok = await rawRequest(
    port,
    `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`,
  );
  assert.match(ok.text, /read 5$/);
  // Answered before a byte of the body was sent.
  const declared = await rawRequest(port, `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n`, {
    untilHead: true,
  });
  assert.equal(declared.status, 413);
  const chunk = `${(2048).toString(16)}\r\n${'x'.repeat(2048)}\r\n`;
  const chunked = await rawRequest(
    port,
    `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}`,
    { untilHead: true },
  );
  assert.equal(chunked.status, 413);
  assert.equal(bodies, 1);
});

test('redaction keeps where a URL points and drops what authenticates to it', () => {
  assert.equal(
    redactUrl('https://user:pa55@hooks.example.com/v1/hook?token=abc&x=1#frag'),
    'https://***@hooks.example.com/v1/hook?token=***&x=***',
  );
  assert.equal(redactUrl('http://127.0.0.1:9300/hooks'), 'http://127.0.0.1:9300/hooks');
  assert.equal(
    redactUrlsIn(
      'fetch to https://u:p@a.example/x?sig=1 failed; Request cannot be constructed from a URL that includes credentials: http://u:secret@b.example/',
    ),
    'fetch to https://***@a.example/x?sig=*** failed; Request cannot be constructed from a URL that includes credentials: http://***@b.example/',
  );
  assert.equal(redactUrlsIn('cn-shanghai=http://k:s@[::1'), 'cn-shanghai=http://***@[::1');
});
