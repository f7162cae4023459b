import type http from 'node:http';
import { randomInt } from 'node:crypto';
import { listen } from '../listen';
import { XMLBuilder } from 'fast-xml-parser';
import {
  closeHttpServer,
  createHttpServer,
  HttpError,
  type HttpLimits,
  type HttpRequestContext,
} from '../../../src/http';
import { createLogger } from '../../../src/observability/logger';
import { createAdmission } from './admission';
import {
  CallbackStore,
  deleteMessageCallback,
  getMessageCallback,
  setMessageCallback,
  type MessageCallback,
} from './callbackConfig';
import { createCallbackWriter, type MnsCredentials } from './callbackWriter';
import { apiErrors } from './errors';
import { parseKnobs, type EmulatorKnobs, type UploadKnobs } from './knobs';
import type { SeedStage, SeedVideoSpec } from './plan';
import { createRandom, deriveSeed } from '../../random';
import {
  getMezzanineInfo,
  getPlayInfo,
  getTranscodeSummary,
  getVideoInfo,
  listSnapshots,
  type Body,
  type Params,
  type ReadContext,
} from './readApis';
import { getVideoList, ScrollSessions, searchMedia, type ListContext } from './listApis';
import { RpcGateway, type ActionHandler, type GatewayResult } from './rpcGateway';
import { VodSimulation, type DeliveryStats, type VideoView } from './simulation';

export type { EmulatorKnobs, UploadKnobs, TranscodeOutcome, ThrottleCode } from './knobs';
export type { SeedStage, SeedVideoSpec, VideoPlan } from './plan';
export type { DeliveryOutcome, DeliveryRecord, DeliveryStats, VideoView } from './simulation';
export type { MessageCallback } from './callbackConfig';
export { signRpc, stringToSign, percentEncode } from './signature';

export interface VodEmulatorOptions {
  host?: string;
  /** 0 or absent: a free port. */
  port?: number;
  credentials: Array<{ accessKeyId: string; accessKeySecret: string }>;
  /** What the emulator writes to MNS with (real VOD uses its RAM role). Without them every MNS write fails. */
  mnsCredentials?: MnsCredentials;
  /** Multiplier on the simulated timeline and VOD's retry gap: 1 ≈ 2–5 s per video. Default 1. */
  timeScale?: number;
  /** Seed for video ids and knob draws; default random. */
  seed?: number;
  /** Serve the /_emulator admin API. Default false. */
  admin?: boolean;
  /** Storage/service region the emulator plays. Default cn-shanghai. */
  region?: string;
  knobs?: EmulatorKnobs;
  /** Overrides of the HTTP server's limits (timeouts, body and connection caps). */
  httpLimits?: Partial<HttpLimits>;
}

export interface SimulateUploadOptions {
  seed?: number;
  knobs?: UploadKnobs;
}

export interface SeedVideoOptions extends SeedVideoSpec {
  /** Event types (of those the stage implies) to write to the callback now; default none. */
  deliver?: string[];
}

export interface VodEmulator {
  /** http://HOST:PORT, the VOD OpenAPI endpoint for @alicloud/pop-core. */
  endpoint: string;
  port: number;
  region: string;
  simulateUpload(opts?: SimulateUploadOptions): Promise<string>;
  /** A video frozen at a stage, for reconciliation tests. */
  seedVideo(spec: SeedVideoOptions): Promise<string>;
  video(videoId: string): VideoView | undefined;
  videoIds(): string[];
  whenSettled(videoId: string, timeoutMs?: number): Promise<VideoView>;
  deleteVideo(videoId: string): boolean;
  /** Merges into the global knobs (per-upload knobs override them). */
  setKnobs(knobs: EmulatorKnobs): void;
  resetKnobs(): void;
  knobs(): EmulatorKnobs;
  stats(): DeliveryStats;
  messageCallback(appId?: string): MessageCallback | undefined;
  stop(): Promise<void>;
}

