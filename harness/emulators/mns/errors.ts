/** MNS service errors with the service's literal messages, typos included (docs/MNS-PROTOCOL.md). */

export class MnsServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MnsServiceError';
  }
}

const literal = {
  AccessDenied: [403, 'The OwnerId that your Access Key Id associated to is forbidden for this operation.'],
  InvalidAccessKeyId: [403, 'The access Id you provided does not exist.'],
  SignatureDoesNotMatch: [
    403,
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  ],
  InternalError: [500, 'Interal error.'],
  ServiceUnavailable: [503, 'The service is unavailable now, please try again later.'],
  InvalidAuthorizationHeader: [400, 'The Authorization header format is invalid.'],
  InvalidDateHeader: [400, 'The Date header format is invalid.'],
  InvalidRequestURL: [400, 'Http request URL format invalid.'],
  MalformedXML: [400, 'The XML you provided was not well-formed.'],
  MissingAuthorizationHeader: [400, 'Authorization header is required.'],
  MissingDateHeader: [400, 'Date header is required.'],
  MissingVersionHeader: [400, 'x-mns-version header is required.'],
  InvalidVersionHeader: [400, 'The x-mns-version header is invalid.'],
  MissingReceiptHandle: [400, 'ReceiptHandle is required.'],
  MissingVisibilityTimeout: [400, 'VisibilityTimeout is required.'],
  MessageNotExist: [404, 'Message not exist.'],
  QueueAlreadyExist: [409, 'The queue you want to create is already exist.'],
  InvalidQueueName: [
    400,
    'The queue name you provided is invalid. QueueName should start with alpha and contain only alpha, digit or - .',
  ],
  // The service's table still says 256; the emulator enforces the 120 of the current CreateQueue
  // documentation (docs/MNS-EMULATOR.md) but answers with the literal text.
  QueueNameLengthError: [400, 'Queue name length should between 1 and 256.'],
  QueueNotExist: [404, 'The queue name you provided is not exist.'],
  ReceiptHandleError: [400, 'The receipt handle you provide is not valid.'],
  TimeExpired: [408, 'The http request you sent is expired.'],
  // Throttling policy page: held 10-500 ms (at most 5 s) on the server, then answered.
  TooManyRequests: [429, 'The request is denied by cluster flow limiter for too many requests.'],
  InvalidDegist: [400, 'The Content-MD5 you specified is invalid.'],
} as const satisfies Record<string, readonly [number, string]>;

export type LiteralErrorCode = keyof typeof literal;

export function mnsError(code: LiteralErrorCode): MnsServiceError {
  const [status, message] = literal[code];
  return new MnsServiceError(status, code, message);
}

export function errorMessage(code: LiteralErrorCode): string {
  return literal[code][1];
}

/** A body over MaximumMessageSize, with the service's own wording (client code compares it). */
export function messageTooLargeError(): MnsServiceError {
  return new MnsServiceError(
    400,
    'InvalidArgument',
    'The length of message should not be larger than MaximumMessageSize.',
  );
}

/** Valid XML whose content does not fit the schema (wrong root, non-numeric value...). */
export function schemaError(element: string): MnsServiceError {
  return new MnsServiceError(
    400,
    'InvalidArgument',
    `The XML you provided did not validate against our published schema, cause by Element ${element}.`,
  );
}

export function rangeError(
  element: string,
  low: number,
  high: number,
  unit: 'seconds' | 'bytes' | '',
): MnsServiceError {
  const suffix = unit ? ` ${unit}` : '';
  return new MnsServiceError(
    400,
    'InvalidArgument',
    `The value of Element ${element} should between ${low} and ${high}${suffix}.`,
  );
}

export function invalidQueryString(item: string): MnsServiceError {
  return new MnsServiceError(
    400,
    'InvalidQueryString',
    `Http request URL contains invalid querystring item "${item}".`,
  );
}
