import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { canListen, ephemeralRange, freePort } from '../../../harness/stack/freePort';

test("the ephemeral range is read from the kernel's text, with the IANA range when it cannot be", () => {
  assert.deepEqual(ephemeralRange('32768\t60999\n'), { first: 32768, last: 60999 });
  assert.deepEqual(ephemeralRange('garbage'), { first: 49152, last: 65535 });
});

test('free ports lie below the ephemeral range, are distinct, and can be listened on', async () => {
  const { first } = ephemeralRange();
  const ports: number[] = [];
  for (let i = 0; i < 20; i += 1) ports.push(await freePort());
  assert.equal(new Set(ports).size, ports.length);
  for (const port of ports) {
    assert.ok(port < first, `${port} is inside the ephemeral range from ${first}`);
    assert.equal(await canListen(port), true);
  }
});

test('a port something listens on is not free', async (t) => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const address = server.address() as net.AddressInfo;
  assert.equal(await canListen(address.port), false);
});