const seedStages: readonly SeedStage[] = [
  'uploading',
  'uploaded',
  'transcoding',
  'transcoded',
  'partiallyTranscoded',
  'transcodeFailed',
  'uploadedNoTranscode',
];

const xmlBuilder = new XMLBuilder({ ignoreAttributes: true, suppressEmptyNode: false });

function render(result: GatewayResult): { contentType: string; text: string } {
  if (result.format === 'JSON')
    return { contentType: 'application/json;charset=utf-8', text: JSON.stringify(result.body) };
  const root = 'Code' in result.body ? 'Error' : `${result.action || 'Unknown'}Response`;
  return {
    contentType: 'text/xml;charset=utf-8',
    text: `<?xml version="1.0" encoding="UTF-8"?>${xmlBuilder.build({ [root]: result.body }) as string}`,
  };
}

/**
 * The admin API changes the emulator's state without a signature. A browser page can make a
 * developer's browser send a simple cross-origin POST, but not one with a custom header (that
 * needs a CORS preflight, which this server never grants) — and every browser request carries
 * Origin. So admin calls need this header and must not carry Origin.
 */
export const adminHeader = 'x-vodflow-admin';

function checkAdminCaller(req: http.IncomingMessage): void {
  if (req.headers.origin !== undefined)
    throw new HttpError(403, 'the admin API does not answer browser (Origin) requests');
  if (req.headers[adminHeader] !== '1')
    throw new HttpError(403, `the admin API needs the header ${adminHeader}: 1`);
}

/** Codes for the answers the HTTP layer gives before a handler runs (or the admin check refuses). */
const httpErrorCodes: Record<number, string> = { 403: 'Forbidden', 413: 'RequestTooLarge' };

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (v === Infinity ? null : v));
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
  res.end(text);
}

