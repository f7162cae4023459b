import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { redactUrlsIn } from '../http';
import { stageNames, type PipelineOptionsInput } from '../shared/pipelineOptions';
import { parseAuthKeys } from '../ingress/authKeys';
import { callbackUrlProblem } from '../ingress/routes';
import { parseWebhookSecrets } from '../webhooks';
import { defaultDeadLetterQueue, parseQueueEntry, queueNamePattern, type QueueSpec } from './queueSpec';
import { insecureEndpoint } from './transport';
import {
  grpcMetaPrefix,
  resolveTemporalClient,
  temporalClientVariables,
  type TemporalClientSettings,
  type TemporalTlsSettings,
} from './temporalClient';

/**
 * Every setting vodflow's processes read, keyed by its environment variable name. A config file
 * uses the same keys, so one table documents both (docs/CONFIGURATION.md).
 */

// Messages never echo the value: these are credentials.
const secretSchema = z.string({ error: 'must be a string' }).trim().min(1, { error: 'is set but empty' });

// Decimal digits only: Number() would also take 0x10, 1e3, 0b1 or " ".
const wholeNumber = z.union(
  [
    z.number().int(),
    z
      .string()
      .trim()
      .regex(/^\d{1,15}$/)
      .transform(Number),
  ],
  { error: 'must be a whole number (decimal digits only)' },
);

const intSetting = (min: number, max: number, fallback: number) =>
  wholeNumber
    .pipe(
      z
        .number()
        .min(min, { error: `must be at least ${min}` })
        .max(max, { error: `must be at most ${max}` }),
    )
    .default(fallback);

const optionalInt = (min: number, max: number) =>
  wholeNumber
    .pipe(
      z
        .number()
        .min(min, { error: `must be at least ${min}` })
        .max(max, { error: `must be at most ${max}` }),
    )
    .optional();

const booleanSetting = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

const nonEmpty = z.string().trim().min(1, { error: 'is set but empty' });

const temporalVariable = z
  .union([z.string(), z.boolean(), z.number()], { error: 'must be a string' })
  .transform(String)
  .optional();

const durationUnits = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** `90s`, `15m`, `1h`, `2d` (or a whole number of milliseconds in a config file) → milliseconds. */
const durationSetting = (min: number, max: number, fallbackMs: number) =>
  z
    .union(
      [
        z.number().int(),
        z
          .string()
          .trim()
          .regex(/^\d{1,9}(ms|s|m|h|d)$/)
          .transform((v) => {
            const [, n, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(v)!;
            return Number(n) * durationUnits[unit as keyof typeof durationUnits];
          }),
      ],
      { error: 'must be a duration such as 90s, 15m, 1h or 2d' },
    )
    .pipe(
      z
        .number()
        .min(min, { error: `must be at least ${formatDuration(min)}` })
        .max(max, { error: `must be at most ${formatDuration(max)}` }),
    )
    .default(fallbackMs);

function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= durationUnits[unit] && ms % durationUnits[unit] === 0)
      return `${ms / durationUnits[unit]}${unit}`;
  }
  return `${ms}ms`;
}

const queueObject = z.strictObject({
  region: nonEmpty,
  url: nonEmpty,
  deadLetterQueue: z.string().regex(queueNamePattern, { error: 'is not a valid MNS queue name' }).optional(),
});
/** Env: "REGION=ENDPOINT/QUEUE,..."; file: that string, or an array of strings or {region, url, deadLetterQueue}. */
const queuesSetting = z.union([z.string(), z.array(z.union([z.string(), queueObject]))]);

export const workerTuners = ['fixed', 'resource-based'] as const;
export const mnsTransports = ['sdk', 'http'] as const;
export type MnsTransportName = (typeof mnsTransports)[number];

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const sdkLogLevels = ['error', 'warn', 'info', 'debug', 'trace'] as const;

/** An http(s) URL without `user:password@`; messages never quote the value. */
const endpointUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).refine((value) => {
  const url = URL.canParse(value) ? new URL(value) : null;
  return url === null || (url.username === '' && url.password === '');
}, 'must not carry credentials (user:password@): vodflow refuses to send or log them');

