export {
  closeHttpServer,
  createHttpServer,
  defaultHttpLimits,
  HttpError,
  parseTarget,
  readBody,
  type HttpHandler,
  type HttpLimits,
  type HttpRequestContext,
  type HttpServerOptions,
} from './server';
export { redactUrl, redactUrlsIn, redacted } from './redact';