export async function startVodEmulator(options: VodEmulatorOptions): Promise<VodEmulator> {
  const logger = createLogger('vod-emulator');
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'cn-shanghai';
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0)) throw new Error('timeScale must be > 0');
  if (options.credentials.length === 0) throw new Error('at least one credential is required');
  const seed = options.seed ?? randomInt(0, 2 ** 31);
  const secrets = new Map(options.credentials.map((c) => [c.accessKeyId, c.accessKeySecret]));
  const callbacks = new CallbackStore();
  const writer = createCallbackWriter({
    ...(options.mnsCredentials ? { mnsCredentials: options.mnsCredentials } : {}),
    timeoutMs: 5000,
  });
  const simulation = new VodSimulation({ timeScale, seed, regionId: region, callbacks, writer, logger });
  simulation.knobs = parseKnobs(options.knobs ?? {});

  const readCtx = (): ReadContext => ({ now: simulation.now(), video: (id) => simulation.plan(id) });
  const read =
    (fn: (params: Params, ctx: ReadContext) => Body): ActionHandler =>
    (params) =>
      fn(params, readCtx());
  const scrolls = new ScrollSessions();
  const listCtx = (): ListContext => ({
    now: simulation.now(),
    videos: () => simulation.videoIds().map((id) => simulation.plan(id)!),
  });
  const actions: Record<string, ActionHandler> = {
    SetMessageCallback: (p) => setMessageCallback(p, callbacks),
    GetMessageCallback: (p) => getMessageCallback(p, callbacks),
    DeleteMessageCallback: (p) => deleteMessageCallback(p, callbacks),
    GetVideoInfo: read(getVideoInfo),
    GetPlayInfo: read(getPlayInfo),
    GetTranscodeSummary: read(getTranscodeSummary),
    ListSnapshots: read(listSnapshots),
    GetMezzanineInfo: read(getMezzanineInfo),
    GetVideoList: (p) => getVideoList(p, listCtx()),
    SearchMedia: (p) => searchMedia(p, listCtx(), scrolls),
    DeleteVideo: (p) => {
      const ids = (p.VideoIds ?? '').split(',').filter((s) => s !== '');
      if (ids.length === 0) throw apiErrors.missingParameter('VideoIds');
      if (ids.length > 20) throw apiErrors.invalidParameter('VideoIds', 'At most 20 video ids.');
      const nonExist = ids.filter((id) => !simulation.deleteVideo(id));
      return nonExist.length > 0 ? { NonExistVideoIds: nonExist } : {};
    },
  };
  const gateway = new RpcGateway({
    now: simulation.now,
    secretFor: (id) => secrets.get(id),
    actions,
    admit: createAdmission(() => simulation.knobs, createRandom(seed ^ 0xa11), simulation.now),
    hostId: `vod.${region}.aliyuncs.com`,
  });

  const handleRpc = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    { url, body }: HttpRequestContext,
  ): Promise<void> => {
    const params: Params = {};
    for (const [k, v] of url.searchParams) params[k] = v;
    if (req.method === 'POST') {
      for (const [k, v] of new URLSearchParams((await body()).toString('utf8'))) params[k] = v;
    }
    const result = gateway.handle(req.method ?? 'GET', params);
    if (result.status >= 400) {
      logger.debug({ action: result.action, code: result.body.Code, status: result.status }, 'rpc error');
    }
    const { contentType, text } = render(result);
    res.writeHead(result.status, { 'content-type': contentType });
    res.end(text);
  };

  const handleAdmin = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    { url, body }: HttpRequestContext,
  ): Promise<void> => {
    checkAdminCaller(req);
    const path = url.pathname.replace(/\/+$/, '');
    const method = req.method ?? 'GET';
    const jsonBody = async (): Promise<Record<string, unknown>> => {
      const text = (await body()).toString('utf8');
      if (text.trim() === '') return {};
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new Error('body must be a JSON object');
      }
      return parsed as Record<string, unknown>;
    };
    try {
      if (path === '/_emulator/health' && method === 'GET') {
        return sendJson(res, 200, { ok: true, region, timeScale, seed });
      }
      if (path === '/_emulator/uploads' && method === 'POST') {
        const body = await jsonBody();
        const count = body.count ?? 1;
        if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 100_000) {
          throw new Error('count must be an integer in [1, 100000]');
        }
        const knobs = parseKnobs(body.knobs);
        const batchSeed = body.seed;
        if (batchSeed !== undefined && (typeof batchSeed !== 'number' || !Number.isInteger(batchSeed))) {
          throw new Error('seed must be an integer');
        }
        const videoIds: string[] = [];
        for (let i = 0; i < count; i++) {
          videoIds.push(
            simulation.simulateUpload({
              knobs,
              ...(batchSeed !== undefined ? { seed: deriveSeed(batchSeed, i) } : {}),
            }),
          );
        }
        return sendJson(res, 201, { videoIds });
      }
      if (path === '/_emulator/videos' && method === 'POST') {
        const body = await jsonBody();
        return sendJson(res, 201, { videoId: simulation.seedVideo(parseSeedSpec(body)) });
      }
      if (path === '/_emulator/videos' && method === 'GET') {
        return sendJson(res, 200, {
          videos: simulation.videoIds().map((id) => {
            const v = simulation.view(id) as VideoView;
            return { videoId: id, status: v.status, deleted: v.deleted, settled: v.settled };
          }),
        });
      }
      const videoMatch = /^\/_emulator\/videos\/([^/]+)$/.exec(path);
      if (videoMatch) {
        const id = decodeURIComponent(videoMatch[1] as string);
        if (method === 'GET') {
          const view = simulation.view(id);
          return view ? sendJson(res, 200, view) : sendJson(res, 404, { error: `unknown video ${id}` });
        }
        if (method === 'DELETE') {
          return simulation.deleteVideo(id)
            ? sendJson(res, 200, { deleted: id })
            : sendJson(res, 404, { error: `unknown or deleted video ${id}` });
        }
      }
      if (path === '/_emulator/knobs' && method === 'GET') return sendJson(res, 200, simulation.knobs);
      if (path === '/_emulator/knobs' && (method === 'PUT' || method === 'POST')) {
        const knobs = parseKnobs(await jsonBody());
        simulation.knobs = method === 'PUT' ? knobs : { ...simulation.knobs, ...knobs };
        return sendJson(res, 200, simulation.knobs);
      }
      if (path === '/_emulator/stats' && method === 'GET') return sendJson(res, 200, simulation.stats());
      return sendJson(res, 404, { error: `no admin route ${method} ${path}` });
    } catch (err) {
      if (err instanceof HttpError) throw err;
      return sendJson(res, 400, { error: err instanceof Error ? err.message : String(err) });
    }
  };

  const server = createHttpServer(
    (req, res, context) => {
      const path = context.url.pathname;
      if (options.admin && path.startsWith('/_emulator/')) return handleAdmin(req, res, context);
      if (path === '/') return handleRpc(req, res, context);
      sendJson(res, 404, { Code: 'InvalidAction.NotFound', Message: 'Unknown path.' });
    },
    {
      ...(options.httpLimits ? { limits: options.httpLimits } : {}),
      onError: (err) => logger.error({ err }, 'request failed'),
      errorReply: (res, status, message) =>
        status >= 500
          ? sendJson(res, status, { Code: 'InternalError', Message: 'The request processing has failed.' })
          : sendJson(res, status, { Code: httpErrorCodes[status] ?? 'BadRequest', Message: message }),
    },
  );
  const { port, origin } = await listen(server, options.port ?? 0, host);
  logger.info(
    { port, host, region, timeScale, seed, admin: options.admin ?? false },
    'VOD emulator listening',
  );

  return {
    endpoint: origin,
    port,
    region,
    simulateUpload: (opts) => Promise.resolve(simulation.simulateUpload(opts)),
    seedVideo: (spec) => Promise.resolve(simulation.seedVideo(spec)),
    video: (id) => simulation.view(id),
    videoIds: () => simulation.videoIds(),
    whenSettled: (id, timeoutMs) => simulation.whenSettled(id, timeoutMs),
    deleteVideo: (id) => simulation.deleteVideo(id),
    setKnobs: (knobs) => {
      simulation.knobs = { ...simulation.knobs, ...parseKnobs(knobs) };
    },
    resetKnobs: () => {
      simulation.knobs = {};
    },
    knobs: () => ({ ...simulation.knobs }),
    stats: () => simulation.stats(),
    messageCallback: (appId) => callbacks.get(appId ?? 'app-1000000'),
    stop: async () => {
      simulation.stop();
      writer.close();
      await closeHttpServer(server);
    },
  };
}

