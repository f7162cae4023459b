/**
 * RPC errors as the gateway and VOD return them (docs/VOD-API.md). pop-core ignores the HTTP
 * status and throws only on a `Code` in the body, so every error carries both.
 */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const apiErrors = {
  missingParameter: (name: string) =>
    new ApiError(
      'MissingParameter',
      400,
      `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
    ),
  invalidParameter: (name: string, why: string) =>
    new ApiError('InvalidParameter', 400, `The specified parameter "${name}" is not valid. ${why}`),
  accessKeyNotFound: () =>
    new ApiError('InvalidAccessKeyId.NotFound', 404, 'Specified access key is not found.'),
  signatureDoesNotMatch: (serverStringToSign: string) =>
    new ApiError(
      'SignatureDoesNotMatch',
      400,
      `Specified signature is not matched with our calculation. server string to sign is:${serverStringToSign}`,
    ),
  incompleteSignature: (why: string) => new ApiError('IncompleteSignature', 400, why),
  nonceUsed: () => new ApiError('SignatureNonceUsed', 400, 'Specified signature nonce was used already.'),
  timestampFormat: () =>
    new ApiError('InvalidTimeStamp.Format', 400, 'Specified time stamp or date value is not well formatted.'),
  timestampExpired: () =>
    new ApiError('InvalidTimeStamp.Expired', 400, 'Specified time stamp or date value is expired.'),
  signatureMethod: () =>
    new ApiError('InvalidSignatureMethod', 400, 'Specified signature method is not supported.'),
  unsupportedMethod: () => new ApiError('UnsupportedHTTPMethod', 400, 'This http method is not supported.'),
  actionNotFound: () =>
    new ApiError(
      'InvalidAction.NotFound',
      404,
      'Specified api is not found, please check your url and method.',
    ),
  noSuchVersion: () => new ApiError('NoSuchVersion', 400, 'Specified api version is not valid.'),
  throttling: () => new ApiError('Throttling', 400, 'Request was denied due to request throttling.'),
  throttlingApi: () => new ApiError('Throttling.Api', 400, 'Request was denied due to api flow control.'),
  throttlingUser: () => new ApiError('Throttling.User', 400, 'Request was denied due to user flow control.'),
  internalError: () =>
    new ApiError('InternalError', 500, 'The request processing has failed due to some unknown error.'),
  videoNotFound: () => new ApiError('InvalidVideo.NotFound', 404, 'The video does not exist.'),
  illegalStatus: (status: string) =>
    new ApiError(
      'Forbidden.IllegalStatus',
      403,
      `Status of the video is illegal. Current Status is ${status}.`,
    ),
  noneStream: () =>
    new ApiError('InvalidVideo.NoneStream', 404, 'The video has no stream matching the given conditions.'),
};
