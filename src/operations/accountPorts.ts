/**
 * The narrow slices of the MNS and VOD clients that setup and doctor use. The real
 * clients (@alicloud/mns via src/mns/client, @alicloud/pop-core) satisfy them
 * structurally; keeping them narrow keeps setup/doctor readable.
 */

export interface QueueAdmin {
  getQueueAttributes(
    queueName: string,
  ): Promise<{ body?: { MessageRetentionPeriod?: string | number; MaximumMessageSize?: string | number } }>;
  createQueue(queueName: string, params: Record<string, string | number>): Promise<unknown>;
}

/**
 * MNS's management API (RPC, 2022-01-19), which alone carries a queue's native dead-letter
 * policy; @alicloud/pop-core's RPCClient satisfies it.
 */
export interface MnsManagementRpc {
  request(
    action: string,
    params: Record<string, string>,
    opts?: { method?: 'POST'; timeout?: number },
  ): Promise<unknown>;
}

export interface VodRpc {
  request(
    action: string,
    params: Record<string, string>,
    opts?: { method?: 'POST'; timeout?: number },
  ): Promise<unknown>;
}

/** SDK errors name the service code: MNS as `MNS<Code>Error`, pop-core as `<Code>Error` with `code`. */
export function serviceErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, name } = err as { code?: unknown; name?: unknown };
  if (typeof code === 'string' && code.length > 0 && !/^E[A-Z]+$/.test(code)) return code;
  if (typeof name === 'string') {
    const mns = /^MNS(.+)Error$/.exec(name);
    if (mns) return mns[1];
  }
  return undefined;
}

export function describeError(err: unknown): string {
  const code = serviceErrorCode(err);
  const message =
    err instanceof Error ? err.message.replace(/, URL: .*$/, '').replace(/\?.*$/, '') : String(err);
  return code ? `${code}: ${message}` : message;
}