function parseSeedSpec(body: Record<string, unknown>): SeedVideoOptions {
  const stage = body.stage;
  if (typeof stage !== 'string' || !seedStages.includes(stage as SeedStage)) {
    throw new Error(`stage must be one of ${seedStages.join(', ')}`);
  }
  const spec: SeedVideoOptions = { stage: stage as SeedStage };
  for (const key of ['videoId', 'title', 'appId', 'extend'] as const) {
    const v = body[key];
    if (v !== undefined) {
      if (typeof v !== 'string') throw new Error(`${key} must be a string`);
      spec[key] = v;
    }
  }
  if (body.createdAt !== undefined) {
    if (typeof body.createdAt !== 'number' || !Number.isInteger(body.createdAt)) {
      throw new Error('createdAt must be epoch milliseconds');
    }
    spec.createdAt = body.createdAt;
  }
  if (body.snapshot !== undefined) {
    if (typeof body.snapshot !== 'boolean') throw new Error('snapshot must be a boolean');
    spec.snapshot = body.snapshot;
  }
  if (body.streams !== undefined) {
    if (
      typeof body.streams !== 'number' ||
      !Number.isInteger(body.streams) ||
      body.streams < 1 ||
      body.streams > 6
    ) {
      throw new Error('streams must be an integer in [1, 6]');
    }
    spec.streams = body.streams;
  }
  if (body.deliver !== undefined) {
    if (!Array.isArray(body.deliver) || !body.deliver.every((d) => typeof d === 'string')) {
      throw new Error('deliver must be an array of event types');
    }
    spec.deliver = body.deliver as string[];
  }
  return spec;
}
