import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeText } from '../../../harness/emulators/mns/xml';
import { escapeXml } from '../../../src/mns/xml';

test('escapeXml turns &, < and > into entities and leaves everything else', () => {
  assert.equal(escapeXml('a<b>&c'), 'a&lt;b&gt;&amp;c');
  assert.equal(escapeXml('{"q":"it\'s"}'), '{"q":"it\'s"}');
  assert.equal(escapeXml('&amp;'), '&amp;amp;');
});

test('what escapeXml writes, the MNS emulator reads back unchanged', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme' }), (text) => {
      assert.equal(decodeText(escapeXml(text)), text);
    }),
  );
});
