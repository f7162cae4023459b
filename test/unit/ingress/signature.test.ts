import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAuthKeys } from '../../../src/ingress/authKeys';
import { isProbe, probeBody } from '../../../src/ingress/probe';
import { callbackRoutes, callbackUrlFor, callbackUrlProblem } from '../../../src/ingress/routes';
import { authenticateCallback, callbackSignature, signedHeaders } from '../../../src/ingress/signature';

test("VOD's documented example: md5(URL|timestamp|key), hex", () => {
  // VOD's HTTP callback authentication page: https://www.example.com/your/callback, 1519375990,
  // key test123 → c72b60894140fa98920f1279219b**** (the page masks the last four digits).
  const signature = callbackSignature('https://www.example.com/your/callback', '1519375990', 'test123');
  assert.equal(signature, 'c72b60894140fa98920f1279219b7ed4');
  assert.match(signature, /^c72b60894140fa98920f1279219b[0-9a-f]{4}$/);
});

const url = 'https://hooks.example.com/vod/events';
const key = 'NewKey0123456789abcdEF';
const oldKey = 'OldKey0123456789abcdEF';
const at = 1_760_000_000_000;
const credentials = { callbackUrl: url, authKeys: [key, oldKey], maxAgeSeconds: 300 };
const headersOf = (h: Record<string, string>) => ({
  timestamp: h['X-VOD-TIMESTAMP'],
  signature: h['X-VOD-SIGNATURE'],
});

test('a request signed as VOD signs it passes, with either key of a rotation, in either hex case', () => {
  assert.deepEqual(authenticateCallback(headersOf(signedHeaders(url, key, at)), credentials, at), {
    ok: true,
  });
  assert.deepEqual(authenticateCallback(headersOf(signedHeaders(url, oldKey, at)), credentials, at), {
    ok: true,
  });
  const upper = headersOf(signedHeaders(url, key, at));
  assert.deepEqual(
    authenticateCallback({ ...upper, signature: upper.signature!.toUpperCase() }, credentials, at),
    { ok: true },
  );
});

test('a wrong key, another URL, a body-independent forgery: bad_signature', () => {
  const wrongKey = authenticateCallback(
    headersOf(signedHeaders(url, 'Other0123456789abcdEFgh', at)),
    credentials,
    at,
  );
  assert.equal(wrongKey.ok ? 'ok' : wrongKey.reason, 'bad_signature');
  // The URL is signed: a signature for the regional URL does not open the default one.
  const otherUrl = authenticateCallback(
    headersOf(signedHeaders(`${url}/cn-beijing`, key, at)),
    credentials,
    at,
  );
  assert.equal(otherUrl.ok ? 'ok' : otherUrl.reason, 'bad_signature');
  for (const forged of [
    { timestamp: String(at / 1000), signature: 'not-hex' },
    { timestamp: '17600000x0', signature: callbackSignature(url, '17600000x0', key) },
    { timestamp: String(at / 1000), signature: '0'.repeat(32) },
  ]) {
    const outcome = authenticateCallback(forged, credentials, at);
    assert.equal(outcome.ok ? 'ok' : outcome.reason, 'bad_signature', JSON.stringify(forged));
  }
});

test('missing headers: missing_signature, naming which', () => {
  const outcome = authenticateCallback({ timestamp: undefined, signature: undefined }, credentials, at);
  assert.ok(!outcome.ok);
  assert.equal(outcome.reason, 'missing_signature');
  assert.match(outcome.detail, /X-VOD-TIMESTAMP and X-VOD-SIGNATURE/);
});

test('the timestamp window: 5 minutes either way by default, 0 turns it off', () => {
  const signedAt = (offsetSeconds: number) => headersOf(signedHeaders(url, key, at + offsetSeconds * 1000));
  assert.ok(authenticateCallback(signedAt(-300), credentials, at).ok);
  assert.ok(authenticateCallback(signedAt(300), credentials, at).ok);
  const old = authenticateCallback(signedAt(-301), credentials, at);
  assert.ok(!old.ok);
  assert.equal(old.reason, 'stale_timestamp');
  assert.match(old.detail, /301 s old/);
  const future = authenticateCallback(signedAt(400), credentials, at);
  assert.ok(!future.ok && /in the future/.test(future.detail));
  assert.ok(authenticateCallback(signedAt(-86_400), { ...credentials, maxAgeSeconds: 0 }, at).ok);
  // A bad signature is reported as such even when the time is off too.
  const both = authenticateCallback(
    headersOf(signedHeaders(url, 'Other0123456789abcdEFgh', at - 3_600_000)),
    credentials,
    at,
  );
  assert.equal(both.ok ? 'ok' : both.reason, 'bad_signature');
});