export const settingsSchema = z.object({
  ALIBABA_CLOUD_ACCESS_KEY_ID: secretSchema.optional(),
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: secretSchema.optional(),
  ALIBABA_CLOUD_SECURITY_TOKEN: secretSchema.optional(),

  // Temporal's client settings, the standard names: src/config/temporalClient.ts checks them
  // (with the TOML profile) once envconfig has merged them. Typed loosely here because a config
  // file may give TEMPORAL_TLS as a boolean.
  TEMPORAL_CONFIG_FILE: temporalVariable,
  TEMPORAL_PROFILE: temporalVariable,
  TEMPORAL_ADDRESS: temporalVariable,
  TEMPORAL_NAMESPACE: temporalVariable,
  TEMPORAL_API_KEY: temporalVariable,
  TEMPORAL_TLS: temporalVariable,
  TEMPORAL_TLS_CLIENT_CERT_PATH: temporalVariable,
  TEMPORAL_TLS_CLIENT_CERT_DATA: temporalVariable,
  TEMPORAL_TLS_CLIENT_KEY_PATH: temporalVariable,
  TEMPORAL_TLS_CLIENT_KEY_DATA: temporalVariable,
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: temporalVariable,
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: temporalVariable,
  TEMPORAL_TLS_SERVER_NAME: temporalVariable,
  TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: temporalVariable,
  TEMPORAL_CODEC_ENDPOINT: temporalVariable,
  TEMPORAL_CODEC_AUTH: temporalVariable,
  VODFLOW_TASK_QUEUE: nonEmpty.default('vodflow'),

  VODFLOW_QUEUES: queuesSetting.optional(),
  VODFLOW_DEAD_LETTER_QUEUES: z.string().optional(),

  VODFLOW_RECEIVE_LOOPS: intSetting(1, 64, 2),
  VODFLOW_WAIT_SECONDS: intSetting(1, 30, 20),
  VODFLOW_BATCH_SIZE: intSetting(1, 16, 16),
  // 64: the bench shows the dev server (one SQLite connection) queueing beyond it; a remote
  // cluster with higher round trips may want more (throughput ≈ in-flight ÷ signal latency).
  VODFLOW_MAX_IN_FLIGHT: intSetting(1, 100_000, 64),
  VODFLOW_MAX_DEQUEUE_COUNT: intSetting(1, 1_000, 10),
  VODFLOW_VISIBILITY_TIMEOUT_SECONDS: intSetting(1, 43_200, 60),
  VODFLOW_VISIBILITY_EXTEND_BEFORE_SECONDS: intSetting(1, 3_600, 10),
  VODFLOW_SIGNAL_TIMEOUT_MS: intSetting(100, 600_000, 10_000),
  VODFLOW_MNS_TIMEOUT_MS: intSetting(1_000, 120_000, 10_000),
  // 20 ms: deletes are off the critical path (the signal is already persisted), and fuller
  // batches cut the poller's CPU per event by about a fifth (docs/BENCHMARKS.md).
  VODFLOW_DELETE_LINGER_MS: intSetting(0, 1_000, 20),
  // How the poller speaks to MNS: the official SDK, or the lean HTTP client that saves the
  // SDK's share of the poller's CPU (docs/POLLER.md, "The lean MNS transport").
  VODFLOW_MNS_TRANSPORT: z
    .enum(mnsTransports, { error: `must be one of ${mnsTransports.join(', ')}` })
    .default('sdk'),
  VODFLOW_SHUTDOWN_TIMEOUT_MS: intSetting(100, 600_000, 20_000),

  // Worker slots and cache (docs/CONFIGURATION.md has sizes for 2 cores and larger machines).
  VODFLOW_WORKER_TUNER: z
    .enum(workerTuners, { error: `must be one of ${workerTuners.join(', ')}` })
    .default('fixed'),
  VODFLOW_WORKER_MAX_WORKFLOW_TASKS: optionalInt(1, 10_000),
  VODFLOW_WORKER_MAX_ACTIVITIES: optionalInt(1, 100_000),
  VODFLOW_WORKER_MAX_CACHED_WORKFLOWS: optionalInt(0, 1_000_000),
  VODFLOW_WORKER_TARGET_CPU_PERCENT: optionalInt(1, 100),
  VODFLOW_WORKER_TARGET_MEMORY_PERCENT: optionalInt(1, 100),

  // Loopback unless asked: /metrics and /readyz describe the deployment to whoever can reach them.
  VODFLOW_HTTP_HOST: nonEmpty.default('127.0.0.1'),
  VODFLOW_HTTP_PORT: intSetting(0, 65_535, 9464),
  VODFLOW_LOG_LEVEL: z.enum(logLevels, { error: `must be one of ${logLevels.join(', ')}` }).default('info'),
  VODFLOW_SDK_LOG_LEVEL: z
    .enum(sdkLogLevels, { error: `must be one of ${sdkLogLevels.join(', ')}` })
    .default('warn'),
  VODFLOW_ALLOW_INSECURE: booleanSetting.default(false),

  // The HTTP callback ingress (docs/INGRESS.md). Loopback unless asked, like /metrics: it is
  // meant to sit behind the TLS proxy or load balancer VOD reaches.
  VODFLOW_INGRESS_HOST: nonEmpty.default('127.0.0.1'),
  VODFLOW_INGRESS_PORT: wholeNumber
    .pipe(z.number().max(65_535, { error: 'must be at most 65535' }))
    .optional(),
  VODFLOW_INGRESS_SIGNAL_TIMEOUT_MS: intSetting(100, 60_000, 4_000),
  VODFLOW_CALLBACK_URL: endpointUrl.optional(),
  VODFLOW_CALLBACK_AUTH_KEY: secretSchema.optional(),
  VODFLOW_CALLBACK_MAX_AGE_SECONDS: intSetting(0, 86_400, 300),

  VODFLOW_WEBHOOK_URL: endpointUrl.optional(),
  VODFLOW_WEBHOOK_SECRET: secretSchema.optional(),
  VODFLOW_VOD_ENDPOINT: endpointUrl.optional(),
  VODFLOW_VOD_TIMEOUT_MS: intSetting(100, 120_000, 10_000),
  VODFLOW_WEBHOOK_TIMEOUT_MS: intSetting(100, 120_000, 10_000),
  // A team's steps (workflow code) and activities, as compiled JS modules (docs/EXTENDING.md).
  VODFLOW_STEPS_MODULE: nonEmpty.optional(),
  VODFLOW_ACTIVITIES_MODULE: nonEmpty.optional(),
  VODFLOW_PIPELINE_OPTIONS: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),

  // The backfill sweep (docs/PRODUCTION.md, "Backfill, the scheduled sweep and alerts"): how often the schedule runs,
  // how far back each run looks, how old a video must be before it counts as missed, and the
  // VOD listing calls' rate (GetVideoList allows about 50 per second per account).
  VODFLOW_BACKFILL_INTERVAL: durationSetting(60_000, 7 * 86_400_000, 3_600_000),
  VODFLOW_BACKFILL_WINDOW: durationSetting(60_000, 30 * 86_400_000, 24 * 3_600_000),
  VODFLOW_BACKFILL_DELAY: durationSetting(0, 86_400_000, 15 * 60_000),
  VODFLOW_BACKFILL_RPS: intSetting(1, 50, 20),
  VODFLOW_QUEUE_GAUGE_INTERVAL_SECONDS: intSetting(0, 3_600, 30),
  // Where operators open a video (`vodflow status` prints the link); the dev server's UI by default.
  VODFLOW_TEMPORAL_UI_URL: endpointUrl.default('http://127.0.0.1:8233'),
});

