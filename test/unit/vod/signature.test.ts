import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentEncode, signRpc, stringToSign } from '../../../harness/emulators/vod/signature';
import { RpcGateway } from '../../../harness/emulators/vod/rpcGateway';

// The official test vector (docs/VOD-API.md, "Signature V1").
const vectorParams: Record<string, string> = {
  AccessKeyId: 'testAccessKeyId',
  Action: 'GetVideoPlayAuth',
  Format: 'JSON',
  SignatureMethod: 'HMAC-SHA1',
  SignatureNonce: '8f8a035d-6496-4268-afd4-67c22837e38d',
  SignatureVersion: '1.0',
  Timestamp: '2017-10-10T12:02:54Z',
  Version: '2017-03-21',
  VideoId: '5aed81b74ba84920be578cdfe004af4b',
};

test('documented test vector: string to sign and signature', () => {
  assert.equal(
    stringToSign('GET', vectorParams),
    'GET&%2F&AccessKeyId%3DtestAccessKeyId%26Action%3DGetVideoPlayAuth%26Format%3DJSON%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D8f8a035d-6496-4268-afd4-67c22837e38d%26SignatureVersion%3D1.0%26Timestamp%3D2017-10-10T12%253A02%253A54Z%26Version%3D2017-03-21%26VideoId%3D5aed81b74ba84920be578cdfe004af4b',
  );
  assert.equal(signRpc('GET', vectorParams, 'testAccessKeySecret'), 'Ibgh7y8Vp47LBuAsf5Xhi1SvDss=');
  assert.equal(signRpc('POST', vectorParams, 'testAccessKeySecret'), '4jdw27LRQ5BnH77NLPKwxuD7t8w=');
  // Signature itself never takes part in the string to sign.
  assert.equal(
    signRpc('GET', { ...vectorParams, Signature: 'whatever' }, 'testAccessKeySecret'),
    'Ibgh7y8Vp47LBuAsf5Xhi1SvDss=',
  );
});

test('percent-encoding follows RFC 3986 as the gateway does', () => {
  assert.equal(percentEncode("a b*c~d!e'f(g)h+i/j"), 'a%20b%2Ac~d%21e%27f%28g%29h%2Bi%2Fj');
  assert.equal(percentEncode('中'), '%E4%B8%AD');
});

function gatewayAt(now: number): RpcGateway {
  return new RpcGateway({
    now: () => now,
    secretFor: (id) => (id === 'testAccessKeyId' ? 'testAccessKeySecret' : undefined),
    actions: { GetVideoPlayAuth: (p) => ({ VideoId: p.VideoId }) },
    hostId: 'vod.cn-shanghai.aliyuncs.com',
  });
}

const vectorTime = Date.parse('2017-10-10T12:02:54Z');

test('the gateway accepts the documented vector and rejects a tampered one', () => {
  const signed = { ...vectorParams, Signature: 'Ibgh7y8Vp47LBuAsf5Xhi1SvDss=' };
  const ok = gatewayAt(vectorTime).handle('GET', signed);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.VideoId, vectorParams.VideoId);
  assert.match(String(ok.body.RequestId), /^[0-9A-F-]{36}$/);

  const bad = gatewayAt(vectorTime).handle('GET', { ...signed, VideoId: 'other' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.Code, 'SignatureDoesNotMatch');
  assert.match(String(bad.body.Message), /server string to sign is:GET&%2F&/);

  const wrongMethod = gatewayAt(vectorTime).handle('POST', signed);
  assert.equal(wrongMethod.body.Code, 'SignatureDoesNotMatch');
});

test('the gateway checks keys, timestamps, nonces, methods and versions', () => {
  const signed = { ...vectorParams, Signature: 'Ibgh7y8Vp47LBuAsf5Xhi1SvDss=' };
  const gw = gatewayAt(vectorTime);
  assert.equal(gw.handle('GET', signed).status, 200);
  const replay = gw.handle('GET', signed);
  assert.deepEqual([replay.status, replay.body.Code], [400, 'SignatureNonceUsed']);

  const expired = gatewayAt(vectorTime + 16 * 60 * 1000).handle('GET', signed);
  assert.deepEqual([expired.status, expired.body.Code], [400, 'InvalidTimeStamp.Expired']);

  const sign = (p: Record<string, string>): Record<string, string> => ({
    ...p,
    Signature: signRpc('GET', p, 'testAccessKeySecret'),
  });
  const badTs = gatewayAt(vectorTime).handle(
    'GET',
    sign({ ...vectorParams, Timestamp: '2017-10-10 12:02:54' }),
  );
  assert.equal(badTs.body.Code, 'InvalidTimeStamp.Format');

  const unknownKey = gatewayAt(vectorTime).handle('GET', { ...signed, AccessKeyId: 'nobody' });
  assert.deepEqual([unknownKey.status, unknownKey.body.Code], [404, 'InvalidAccessKeyId.NotFound']);

  const missing = gatewayAt(vectorTime).handle('GET', { ...signed, Action: '' });
  assert.deepEqual([missing.status, missing.body.Code], [400, 'MissingParameter']);

  // Names an object inherits are no actions either (Action=constructor once answered 200).
  for (const name of ['NoSuchThing', 'constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    const unknownAction = gatewayAt(vectorTime).handle('GET', sign({ ...vectorParams, Action: name }));
    assert.deepEqual([unknownAction.status, unknownAction.body.Code], [404, 'InvalidAction.NotFound'], name);
  }

  const version = gatewayAt(vectorTime).handle('GET', sign({ ...vectorParams, Version: '2014-01-01' }));
  assert.equal(version.body.Code, 'NoSuchVersion');

  const method = gatewayAt(vectorTime).handle('PUT', signed);
  assert.equal(method.body.Code, 'UnsupportedHTTPMethod');

  for (const r of [replay, expired, unknownKey]) {
    assert.equal(r.body.HostId, 'vod.cn-shanghai.aliyuncs.com');
    assert.equal(typeof r.body.Message, 'string');
  }
});
