import type { Client, Connection } from '@temporalio/client';
import { formatAge, readBacklog, type BacklogReader } from '../mns/backlog';
import { videoPipelineWorkflowType } from '../shared/definitions';
import { backfillScheduleId } from '../shared/backfill';
import { backfillScheduleState, type BackfillScheduleSpec } from './backfillSchedule';
import { vodflowSearchAttributes } from '../shared/searchAttributes';
import type { QueueAdmin, VodRpc } from './accountPorts';
import { describeError, serviceErrorCode } from './accountPorts';
import { defaultAppId, minimumRetentionSeconds, requiredMaximumMessageSize } from './requirements';
import { checkHttpCallback, type HttpCallbackExpectation } from './httpCallback';
import type { RegionSetupTarget } from './setup';
import { callbackEndpoint, getMessageCallback, missingEventTypes } from './vodCallback';
import { quoteValue } from './visibilityQuery';

export type Severity = 'ok' | 'warn' | 'error';
export interface Finding {
  check: string;
  severity: Severity;
  message: string;
}

const ok = (check: string, message: string): Finding => ({ check, severity: 'ok', message });
const warn = (check: string, message: string): Finding => ({ check, severity: 'warn', message });
const error = (check: string, message: string): Finding => ({ check, severity: 'error', message });

const credentialCodes = new Set([
  'InvalidAccessKeyId.NotFound',
  'InvalidAccessKeyId.Inactive',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidSecurityToken.Expired',
  'InvalidSecurityToken.MismatchWithAccessKey',
  'InvalidSecurityToken.Malformed',
  'AccessDenied',
  'Forbidden.RAM',
]);

/** Loopback endpoints are the emulators; everything else must be a public MNS account endpoint. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '[::1]';
}

export function checkMnsEndpointForm(endpoint: string, region: string): Finding {
  const check = 'callback endpoint';
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return error(check, `MnsEndpoint "${endpoint}" is not a URL`);
  }
  if (isLoopback(url.hostname)) return ok(check, `${endpoint} (local emulator)`);
  if (/-internal|-vpc|internal-vpc/.test(url.hostname)) {
    return error(
      check,
      `MnsEndpoint ${endpoint} is an internal/VPC endpoint; VOD writes only to the public one (http://<AccountId>.mns.${region}.aliyuncs.com/)`,
    );
  }
  const match = /^(\d+)\.mns\.([a-z0-9-]+)\.aliyuncs\.com$/.exec(url.hostname);
  if (!match)
    return error(
      check,
      `MnsEndpoint ${endpoint} is not of the form http://<AccountId>.mns.<region>.aliyuncs.com/`,
    );
  if (match[2] !== region) {
    const mainland = region.startsWith('cn-') && region !== 'cn-hongkong';
    const advice = mainland
      ? 'for mainland storage a queue in cn-shanghai is the documented choice'
      : `outside the mainland the queue should be in the storage region ${region}`;
    if (!(mainland && match[2] === 'cn-shanghai')) {
      return warn(
        check,
        `queue is in ${match[2]} but storage is in ${region}: ${advice}; cross-region works but is slower`,
      );
    }
  }
  return ok(check, endpoint);
}

export async function checkVodCallback(
  target: RegionSetupTarget,
  vod: VodRpc,
  /** What the ingress settings expect of an HTTP callback (docs/INGRESS.md). */
  http: HttpCallbackExpectation = {},
): Promise<Finding[]> {
  const appId = target.appId ?? defaultAppId;
  let callback;
  try {
    callback = await getMessageCallback(vod, appId);
  } catch (err) {
    const code = serviceErrorCode(err);
    if (code && credentialCodes.has(code)) {
      return [
        error(
          'VOD credentials',
          `VOD rejected ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET in ${target.region}: ${describeError(err)}`,
        ),
      ];
    }
    return [error('VOD API', `GetMessageCallback in ${target.region} failed: ${describeError(err)}`)];
  }
  const findings: Finding[] = [ok('VOD credentials', `accepted by VOD in ${target.region}`)];
  const check = `VOD callback ${target.region}/${appId}`;
  if (!callback || !callback.CallbackType) {
    return [
      ...findings,
      error(check, 'no message callback is configured: VOD sends no events (run `vodflow setup`)'),
    ];
  }
  if (callback.CallbackType === 'HTTP') {
    return [...findings, ...(await checkHttpCallback(target, callback, http))];
  }
  if (callback.CallbackType !== 'MNS') {
    return [
      ...findings,
      error(check, `callback type is ${callback.CallbackType}, not MNS or HTTP (run \`vodflow setup\`)`),
    ];
  }
  findings.push(checkMnsEndpointForm(callback.MnsEndpoint ?? '', target.region));
  if (callbackEndpoint(callback.MnsEndpoint ?? '') !== callbackEndpoint(target.mnsEndpoint)) {
    findings.push(
      error(check, `callback writes to ${callback.MnsEndpoint}, but vodflow reads ${target.mnsEndpoint}`),
    );
  }
  if (callback.MnsQueueName !== target.queueName) {
    findings.push(
      error(
        check,
        `callback writes to queue "${callback.MnsQueueName}", but vodflow reads "${target.queueName}"`,
      ),
    );
  }
  const missing = missingEventTypes(callback.EventTypeList);
  if (missing.length > 0) {
    findings.push(
      error(
        check,
        `EventTypeList lacks ${missing.join(', ')}: VOD will not send them (run \`vodflow setup\`)`,
      ),
    );
  } else {
    findings.push(ok(check, `MNS queue ${callback.MnsQueueName}, events ${callback.EventTypeList}`));
  }
  return findings;
}