const durationMs = z.number({ error: 'must be a number of milliseconds' }).int().min(0);
/** The pipeline options a deployment may set (src/shared/pipelineOptions.ts); sent with each start. */
const pipelineOptionsSchema = z.strictObject({
  requiredStages: z.array(z.enum(stageNames)).min(1).optional(),
  overdueAfterMs: z
    .strictObject({ upload: durationMs, transcode: durationMs, snapshot: durationMs })
    .partial()
    .optional(),
  reconcileIntervalMs: durationMs.min(1_000).optional(),
  finalDeadlineMs: durationMs.min(1_000).optional(),
  lingerAfterCompletionMs: durationMs.optional(),
  continueAsNewAfterEvents: z.number().int().min(1).optional(),
  dedupeMemory: z.number().int().min(1).optional(),
});

export type Settings = z.output<typeof settingsSchema>;
export const settingNames = Object.keys(settingsSchema.shape) as (keyof Settings)[];

/** Settings whose values never appear in errors, logs or `config` output. */
export const secretSettingNames = new Set<string>([
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALIBABA_CLOUD_SECURITY_TOKEN',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_CODEC_AUTH',
  'VODFLOW_WEBHOOK_SECRET',
  'VODFLOW_CALLBACK_AUTH_KEY',
]);

export interface AlibabaCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export type { TemporalTlsSettings };

export interface PollerTuning {
  receiveLoopsPerQueue: number;
  waitSeconds: number;
  batchSize: number;
  maxInFlight: number;
  maxDequeueCount: number;
  visibilityTimeoutSeconds: number;
  visibilityExtendBeforeSeconds: number;
  signalTimeoutMs: number;
  /** Per MNS call, on top of the long-poll wait for receives. */
  mnsTimeoutMs: number;
  deleteLingerMs: number;
  /** `sdk`: @alicloud/mns (poller/mnsQueue.ts); `http`: the lean client (poller/mnsHttpQueue.ts). */
  mnsTransport: MnsTransportName;
  shutdownTimeoutMs: number;
  /** How often the poller samples its queues' depth and oldest message (0: never). */
  queueGaugeIntervalSeconds: number;
}

