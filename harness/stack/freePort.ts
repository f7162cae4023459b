import { readFileSync } from 'node:fs';
import net from 'node:net';

/** Whether host:port can be listened on right now. */
export function canListen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** The kernel's ephemeral range (Linux), where outgoing connections get their local ports. */
export function ephemeralRange(text?: string): { first: number; last: number } {
  try {
    const [first, last] = (text ?? readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'))
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(first) && Number.isInteger(last)) return { first: first!, last: last! };
  } catch {
    // Not Linux: the IANA range most other systems use.
  }
  return { first: 49152, last: 65535 };
}

const lowest = 10_000;
const handedOut = new Set<number>();

/**
 * A TCP port that was free a moment ago on 127.0.0.1, chosen below the ephemeral range. A port
 * the kernel hands out (listen on 0) lies inside that range, where any process's outgoing
 * connection can take it between this pick and the caller's listen; with the cluster's many
 * connections that happened. A port is not handed out twice by one process, so a stack that picks
 * all its ports before starting anything gets distinct ones.
 */
export async function freePort(): Promise<number> {
  const below = ephemeralRange().first;
  for (let attempt = 0; below - lowest > 1_000 && attempt < 100; attempt += 1) {
    const port = lowest + Math.floor(Math.random() * (below - lowest));
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  return kernelPort();
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('freePort: no address'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
