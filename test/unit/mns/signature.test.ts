import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authenticate, signV2, stringToSign } from '../../../harness/emulators/mns/signature';
import { MnsServiceError } from '../../../harness/emulators/mns/errors';
import { authorizationV4 } from '../../../harness/emulators/mns/signatureV4';

test('signature V2 reproduces the published test vectors (docs/MNS-PROTOCOL.md)', () => {
  const vectors = [
    {
      parts: {
        verb: 'PUT',
        contentMd5: '574683b3684e3cff610afa155cc2506d',
        contentType: 'text/xml',
        date: 'Tue, 11 Apr 2017 10:09:19 GMT',
        mnsHeaders: [['x-mns-version', '2015-06-06']] as Array<[string, string]>,
        resource: '/',
      },
      secret: 'ACCESS_KEY_SECRET',
      signature: 'A9zehggaYHHujmuRMxGIDrhWwx8=',
    },
    {
      parts: {
        verb: 'POST',
        contentMd5: '',
        contentType: '',
        date: 'Tue, 03 Jun 2025 11:23:48 GMT',
        mnsHeaders: [['X-MNS-abcdef', 'abcDEF']] as Array<[string, string]>,
        resource: '/queues/TestQueue',
      },
      secret: 'sk1',
      signature: 'cAThPWnbphg3hDe3ZHDADTgkgyE=',
    },
    {
      parts: {
        verb: 'GET',
        contentMd5: '',
        contentType: '',
        date: 'Tue, 03 Jun 2025 11:23:48 GMT',
        mnsHeaders: [],
        resource: '/queues/TestQueue',
      },
      secret: 'testSk',
      signature: 'uDJQXbk2xOhH95MDXmgbAGdtyE4=',
    },
  ];
  for (const v of vectors) assert.equal(signV2(v.secret, stringToSign(v.parts)), v.signature);
});

const date = 'Tue, 03 Jun 2025 11:23:48 GMT';
const now = Date.parse(date);
const secrets = new Map([['ak', 'sk']]);

function signedHeaders(
  resource: string,
  extra: Record<string, string> = {},
  secret = 'sk',
): Record<string, string> {
  const headers: Record<string, string> = { date, 'x-mns-version': '2015-06-06', ...extra };
  const mnsHeaders = Object.entries(headers).filter(([k]) => k.startsWith('x-mns-'));
  const signature = signV2(
    secret,
    stringToSign({
      verb: 'GET',
      contentMd5: headers['content-md5'] ?? '',
      contentType: headers['content-type'] ?? '',
      date,
      mnsHeaders,
      resource,
    }),
  );
  return { ...headers, authorization: `MNS ak:${signature}` };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof MnsServiceError);
    return `${err.status} ${err.code}`;
  }
  return 'ok';
}

test('authenticate verifies the raw request-target and x-mns headers', () => {
  const target = '/queues/q/messages?ReceiptHandle=1-MS0x%3D%3D';
  assert.equal(
    codeOf(() => authenticate('GET', target, signedHeaders(target), secrets, now)),
    'ok',
  );
  // The same request, decoded: the signature covers the bytes on the wire.
  assert.equal(
    codeOf(() =>
      authenticate('GET', '/queues/q/messages?ReceiptHandle=1-MS0x==', signedHeaders(target), secrets, now),
    ),
    '403 SignatureDoesNotMatch',
  );
  const tampered = {
    ...signedHeaders(target, { 'x-mns-user-request-id': 'a' }),
    'x-mns-user-request-id': 'b',
  };
  assert.equal(
    codeOf(() => authenticate('GET', target, tampered, secrets, now)),
    '403 SignatureDoesNotMatch',
  );
  // security-token is added after signing and never signed.
  const sts = { ...signedHeaders(target), 'security-token': 'token' };
  assert.equal(
    codeOf(() => authenticate('GET', target, sts, secrets, now)),
    'ok',
  );
});

