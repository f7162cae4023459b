import type { ActivityDeps } from './index';

/**
 * Activity dependencies from the environment. Credentials use the Alibaba Cloud SDK
 * variable names; VODFLOW_VOD_ENDPOINT points every region at one endpoint (the emulator).
 */
export function activityDepsFromEnv(env: NodeJS.ProcessEnv = process.env): ActivityDeps {
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? env.VODFLOW_ACCESS_KEY_ID;
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? env.VODFLOW_ACCESS_KEY_SECRET;
  if (!accessKeyId || !accessKeySecret) {
    throw new Error('set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET for the VOD API');
  }
  const securityToken = env.ALIBABA_CLOUD_SECURITY_TOKEN;
  const webhookUrl = env.VODFLOW_WEBHOOK_URL;
  const webhookSecret = env.VODFLOW_WEBHOOK_SECRET;
  if (webhookUrl && !webhookSecret)
    throw new Error('VODFLOW_WEBHOOK_URL is set but VODFLOW_WEBHOOK_SECRET is not');
  return {
    vod: {
      credentials: { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) },
      ...(env.VODFLOW_VOD_ENDPOINT ? { endpoint: env.VODFLOW_VOD_ENDPOINT } : {}),
      timeoutMs: positive(env.VODFLOW_VOD_TIMEOUT_MS, 10_000),
    },
    webhook: {
      ...(webhookUrl ? { url: webhookUrl } : {}),
      secret: webhookSecret ?? '',
      timeoutMs: positive(env.VODFLOW_WEBHOOK_TIMEOUT_MS, 10_000),
    },
  };
}

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? n : fallback;
}