export async function checkQueue(mns: QueueAdmin, queueName: string, role: string): Promise<Finding[]> {
  const check = `${role} ${queueName}`;
  let attributes: { MessageRetentionPeriod?: string | number; MaximumMessageSize?: string | number };
  try {
    attributes = (await mns.getQueueAttributes(queueName)).body ?? {};
  } catch (err) {
    const code = serviceErrorCode(err);
    if (code === 'QueueNotExist') return [error(check, 'does not exist (run `vodflow setup`)')];
    if (
      code &&
      (code === 'AccessDenied' || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch')
    ) {
      return [error('MNS credentials', `MNS rejected the credentials: ${describeError(err)}`)];
    }
    return [error(check, `GetQueueAttributes failed: ${describeError(err)}`)];
  }
  const findings: Finding[] = [];
  const retention = Number(attributes.MessageRetentionPeriod);
  const maxSize = Number(attributes.MaximumMessageSize);
  if (!(retention >= minimumRetentionSeconds)) {
    findings.push(
      error(
        check,
        `MessageRetentionPeriod is ${attributes.MessageRetentionPeriod} s; at least ${minimumRetentionSeconds} s are needed or events expire unread`,
      ),
    );
  }
  if (maxSize !== requiredMaximumMessageSize) {
    findings.push(
      error(
        check,
        `MaximumMessageSize is ${attributes.MaximumMessageSize}; it must be ${requiredMaximumMessageSize} or VOD's larger events are refused and lost`,
      ),
    );
  }
  if (findings.length === 0)
    findings.push(ok(check, `retention ${retention} s, max message ${maxSize} bytes`));
  return findings;
}

export async function checkTemporal(
  connection: Connection,
  namespace: string,
  taskQueue: string,
): Promise<Finding[]> {
  const deadline = () => Date.now() + 10_000;
  const findings: Finding[] = [];
  try {
    await connection.withDeadline(deadline(), () =>
      connection.workflowService.describeNamespace({ namespace }),
    );
    findings.push(ok('Temporal', `reachable, namespace ${namespace} exists`));
  } catch (err) {
    return [error('Temporal', `namespace ${namespace}: ${describeError(err)}`)];
  }
  try {
    const response = await connection.withDeadline(deadline(), () =>
      connection.operatorService.listSearchAttributes({ namespace }),
    );
    const known = response.customAttributes ?? {};
    const missing = vodflowSearchAttributes.filter((key) => !(key.name in known));
    findings.push(
      missing.length === 0
        ? ok('search attributes', vodflowSearchAttributes.map((k) => k.name).join(', '))
        : error(
            'search attributes',
            `missing ${missing.map((k) => k.name).join(', ')}: register with \`temporal operator search-attribute create --namespace ${namespace} ${missing.map((k) => `--name ${k.name} --type Keyword`).join(' ')}\``,
          ),
    );
  } catch (err) {
    findings.push(
      warn(
        'search attributes',
        `cannot list them (${describeError(err)}); on Temporal Cloud use tcld or the UI`,
      ),
    );
  }
  try {
    const pollers = await connection.withDeadline(deadline(), () =>
      connection.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: 1,
      }),
    );
    findings.push(
      (pollers.pollers ?? []).length > 0
        ? ok('worker', `${pollers.pollers?.length} poller(s) on task queue ${taskQueue}`)
        : warn(
            'worker',
            `no worker is polling task queue ${taskQueue}: events are stored but nothing processes them`,
          ),
    );
  } catch (err) {
    findings.push(warn('worker', `cannot describe task queue ${taskQueue}: ${describeError(err)}`));
  }
  return findings;
}