test('authenticate answers the service error for each broken header', () => {
  const t = '/queues';
  const h = signedHeaders(t);
  assert.equal(
    codeOf(() => authenticate('GET', t, { ...h, authorization: '' }, secrets, now)),
    '400 MissingAuthorizationHeader',
  );
  assert.equal(
    codeOf(() => authenticate('GET', t, { ...h, authorization: 'Bearer x' }, secrets, now)),
    '400 InvalidAuthorizationHeader',
  );
  assert.equal(
    codeOf(() => authenticate('GET', t, { ...h, authorization: 'MNS nobody:abc' }, secrets, now)),
    '403 InvalidAccessKeyId',
  );
  const noDate = { ...h };
  delete noDate.date;
  assert.equal(
    codeOf(() => authenticate('GET', t, noDate, secrets, now)),
    '400 MissingDateHeader',
  );
  assert.equal(
    codeOf(() => authenticate('GET', t, { ...h, date: 'yesterday' }, secrets, now)),
    '400 InvalidDateHeader',
  );
  assert.equal(
    codeOf(() => authenticate('GET', t, h, secrets, now + 16 * 60 * 1000)),
    '408 TimeExpired',
  );
  assert.equal(
    codeOf(() => authenticate('GET', t, h, secrets, now + 14 * 60 * 1000)),
    'ok',
  );
  const noVersion = { ...h };
  delete noVersion['x-mns-version'];
  assert.equal(
    codeOf(() => authenticate('GET', t, noVersion, secrets, now)),
    '400 MissingVersionHeader',
  );
});

test('signature V4 reproduces the Java SDK test vectors', () => {
  const one = authorizationV4('ak1', 'sk1', 'region1', Date.parse('2025-06-03T10:52:35Z'), {
    method: 'POST',
    path: '/queues/TestQueue/',
    query: [
      ['param1', 'abc'],
      ['PARAM2', 'd  ef'],
      ['PARAM3', '[def]#bbb'],
      ['PARAM4', '中文参数'],
    ],
    headers: [],
  });
  assert.equal(
    one,
    'MNS4-HMAC-SHA256 Credential=ak1/20250603/region1/mns/aliyun_v4_request,Signature=1fc6013f158d4c3aba09570895a2a93c8445c2c5213d82a1463baf602cf0d945',
  );
  const three = authorizationV4(
    'akkkkk222222222',
    'skkkkkk2222222222',
    'eu-west-1',
    Date.parse('2025-12-04T06:32:35.638Z'),
    {
      method: 'GET',
      path: '/queues',
      query: [],
      headers: [
        ['x-mns-version', '2015-06-30'],
        ['x-mns-ttt', '1'],
        ['X-MNS-UUUuu', 'FALse'],
        ['bb-MNS-UUUuu', 'abcdddDDD'],
        ['Content-Type', 'application/json'],
        ['Content-MD5', '0d9d2ce750000593eb34f00'],
      ],
    },
  );
  assert.match(three, /,Signature=294f776a2d5726df679b54b081ab8126a199a2545c8c8a7a875adff0b386e458$/);
});

test('authenticate accepts V4 over the request as sent, unless V4 is switched off', () => {
  const secrets = new Map([['ak', 'sk']]);
  const now = Date.parse('2025-06-03T10:52:35Z');
  const date = new Date(now).toUTCString();
  const target = '/queues/q/messages?ReceiptHandle=1-MTIzLTQ1Ni0xLTI%3D&waitseconds=3';
  const headers = { date, 'x-mns-version': '2015-06-06', 'content-type': 'text/xml' };
  const authorization = authorizationV4('ak', 'sk', 'cn-hangzhou', now, {
    method: 'DELETE',
    path: '/queues/q/messages',
    query: [
      ['ReceiptHandle', '1-MTIzLTQ1Ni0xLTI='],
      ['waitseconds', '3'],
    ],
    headers: Object.entries(headers),
  });
  const signed = { ...headers, authorization };
  assert.equal(authenticate('DELETE', target, signed, secrets, now), 'ak');
  assert.equal(authenticate('DELETE', target, signed, secrets, now, { region: 'cn-hangzhou' }), 'ak');
  assert.equal(
    codeOf(() => authenticate('DELETE', target, signed, secrets, now, { region: 'cn-shanghai' })),
    '403 SignatureDoesNotMatch',
  );
  assert.equal(
    codeOf(() => authenticate('GET', target, signed, secrets, now)),
    '403 SignatureDoesNotMatch',
  );
  assert.equal(
    codeOf(() => authenticate('DELETE', target, signed, secrets, now, { signatureV4: false })),
    '400 InvalidAuthorizationHeader',
  );
  assert.equal(
    codeOf(() => authenticate('DELETE', target, signed, secrets, now + 16 * 60_000)),
    '408 TimeExpired',
  );
});