/** The backfill sweep's schedule and pace. */
export interface BackfillSettings {
  intervalMs: number;
  windowMs: number;
  /** A sweep looks only at videos created at least this long ago: younger ones may still get their events. */
  delayMs: number;
  /** VOD listing calls per second. */
  rps: number;
}

export interface VodflowConfig {
  credentials: AlibabaCredentials | null;
  /** Temporal's client settings (envconfig: TOML profile + TEMPORAL_*), plus the task queue. */
  temporal: TemporalClientSettings & { taskQueue: string };
  queues: QueueSpec[];
  poller: PollerTuning;
  http: { host: string; port: number };
  logLevel: (typeof logLevels)[number];
  /** The Temporal SDK's own logs inside the worker. */
  sdkLogLevel: (typeof sdkLogLevels)[number];
  /**
   * Plain-http endpoints VODFLOW_ALLOW_INSECURE let through, each a sentence for the
   * warning the process logs at start (empty when everything is https or loopback).
   */
  insecureEndpoints: string[];
  worker: {
    webhookUrl?: string;
    /** VODFLOW_WEBHOOK_SECRET, parsed: one `whsec_` secret, or several during a rotation. */
    webhookSecrets?: string[];
    vodEndpoint?: string;
    vodTimeoutMs: number;
    webhookTimeoutMs: number;
    /** Absolute paths of a team's step and activity modules. */
    stepsModule?: string;
    activitiesModule?: string;
    /** Task slots and workflow cache. */
    tuning: WorkerTuning;
  };
  /** Options of every video pipeline the poller starts (deadlines, required stages, …). */
  pipeline: PipelineOptionsInput;
  backfill: BackfillSettings;
  /** VOD's HTTP callbacks: what `setup --callback http` configures, the ingress and doctor check. */
  callback: {
    /** VODFLOW_CALLBACK_URL: the default region's CallbackURL, as VOD has it (it is signed). */
    url?: string;
    /** VODFLOW_CALLBACK_AUTH_KEY, parsed: the key setup gives VOD first, then an old one during a rotation. */
    authKeys?: string[];
    /** How far X-VOD-TIMESTAMP may be from this host's clock; 0: not checked. */
    maxAgeSeconds: number;
  };
  /** The HTTP callback ingress of this process; null when it runs none. */
  ingress: IngressSettings | null;
  /** The Temporal Web UI's base URL, for the links operator commands print. */
  ui: { temporalUrl: string };
  /** TEMPORAL_* / VODFLOW_* variables in the environment that nothing reads: each process warns once. */
  unknownVariables: UnknownVariable[];
}

/**
 * How many tasks a worker runs at once. `fixed`: that many slots (the defaults suit 2 cores);
 * `resource-based`: the SDK hands out slots while CPU and memory stay under the targets, up
 * to the maxima when given.
 */
export type WorkerTuning =
  | { tuner: 'fixed'; maxWorkflowTasks: number; maxActivities: number; maxCachedWorkflows: number }
  | {
      tuner: 'resource-based';
      targetCpuPercent: number;
      targetMemoryPercent: number;
      maxWorkflowTasks?: number;
      maxActivities?: number;
      maxCachedWorkflows: number;
    };

/** The fixed tuner's defaults: measured on 2 cores (docs/BENCHMARKS.md). */
export const workerTuningDefaults = { maxWorkflowTasks: 16, maxActivities: 64, maxCachedWorkflows: 2_000 };

/** Unknown TEMPORAL_* / VODFLOW_* variables: a warning, not an error (another tool may read them). */
export interface UnknownVariable {
  name: string;
  /** The setting it most likely meant, when one is close. */
  didYouMean?: string;
}

export interface IngressSettings {
  host: string;
  port: number;
  /** Budget of one callback's signalling: below VOD's 5 s, so VOD hears 503 rather than a timeout. */
  signalTimeoutMs: number;
}

/** The ingress's port when VODFLOW_INGRESS_PORT is not set (`vodflow ingress`, `run --ingress`). */
export const defaultIngressPort = 9400;

/**
 * Which process reads the config: setup, doctor and backfill need queues and credentials like the
 * poller; operator commands (review, status, …) only talk to Temporal; redrive needs queues and
 * credentials to move dead letters back, and nothing else.
 */
export type Role =
  'poller' | 'worker' | 'run' | 'ingress' | 'setup' | 'doctor' | 'backfill' | 'operator' | 'redrive';