/** A backlog older than this in the event queue means the poller is behind or down. */
const queueAgeWarnSeconds = 600;

/**
 * How many messages wait in a queue and how old the oldest visible one is. Dead letters are
 * worth a look whenever there are any; the event queue only when its backlog ages.
 */
export async function checkBacklog(
  mns: BacklogReader,
  queueName: string,
  role: 'queue' | 'dead-letter queue',
): Promise<Finding[]> {
  const check = `${role} ${queueName} backlog`;
  let backlog;
  try {
    backlog = await readBacklog(mns, queueName);
  } catch (err) {
    // checkQueue already names a missing queue or refused credentials.
    return [warn(check, `cannot read it: ${describeError(err)}`)];
  }
  const depth = backlog.active + backlog.inactive + backlog.delayed;
  const oldest =
    backlog.active > 0 ? `, the oldest visible one ${formatAge(backlog.oldestAgeSeconds)} old` : '';
  const summary = `${depth} message(s) (${backlog.active} visible, ${backlog.inactive} in flight, ${backlog.delayed} delayed)${oldest}`;
  if (role === 'dead-letter queue') {
    return depth === 0
      ? [ok(check, 'empty')]
      : [
          warn(
            check,
            `${summary}: each holds the reason it was set aside; read one with \`vodflow decode\` on its original body`,
          ),
        ];
  }
  return backlog.oldestAgeSeconds > queueAgeWarnSeconds
    ? [warn(check, `${summary}: is a poller running and ready?`)]
    : [ok(check, summary)];
}

/**
 * Stalled and failed videos of the last 24 hours, by visibility count queries. A stalled run
 * closes at once; a failed one lingers open for late events first, so open ones count too.
 */
export async function checkPipelineOutcomes(
  client: Client,
  taskQueue: string,
  now = Date.now(),
): Promise<Finding[]> {
  const since = new Date(now - 86_400_000).toISOString();
  // This deployment's videos: a namespace may hold other deployments' task queues.
  const type = `WorkflowType = ${quoteValue(videoPipelineWorkflowType)} AND TaskQueue = ${quoteValue(taskQueue)}`;
  const queries = {
    stalled: `${type} AND VodStatus = 'stalled' AND CloseTime > '${since}'`,
    failed: `${type} AND VodStatus = 'failed' AND (ExecutionStatus = 'Running' OR CloseTime > '${since}')`,
  };
  const findings: Finding[] = [];
  for (const [status, query] of Object.entries(queries)) {
    const check = `${status} videos (24 h)`;
    try {
      const { count } = await client.withDeadline(Date.now() + 10_000, () => client.workflow.count(query));
      findings.push(
        count === 0
          ? ok(check, 'none')
          : warn(
              check,
              `${count}: in the Web UI, VodStatus = "${status}"${status === 'stalled' ? '; `vodflow backfill --since 48h` starts a new run for each' : ''}`,
            ),
      );
    } catch (err) {
      findings.push(warn(check, `cannot count them: ${describeError(err)}`));
    }
  }
  return findings;
}

/** The scheduled backfill sweep exists, runs, and has the configured definition. */
export async function checkBackfillSchedule(client: Client, spec: BackfillScheduleSpec): Promise<Finding[]> {
  const check = `backfill schedule ${backfillScheduleId(spec.taskQueue)}`;
  try {
    const state = await backfillScheduleState(client, spec);
    if (state.kind === 'missing') {
      return [
        warn(
          check,
          'none: videos whose events never arrive are not found (run `vodflow setup`, or `vodflow backfill` by hand)',
        ),
      ];
    }
    if (state.paused) return [warn(check, 'paused: `temporal schedule toggle --schedule-id … --unpause`')];
    if (!state.matches)
      return [warn(check, 'differs from the VODFLOW_BACKFILL_* settings: run `vodflow setup`')];
    const last = state.lastRunAt ? `last run ${state.lastRunAt.toISOString()}` : 'not run yet';
    const next = state.nextRunAt ? `, next ${state.nextRunAt.toISOString()}` : '';
    return [ok(check, `${last}${next}`)];
  } catch (err) {
    return [warn(check, `cannot describe it: ${describeError(err)}`)];
  }
}

export function formatFindings(findings: Finding[]): string {
  const mark: Record<Severity, string> = { ok: 'ok   ', warn: 'WARN ', error: 'ERROR' };
  return findings.map((f) => `${mark[f.severity]} ${f.check}: ${f.message}`).join('\n');
}
