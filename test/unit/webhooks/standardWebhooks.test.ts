import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { retryableStatus } from '../../../src/activities/webhook';
import { parseWebhookSecrets, signPublication, verifyPublication } from '../../../src/webhooks';

const secretA = `whsec_${Buffer.alloc(32, 'a').toString('base64')}`;
const secretB = `whsec_${Buffer.alloc(32, 'b').toString('base64')}`;
const body = '{"videoId":"v1","status":"ready"}';
const id = 'video-v1:publishVideoReady:t1-s1';

test('the signature is the Standard Webhooks one: the published example verifies', () => {
  // The example of the Standard Webhooks reference libraries.
  const wh = new Webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
  assert.equal(
    wh.sign('msg_p5jXN8AQM9LWM0D4loKWxJek', new Date(1614265330 * 1000), '{"test": 2432232314}'),
    'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  );
  const headers = signPublication(
    ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    'msg_p5jXN8AQM9LWM0D4loKWxJek',
    '{"test": 2432232314}',
    new Date(1614265330 * 1000),
  );
  assert.deepEqual(headers, {
    'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    'webhook-timestamp': '1614265330',
    'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  });
});

test('during a rotation every secret signs, and a receiver with either one verifies', () => {
  const headers = signPublication([secretA, secretB], id, body, new Date());
  assert.equal(headers['webhook-signature']!.split(' ').length, 2);
  assert.ok(headers['webhook-signature']!.split(' ').every((s) => s.startsWith('v1,')));
  assert.equal(verifyPublication([secretA], body, headers).ok, true);
  assert.equal(verifyPublication([secretB], Buffer.from(body), headers).ok, true);
  const other = `whsec_${Buffer.alloc(32, 'c').toString('base64')}`;
  assert.deepEqual(verifyPublication([other], body, headers), {
    ok: false,
    reason: 'No matching signature found',
  });
  // A receiver mid-rotation keeps both; a sender that already dropped the old one still verifies.
  assert.equal(
    verifyPublication([other, secretB], body, signPublication([secretB], id, body, new Date())).ok,
    true,
  );
});

test('the timestamp, the id and the body are all signed: a replay or an edit fails', () => {
  const now = Date.now();
  const stale = signPublication([secretA], id, body, new Date(now - 6 * 60_000));
  assert.deepEqual(verifyPublication([secretA], body, stale), {
    ok: false,
    reason: 'Message timestamp too old',
  });
  const future = signPublication([secretA], id, body, new Date(now + 6 * 60_000));
  assert.deepEqual(verifyPublication([secretA], body, future), {
    ok: false,
    reason: 'Message timestamp too new',
  });

  const fresh = signPublication([secretA], id, body, new Date(now));
  assert.equal(verifyPublication([secretA], body, fresh).ok, true);
  assert.equal(verifyPublication([secretA], body.replace('ready', 'gone'), fresh).ok, false);
  assert.equal(verifyPublication([secretA], body, { ...fresh, 'webhook-id': 'another-key' }).ok, false);
  const moved = { ...fresh, 'webhook-timestamp': String(Number(fresh['webhook-timestamp']) + 1) };
  assert.equal(verifyPublication([secretA], body, moved).ok, false);
  assert.deepEqual(verifyPublication([secretA], body, {}), { ok: false, reason: 'Missing required headers' });
});

test('secrets: whsec_ form, 24–64 bytes, comma or space separated; messages never quote a value', () => {
  assert.deepEqual(parseWebhookSecrets(secretA), { ok: true, secrets: [secretA] });
  assert.deepEqual(parseWebhookSecrets(` ${secretA}, ${secretB} `), {
    ok: true,
    secrets: [secretA, secretB],
  });
  assert.deepEqual(parseWebhookSecrets(`${secretA} ${secretB}`), { ok: true, secrets: [secretA, secretB] });

  const cases: Array<[string, RegExp]> = [
    ['plain-password-value', /must be a Standard Webhooks secret.*openssl rand -base64 32/],
    [`whsec_${Buffer.alloc(16, 'x').toString('base64')}`, /holds 16 bytes; a secret needs 24–64/],
    [`whsec_${Buffer.alloc(65, 'x').toString('base64')}`, /holds 65 bytes/],
    ['whsec_not*base64!', /not valid base64/],
    [`${secretA},${secretA}`, /the same secret twice/],
    [`${secretA},plain-password-value`, /entry 2 must be a Standard Webhooks secret/],
  ];
  for (const [raw, expected] of cases) {
    const result = parseWebhookSecrets(raw);
    assert.equal(result.ok, false, raw);
    const text = result.ok ? '' : result.problems.join('\n');
    assert.match(text, expected);
    assert.ok(!text.includes('plain-password-value') && !text.includes(secretA.slice(6)), text);
  }
});

test('retryable statuses: timeouts, conflicts, rate limits and 5xx', () => {
  assert.deepEqual([400, 401, 404, 408, 409, 422, 429, 500, 503].map(retryableStatus), [
    false,
    false,
    false,
    true,
    true,
    false,
    true,
    true,
    true,
  ]);
});