/** Turns validated settings into the config object, adding the cross-field checks. */
export function buildConfig(
  settings: Settings,
  role: Role,
  issue: (name: string, message: string) => void,
  /** What envconfig reads besides the settings: HOME / XDG_CONFIG_HOME (the default profile file), TEMPORAL_GRPC_META_*. */
  clientEnv: Record<string, string | undefined> = {},
): VodflowConfig {
  const s = settings;
  const needsQueues = role !== 'worker' && role !== 'operator';
  // `ingress` always runs one; `run` when VODFLOW_INGRESS_PORT is set (or `run --ingress`).
  const runsIngress = role === 'ingress' || (role === 'run' && s.VODFLOW_INGRESS_PORT !== undefined);

  if (s.VODFLOW_WEBHOOK_URL && !s.VODFLOW_WEBHOOK_SECRET) {
    issue(
      'VODFLOW_WEBHOOK_SECRET',
      'is required when VODFLOW_WEBHOOK_URL is set (publications are signed with it)',
    );
  }
  let webhookSecrets: string[] | undefined;
  if (s.VODFLOW_WEBHOOK_SECRET !== undefined) {
    const parsed = parseWebhookSecrets(s.VODFLOW_WEBHOOK_SECRET);
    if (parsed.ok) webhookSecrets = parsed.secrets;
    else for (const problem of parsed.problems) issue('VODFLOW_WEBHOOK_SECRET', problem);
  }
  if (s.ALIBABA_CLOUD_ACCESS_KEY_ID && !s.ALIBABA_CLOUD_ACCESS_KEY_SECRET) {
    issue('ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'is required when ALIBABA_CLOUD_ACCESS_KEY_ID is set');
  }
  if (!s.ALIBABA_CLOUD_ACCESS_KEY_ID && s.ALIBABA_CLOUD_ACCESS_KEY_SECRET) {
    issue('ALIBABA_CLOUD_ACCESS_KEY_ID', 'is required when ALIBABA_CLOUD_ACCESS_KEY_SECRET is set');
  }
  if (role !== 'operator' && !s.ALIBABA_CLOUD_ACCESS_KEY_ID && !s.ALIBABA_CLOUD_ACCESS_KEY_SECRET) {
    const purposes = [
      role === 'ingress' ? 'write dead letters to MNS' : needsQueues ? 'read MNS queues' : '',
      role !== 'poller' && role !== 'ingress' && role !== 'redrive' ? 'call the VOD API' : '',
    ].filter(Boolean);
    issue('ALIBABA_CLOUD_ACCESS_KEY_ID', `is required to ${purposes.join(' and ')}`);
  }
  const credentials =
    s.ALIBABA_CLOUD_ACCESS_KEY_ID && s.ALIBABA_CLOUD_ACCESS_KEY_SECRET
      ? {
          accessKeyId: s.ALIBABA_CLOUD_ACCESS_KEY_ID,
          accessKeySecret: s.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
          ...(s.ALIBABA_CLOUD_SECURITY_TOKEN ? { securityToken: s.ALIBABA_CLOUD_SECURITY_TOKEN } : {}),
        }
      : null;

  const queues = buildQueues(s, needsQueues, issue);
  const callback = buildCallback(s, runsIngress, queues, issue);

  if (s.VODFLOW_VISIBILITY_EXTEND_BEFORE_SECONDS >= s.VODFLOW_VISIBILITY_TIMEOUT_SECONDS) {
    issue(
      'VODFLOW_VISIBILITY_EXTEND_BEFORE_SECONDS',
      `must be less than VODFLOW_VISIBILITY_TIMEOUT_SECONDS (${s.VODFLOW_VISIBILITY_TIMEOUT_SECONDS})`,
    );
  }
  if (s.VODFLOW_BACKFILL_WINDOW < s.VODFLOW_BACKFILL_INTERVAL) {
    issue(
      'VODFLOW_BACKFILL_WINDOW',
      'must be at least VODFLOW_BACKFILL_INTERVAL, or videos created between two sweeps are never looked at',
    );
  }
  const temporal = resolveTemporalClient(temporalEnvironment(s, clientEnv), issue);
  const insecureEndpoints = checkTransport(s, role, runsIngress, queues, issue);
  const tuning = buildWorkerTuning(s, issue);

  return {
    credentials,
    temporal: { ...temporal, taskQueue: s.VODFLOW_TASK_QUEUE },
    queues,
    poller: {
      receiveLoopsPerQueue: s.VODFLOW_RECEIVE_LOOPS,
      waitSeconds: s.VODFLOW_WAIT_SECONDS,
      batchSize: s.VODFLOW_BATCH_SIZE,
      maxInFlight: s.VODFLOW_MAX_IN_FLIGHT,
      maxDequeueCount: s.VODFLOW_MAX_DEQUEUE_COUNT,
      visibilityTimeoutSeconds: s.VODFLOW_VISIBILITY_TIMEOUT_SECONDS,
      visibilityExtendBeforeSeconds: s.VODFLOW_VISIBILITY_EXTEND_BEFORE_SECONDS,
      signalTimeoutMs: s.VODFLOW_SIGNAL_TIMEOUT_MS,
      mnsTimeoutMs: s.VODFLOW_MNS_TIMEOUT_MS,
      deleteLingerMs: s.VODFLOW_DELETE_LINGER_MS,
      mnsTransport: s.VODFLOW_MNS_TRANSPORT,
      shutdownTimeoutMs: s.VODFLOW_SHUTDOWN_TIMEOUT_MS,
      queueGaugeIntervalSeconds: s.VODFLOW_QUEUE_GAUGE_INTERVAL_SECONDS,
    },
    http: { host: s.VODFLOW_HTTP_HOST, port: s.VODFLOW_HTTP_PORT },
    logLevel: s.VODFLOW_LOG_LEVEL,
    sdkLogLevel: s.VODFLOW_SDK_LOG_LEVEL,
    insecureEndpoints,
    worker: {
      ...(s.VODFLOW_WEBHOOK_URL ? { webhookUrl: s.VODFLOW_WEBHOOK_URL } : {}),
      ...(webhookSecrets ? { webhookSecrets } : {}),
      ...(s.VODFLOW_VOD_ENDPOINT ? { vodEndpoint: s.VODFLOW_VOD_ENDPOINT } : {}),
      vodTimeoutMs: s.VODFLOW_VOD_TIMEOUT_MS,
      webhookTimeoutMs: s.VODFLOW_WEBHOOK_TIMEOUT_MS,
      ...moduleSetting('VODFLOW_STEPS_MODULE', 'stepsModule', s.VODFLOW_STEPS_MODULE, issue),
      ...moduleSetting('VODFLOW_ACTIVITIES_MODULE', 'activitiesModule', s.VODFLOW_ACTIVITIES_MODULE, issue),
      tuning,
    },
    pipeline: buildPipelineOptions(s.VODFLOW_PIPELINE_OPTIONS, issue),
    backfill: {
      intervalMs: s.VODFLOW_BACKFILL_INTERVAL,
      windowMs: s.VODFLOW_BACKFILL_WINDOW,
      delayMs: s.VODFLOW_BACKFILL_DELAY,
      rps: s.VODFLOW_BACKFILL_RPS,
    },
    callback,
    ui: { temporalUrl: s.VODFLOW_TEMPORAL_UI_URL },
    ingress: runsIngress
      ? {
          host: s.VODFLOW_INGRESS_HOST,
          port: s.VODFLOW_INGRESS_PORT ?? defaultIngressPort,
          signalTimeoutMs: s.VODFLOW_INGRESS_SIGNAL_TIMEOUT_MS,
        }
      : null,
    unknownVariables: [],
  };
}

/** The TEMPORAL_* settings (environment over config file) and what else envconfig reads. */
function temporalEnvironment(
  s: Settings,
  clientEnv: Record<string, string | undefined>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(clientEnv)) {
    const wanted =
      name === 'HOME' || name === 'XDG_CONFIG_HOME' || name === 'APPDATA' || name.startsWith(grpcMetaPrefix);
    if (wanted && value !== undefined && value.trim() !== '') env[name] = value;
  }
  for (const name of temporalClientVariables) {
    const value = s[name];
    if (value !== undefined && value.trim() !== '') env[name] = value.trim();
  }
  return env;
}

