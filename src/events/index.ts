/**
 * VOD event decoding for the poller and tools. Workflow code imports only `./model`
 * (pure types): decode() uses node:crypto.
 */
export { decode } from './decode';
export { normalizeEventTime } from './eventTime';
export { maxMediaIdLength, mediaIdSchema } from './mediaId';
export { maxBodyBytes } from './jsonText';
export * from './model';