test('no detail ever carries a key or the expected signature', () => {
  const expected = callbackSignature(url, String(at / 1000), key);
  for (const outcome of [
    authenticateCallback({ timestamp: String(at / 1000), signature: '0'.repeat(32) }, credentials, at),
    authenticateCallback(headersOf(signedHeaders(url, key, at - 3_600_000)), credentials, at),
  ]) {
    assert.ok(!outcome.ok);
    for (const secret of [key, oldKey, expected]) assert.ok(!outcome.detail.includes(secret));
  }
});

test('AuthKeys: VOD’s rule (≤ 32, upper, lower, digits), at least 16, two during a rotation', () => {
  assert.deepEqual(parseAuthKeys(`${key}, ${oldKey}`), { ok: true, keys: [key, oldKey] });
  const problems = (raw: string) => {
    const parsed = parseAuthKeys(raw);
    return parsed.ok ? [] : parsed.problems;
  };
  assert.match(problems('Short1a').join(), /16–32 characters/);
  assert.match(problems('a'.repeat(33)).join(), /16–32 characters/);
  assert.match(problems('alllowercase0123456').join(), /upper case, lower case and digits/);
  assert.match(problems('With-Dash-0123456789').join(), /only letters and digits/);
  assert.match(problems(`${key},${key}`).join(), /same key twice/);
  assert.match(problems(`${key},${oldKey},Third0123456789abcd`).join(), /at most 2/);
  // Problems never quote a key.
  assert.ok(!problems('Short1a').join().includes('Short1a'));
});

test('routes: the configured URL for the default region, /<region> for every region', () => {
  const queues = [
    {
      region: 'cn-shanghai',
      endpoint: 'https://1.mns.cn-shanghai.aliyuncs.com',
      queue: 'a',
      deadLetterQueue: 'a-dlq',
    },
    {
      region: 'cn-shanghai',
      endpoint: 'https://1.mns.cn-shanghai.aliyuncs.com',
      queue: 'b',
      deadLetterQueue: 'b-dlq',
    },
    {
      region: 'ap-southeast-1',
      endpoint: 'https://1.mns.ap-southeast-1.aliyuncs.com',
      queue: 'c',
      deadLetterQueue: 'c-dlq',
    },
  ];
  const routes = callbackRoutes(url, queues);
  assert.deepEqual(
    routes.map((r) => [r.path, r.region, r.callbackUrl, r.queue.queue]),
    [
      ['/vod/events', 'cn-shanghai', url, 'a'],
      ['/vod/events/cn-shanghai', 'cn-shanghai', `${url}/cn-shanghai`, 'a'],
      ['/vod/events/ap-southeast-1', 'ap-southeast-1', `${url}/ap-southeast-1`, 'c'],
    ],
  );
  assert.equal(callbackUrlFor(url, 'cn-shanghai', 'cn-shanghai'), url);
  assert.equal(callbackUrlFor(`${url}/`, 'ap-southeast-1', 'cn-shanghai'), `${url}/ap-southeast-1`);
  assert.equal(callbackUrlProblem(url, ['cn-shanghai']), null);
  assert.match(callbackUrlProblem(`${url}?token=x`, []) ?? '', /query/);
  assert.match(
    callbackUrlProblem(`https://h.example.com/${'p'.repeat(240)}`, ['ap-southeast-1']) ?? '',
    /256 bytes/,
  );
});

test('the probe body is recognized, a VOD event is not', () => {
  assert.ok(isProbe(probeBody()));
  assert.ok(!isProbe('{"EventType":"FileUploadComplete","VideoId":"v1","EventTime":"2026-01-01T00:00:00Z"}'));
  assert.ok(!isProbe('{"EventType":"VodflowProbe"}'));
  assert.ok(!isProbe('not json VodflowProbe'));
});