function buildWorkerTuning(s: Settings, issue: (name: string, message: string) => void): WorkerTuning {
  const maxCachedWorkflows = s.VODFLOW_WORKER_MAX_CACHED_WORKFLOWS ?? workerTuningDefaults.maxCachedWorkflows;
  if (s.VODFLOW_WORKER_TUNER === 'resource-based') {
    return {
      tuner: 'resource-based',
      targetCpuPercent: s.VODFLOW_WORKER_TARGET_CPU_PERCENT ?? 80,
      targetMemoryPercent: s.VODFLOW_WORKER_TARGET_MEMORY_PERCENT ?? 80,
      ...(s.VODFLOW_WORKER_MAX_WORKFLOW_TASKS !== undefined
        ? { maxWorkflowTasks: s.VODFLOW_WORKER_MAX_WORKFLOW_TASKS }
        : {}),
      ...(s.VODFLOW_WORKER_MAX_ACTIVITIES !== undefined
        ? { maxActivities: s.VODFLOW_WORKER_MAX_ACTIVITIES }
        : {}),
      maxCachedWorkflows,
    };
  }
  for (const name of ['VODFLOW_WORKER_TARGET_CPU_PERCENT', 'VODFLOW_WORKER_TARGET_MEMORY_PERCENT'] as const) {
    if (s[name] !== undefined) issue(name, 'applies only with VODFLOW_WORKER_TUNER=resource-based');
  }
  // The SDK needs at least two workflow task slots (one for sticky, one for the normal queue).
  if (s.VODFLOW_WORKER_MAX_WORKFLOW_TASKS === 1) {
    issue('VODFLOW_WORKER_MAX_WORKFLOW_TASKS', 'must be at least 2 with the fixed tuner');
  }
  return {
    tuner: 'fixed',
    maxWorkflowTasks: s.VODFLOW_WORKER_MAX_WORKFLOW_TASKS ?? workerTuningDefaults.maxWorkflowTasks,
    maxActivities: s.VODFLOW_WORKER_MAX_ACTIVITIES ?? workerTuningDefaults.maxActivities,
    maxCachedWorkflows,
  };
}

