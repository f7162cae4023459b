import pino from 'pino';

export type Logger = pino.Logger;

// Field names that may carry a secret anywhere in a log object. Redaction is the
// last line of defence; code should not log these in the first place.
const secretPaths = [
  'accessKeySecret',
  'accessKeyId',
  'securityToken',
  'apiKey',
  '*.accessKeySecret',
  '*.securityToken',
  '*.apiKey',
  'config.credentials',
  'headers.authorization',
  'headers.Authorization',
];

/** JSON lines on stderr, so stdout stays free for command output (decode, demo tables). */
export function createLogger(name: string, level = process.env.VODFLOW_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    { name, level, redact: { paths: secretPaths, censor: '[redacted]' }, base: { pid: process.pid } },
    pino.destination({ fd: 2, sync: false }),
  );
}
