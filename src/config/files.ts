import { closeSync, constants, fstatSync, openSync, readSync, statSync, accessSync } from 'node:fs';

/** A config file is a few kilobytes; this bounds what a wrong path (/dev/zero, a log) can cost. */
export const maxConfigFileBytes = 1024 * 1024;
/** Certificates and keys are a few kilobytes; a chain a few dozen. */
export const maxTlsFileBytes = 1024 * 1024;

export type FileText = { ok: true; text: string } | { ok: false; reason: string };

/**
 * Reads a regular file of at most `maxBytes`. Devices, FIFOs and directories are refused
 * before they are read (a FIFO is opened non-blocking so it cannot hang the start).
 */
export function readSmallFile(filePath: string, maxBytes: number): FileText {
  let fd: number;
  try {
    fd = openSync(filePath, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return {
      ok: false,
      reason: `cannot read ${filePath}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, reason: `${filePath} is not a regular file` };
    if (stat.size > maxBytes) return { ok: false, reason: `${filePath} is larger than ${maxBytes} bytes` };
    // Read one byte past the cap: a file that grew since fstat is still refused.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) return { ok: false, reason: `${filePath} is larger than ${maxBytes} bytes` };
    }
    return { ok: true, text: buffer.subarray(0, length).toString('utf8') };
  } catch (err) {
    return {
      ok: false,
      reason: `cannot read ${filePath}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    };
  } finally {
    closeSync(fd);
  }
}

/** Why a TLS file setting cannot be used, or null: checked at start, not at first connection. */
export function unusableTlsFile(filePath: string): string | null {
  try {
    const stat = statSync(filePath);
    if (!stat.isFile()) return `${filePath} is not a regular file`;
    if (stat.size === 0) return `${filePath} is empty`;
    if (stat.size > maxTlsFileBytes) return `${filePath} is larger than ${maxTlsFileBytes} bytes`;
    accessSync(filePath, constants.R_OK);
    return null;
  } catch (err) {
    return `cannot read ${filePath}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}