/**
 * The callback settings. An ingress cannot run without the URL (it is part of the signature)
 * or a key (an unauthenticated endpoint would start workflows for anyone who finds it).
 */
function buildCallback(
  s: Settings,
  required: boolean,
  queues: QueueSpec[],
  issue: (name: string, message: string) => void,
): VodflowConfig['callback'] {
  let authKeys: string[] | undefined;
  if (s.VODFLOW_CALLBACK_AUTH_KEY !== undefined) {
    const parsed = parseAuthKeys(s.VODFLOW_CALLBACK_AUTH_KEY);
    if (parsed.ok) authKeys = parsed.keys;
    else for (const problem of parsed.problems) issue('VODFLOW_CALLBACK_AUTH_KEY', problem);
  } else if (required) {
    issue(
      'VODFLOW_CALLBACK_AUTH_KEY',
      'is required by the ingress: the AuthKey VOD signs its callbacks with',
    );
  }
  let url: string | undefined;
  if (s.VODFLOW_CALLBACK_URL !== undefined) {
    const problem = callbackUrlProblem(s.VODFLOW_CALLBACK_URL, [...new Set(queues.map((q) => q.region))]);
    if (problem === null) url = s.VODFLOW_CALLBACK_URL;
    else issue('VODFLOW_CALLBACK_URL', problem);
  } else if (required) {
    issue(
      'VODFLOW_CALLBACK_URL',
      'is required by the ingress: the URL VOD posts to, exactly as configured in VOD (it is part of the signature)',
    );
  }
  return {
    ...(url !== undefined ? { url } : {}),
    ...(authKeys !== undefined ? { authKeys } : {}),
    maxAgeSeconds: s.VODFLOW_CALLBACK_MAX_AGE_SECONDS,
  };
}

/** A module path setting: resolved against the working directory, and it must exist. */
function moduleSetting<K extends string>(
  name: string,
  key: K,
  value: string | undefined,
  issue: (name: string, message: string) => void,
): Partial<Record<K, string>> {
  if (value === undefined) return {};
  const resolved = path.resolve(value);
  if (!existsSync(resolved)) {
    issue(name, 'names a file that does not exist');
    return {};
  }
  return { [key]: resolved } as Partial<Record<K, string>>;
}

/**
 * Production roles send credentials and signed documents to these endpoints: each must be
 * https unless it is on this host, or VODFLOW_ALLOW_INSECURE=1 accepts it (and the process
 * warns at start). setup and doctor are run by a person, against whatever they point at.
 */
