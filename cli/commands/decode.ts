import type { Command } from 'commander';
import { open } from 'node:fs/promises';
import { decode, maxBodyBytes } from '../../src/events';

/** Exit code for a body that is not a valid VOD event (distinct from 1 = could not run). */
export const invalidEventExitCode = 2;

export function registerDecodeCommand(program: Command): void {
  program
    .command('decode')
    .description(
      'Decode one MNS message body (e.g. a dead-lettered one) into the normalized VOD event, printed as one JSON line. ' +
        `Reads FILE, or stdin without it. Exit 0 when valid; exit ${invalidEventExitCode} with the reason on stderr when not.`,
    )
    .argument('[file]', 'file holding one message body (raw or base64-encoded JSON)')
    .action(async (file: string | undefined) => {
      const body = file === undefined ? await readStdin() : await readFileBounded(file);
      const result = decode(body);
      if (result.ok) {
        process.stdout.write(`${JSON.stringify(result.event)}\n`);
      } else {
        process.stderr.write(`vodflow decode: invalid event: ${result.reason}\n`);
        process.exitCode = invalidEventExitCode;
      }
    });
}

// Reading one byte past the MNS maximum is enough for decode() to say "too large"
// without buffering an arbitrarily big file or stream.
const readLimit = maxBodyBytes + 1;

async function readFileBounded(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(readLimit);
    let filled = 0;
    while (filled < readLimit) {
      const { bytesRead } = await handle.read(buffer, filled, readLimit - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled).toString('utf8');
  } finally {
    await handle.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    chunks.push(bytes);
    total += bytes.length;
    if (total >= readLimit) break;
  }
  return Buffer.concat(chunks).subarray(0, readLimit).toString('utf8');
}
