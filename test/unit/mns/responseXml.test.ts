/**
 * The lean transport's XML reading against the SDK's own (xml2js + its `extract`), on the same
 * documents: message bodies must come out identical, however they were escaped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { decodeEntities, parseMnsDocument } from '../../../src/mns/responseXml';

interface SdkHelper {
  parseXML(xml: string): Promise<Record<string, Record<string, unknown>>>;
  extract(value: unknown): unknown;
}
// The SDK's own parsing helpers (lib/helper.js), exactly as its client calls them.
const helper = createRequire(__filename)('@alicloud/mns/lib/helper') as SdkHelper;

/** What the SDK's batchReceiveMessage hands mnsQueue.ts: the `Message` entries, values extracted. */
async function sdkMessages(xml: string): Promise<Array<Record<string, unknown>>> {
  const document = await helper.parseXML(xml);
  const body: Record<string, unknown> = {};
  for (const key of Object.keys(document.Messages!)) {
    if (key !== '$') body[key] = helper.extract(document.Messages![key]);
  }
  return fields(body.Message as Array<Record<string, unknown>>);
}

/** The message fields (xml2js drops whitespace between elements, fast-xml-parser keeps it as `#text`). */
function fields(messages: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return messages.map((m) => ({
    MessageId: m.MessageId,
    MessageBody: m.MessageBody,
    EnqueueTime: m.EnqueueTime,
    Priority: m.Priority,
  }));
}

function leanMessages(xml: string): Array<Record<string, unknown>> {
  const { root, content } = parseMnsDocument(xml);
  assert.equal(root, 'Messages');
  return fields(content.Message as Array<Record<string, unknown>>);
}

function messagesDocument(bodies: string[], newline = '\n'): string {
  const messages = bodies
    .map(
      (body, i) =>
        `<Message>${newline}  <MessageId>id-${i}</MessageId>${newline}  <MessageBody>${body}</MessageBody>` +
        `<EnqueueTime>0001700000000000</EnqueueTime><Priority>8</Priority></Message>`,
    )
    .join(newline);
  return `<?xml version="1.0" encoding="UTF-8"?>${newline}<Messages xmlns="http://mns.aliyuncs.com/doc/v1/">${messages}</Messages>`;
}

/** Each character escaped one of the ways a server may: raw, named, decimal or hex reference. */
const escapedChar = fc
  .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.nat(3))
  .map(([c, how]) => {
    const code = c.codePointAt(0)!;
    const named: Record<string, string> = {
      '&': '&amp;',
      '<': '&lt;',
      '>': '&gt;',
      '"': '&quot;',
      "'": '&apos;',
    };
    // XML cannot carry most control characters even as references; MNS bodies never hold them.
    if (code < 0x20 && c !== '\t' && c !== '\n' && c !== '\r') return '';
    if (code >= 0xd800 && code <= 0xdfff) return '';
    if (how === 1 && named[c]) return named[c]!;
    if (how === 2) return `&#${code};`;
    if (how === 3) return `&#x${code.toString(16)};`;
    return named[c] ?? c;
  });
const escapedBody = fc.array(escapedChar, { maxLength: 40 }).map((parts) => parts.join(''));

test('message bodies come out exactly as the SDK reads them, whatever the escaping', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(escapedBody, { minLength: 1, maxLength: 3 }),
      fc.boolean(),
      async (bodies, crlf) => {
        const xml = messagesDocument(bodies, crlf ? '\r\n' : '\n');
        assert.deepEqual(leanMessages(xml), await sdkMessages(xml));
      },
    ),
    { numRuns: 500 },
  );
});

test('whitespace, CDATA, carriage returns and numeric-looking values stay as the SDK keeps them', async () => {
  const bodies = [
    '',
    '  ',
    '\r\n x \r\n',
    '\t',
    'a<![CDATA[ & <b> ]]>c',
    '<![CDATA[]]>',
    '007',
    '1e3',
    'true',
  ];
  const xml = messagesDocument(bodies);
  assert.deepEqual(leanMessages(xml), await sdkMessages(xml));
  assert.equal(leanMessages(xml)[0]!.EnqueueTime, '0001700000000000');
});

test('a single message is still a list; an error document is read by local name', () => {
  assert.equal(leanMessages(messagesDocument(['one'])).length, 1);
  const error = parseMnsDocument(
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error xmlns="http://mns.aliyuncs.com/doc/v1"><Code>QueueNotExist</Code>' +
      '<Message>The queue name you provided is not exist.</Message><RequestId>5DF07C9B31383790319F4D26</RequestId>' +
      '<HostId>http://1.mns.cn-hangzhou.aliyuncs.com</HostId></Error>',
  );
  assert.equal(error.root, 'Error');
  assert.equal(error.content.Code, 'QueueNotExist');
  const failures = parseMnsDocument(
    '<Errors xmlns="http://mns.aliyuncs.com/doc/v1/"><Error><ErrorCode>ReceiptHandleError</ErrorCode>' +
      '<ErrorMessage>x</ErrorMessage><ReceiptHandle>h</ReceiptHandle></Error></Errors>',
  );
  assert.ok(Array.isArray(failures.content.Error));
});

test('entities sax refuses are refused', () => {
  for (const bad of ['a & b', '&nbsp;', '&#xZZ;', '&#1114112;', '&;']) {
    assert.throws(() => decodeEntities(bad), Error, bad);
  }
  assert.equal(decodeEntities('&AMP;&#X41;&#0066;'), '&AB');
});