function checkTransport(
  s: Settings,
  role: Role,
  runsIngress: boolean,
  queues: QueueSpec[],
  issue: (name: string, message: string) => void,
): string[] {
  if (role !== 'poller' && role !== 'worker' && role !== 'run' && role !== 'ingress') return [];
  const endpoints: Array<{ name: string; url: string; what: string }> = [];
  if (role !== 'worker') {
    for (const queue of queues) {
      endpoints.push({ name: 'VODFLOW_QUEUES', url: queue.endpoint, what: `MNS endpoint ${queue.endpoint}` });
    }
  }
  // VOD sends the signature and the body to this URL: over plain http anyone on the path can
  // replay a signed request with a body of their own within the timestamp window.
  if (runsIngress && s.VODFLOW_CALLBACK_URL) {
    endpoints.push({ name: 'VODFLOW_CALLBACK_URL', url: s.VODFLOW_CALLBACK_URL, what: 'the callback URL' });
  }
  if (role !== 'poller' && role !== 'ingress') {
    if (s.VODFLOW_WEBHOOK_URL) {
      endpoints.push({ name: 'VODFLOW_WEBHOOK_URL', url: s.VODFLOW_WEBHOOK_URL, what: 'the webhook URL' });
    }
    if (s.VODFLOW_VOD_ENDPOINT) {
      endpoints.push({ name: 'VODFLOW_VOD_ENDPOINT', url: s.VODFLOW_VOD_ENDPOINT, what: 'the VOD endpoint' });
    }
  }
  const accepted: string[] = [];
  for (const endpoint of endpoints) {
    if (!insecureEndpoint(endpoint.url)) continue;
    if (s.VODFLOW_ALLOW_INSECURE) {
      accepted.push(`${endpoint.name}: ${endpoint.what} is plain http`);
    } else {
      issue(
        endpoint.name,
        `${endpoint.what.replace(/^the /, '')} must be https (plain http is allowed only to this host, or with VODFLOW_ALLOW_INSECURE=1)`,
      );
    }
  }
  return accepted;
}

function buildPipelineOptions(
  raw: string | Record<string, unknown> | undefined,
  issue: (name: string, message: string) => void,
): PipelineOptionsInput {
  if (raw === undefined) return {};
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      issue('VODFLOW_PIPELINE_OPTIONS', 'is not valid JSON');
      return {};
    }
  }
  const parsed = pipelineOptionsSchema.safeParse(value);
  if (!parsed.success) {
    for (const problem of parsed.error.issues) {
      const where = problem.path.length > 0 ? `.${problem.path.map(String).join('.')}` : '';
      issue(`VODFLOW_PIPELINE_OPTIONS${where}`, problem.message);
    }
    return {};
  }
  return parsed.data;
}

function buildQueues(
  s: Settings,
  required: boolean,
  issue: (name: string, message: string) => void,
): QueueSpec[] {
  const raw = s.VODFLOW_QUEUES;
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) {
    if (required) issue('VODFLOW_QUEUES', 'is required: a comma-separated list of REGION=ENDPOINT/QUEUE');
    return [];
  }
  const entries: (string | { region: string; url: string; deadLetterQueue?: string | undefined })[] =
    typeof raw === 'string' ? raw.split(',').filter((e) => e.trim() !== '') : raw;

  const dlqOverrides = new Map<string, string>();
  for (const [i, entry] of (s.VODFLOW_DEAD_LETTER_QUEUES ?? '')
    .split(',')
    .filter((e) => e.trim() !== '')
    .entries()) {
    const [key, value, extra] = entry.split('=').map((p) => p.trim());
    if (!key || !value || extra !== undefined || !queueNamePattern.test(value)) {
      issue(
        'VODFLOW_DEAD_LETTER_QUEUES',
        `entry ${i + 1} must be QUEUE=DEAD_LETTER_QUEUE with valid MNS queue names`,
      );
      continue;
    }
    dlqOverrides.set(key, value);
  }

  const queues: QueueSpec[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    const text = typeof entry === 'string' ? entry : `${entry.region}=${entry.url}`;
    const parsed = parseQueueEntry(text);
    if (!parsed.ok) {
      // The entry is quoted for the person fixing it, with any credentials or query masked.
      issue('VODFLOW_QUEUES', `entry ${i + 1} ("${redactUrlsIn(text.trim())}"): ${parsed.reason}`);
      return;
    }
    const key = `${parsed.spec.endpoint}/${parsed.spec.queue}`;
    if (seen.has(key)) {
      issue('VODFLOW_QUEUES', `entry ${i + 1}: queue ${key} is listed twice`);
      return;
    }
    seen.add(key);
    const deadLetterQueue =
      (typeof entry === 'string' ? undefined : entry.deadLetterQueue) ??
      dlqOverrides.get(parsed.spec.queue) ??
      defaultDeadLetterQueue(parsed.spec.queue);
    if (deadLetterQueue === parsed.spec.queue) {
      issue('VODFLOW_QUEUES', `entry ${i + 1}: a queue cannot be its own dead-letter queue`);
      return;
    }
    queues.push({ ...parsed.spec, deadLetterQueue });
  });
  for (const name of dlqOverrides.keys()) {
    if (!queues.some((q) => q.queue === name)) {
      issue('VODFLOW_DEAD_LETTER_QUEUES', `names queue "${name}" which is not in VODFLOW_QUEUES`);
    }
  }
  return queues;
}
