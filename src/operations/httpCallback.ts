/**
 * VOD's HTTP callback mode, for `setup --callback http` and `doctor`: VOD posts each event to a
 * URL (vodflow's ingress) and signs it with an AuthKey. Setup points VOD there with
 * authentication on; doctor checks the configuration and sends one signed probe, as VOD would.
 */
import { isLoopbackHost } from '../config/transport';
import { probeAnswer, probeBody } from '../ingress/probe';
import { signedHeaders } from '../ingress/signature';
import type { VodRpc } from './accountPorts';
import type { Finding } from './doctor';
import { defaultAppId } from './requirements';
import type { RegionSetupTarget, SetupAction } from './setup';
import { eventTypesToSet, getMessageCallback, missingEventTypes, type MessageCallback } from './vodCallback';

export interface HttpCallbackTarget {
  /** The region's callback URL (VODFLOW_CALLBACK_URL, or it with /<region>). */
  url: string;
  /** The key VOD signs with: the first of VODFLOW_CALLBACK_AUTH_KEY. */
  authKey: string;
}

/** Makes VOD post this region's events to the ingress, signed. Idempotent; the key is never printed. */
export async function ensureHttpCallback(
  target: RegionSetupTarget,
  http: HttpCallbackTarget,
  vod: VodRpc,
): Promise<SetupAction> {
  const appId = target.appId ?? defaultAppId;
  const subject = `VOD callback ${target.region}/${appId}`;
  const current = await getMessageCallback(vod, appId);
  const missing = missingEventTypes(current?.EventTypeList);
  // A key GetMessageCallback does not show cannot be compared: it is set again.
  const matches =
    current?.CallbackType === 'HTTP' &&
    current.CallbackURL === http.url &&
    current.AuthSwitch === 'on' &&
    current.AuthKey === http.authKey &&
    missing.length === 0;
  const detail = `HTTP ${http.url}, authentication on`;
  if (matches) return { subject, outcome: 'unchanged', detail };
  // Keep event types the user enabled for other consumers of this callback; add what vodflow needs.
  const eventTypeList = eventTypesToSet(current?.CallbackType ? current.EventTypeList : undefined);
  await vod.request(
    'SetMessageCallback',
    {
      AppId: appId,
      CallbackType: 'HTTP',
      CallbackURL: http.url,
      AuthSwitch: 'on',
      AuthKey: http.authKey,
      EventTypeList: eventTypeList,
    },
    { method: 'POST' },
  );
  return {
    subject,
    outcome: current?.CallbackType ? 'updated' : 'created',
    detail: `${detail}, events ${eventTypeList}`,
  };
}

/** What vodflow's settings say the region's callback should be (either may be unset). */
export interface HttpCallbackExpectation {
  url?: string;
  authKeys?: readonly string[];
}

export type ProbeResult =
  | { kind: 'answered'; status: number; ms: number; recognized: boolean; error?: string }
  | { kind: 'unreachable'; message: string };

/** VOD waits this long for an answer. */
export const vodCallbackTimeoutMs = 5_000;

/** One signed POST of the probe body, as VOD would send an event; never follows a redirect. */
export async function probeCallback(url: string, authKey: string | undefined): Promise<ProbeResult> {
  const started = Date.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authKey ? signedHeaders(url, authKey) : {}) },
      body: probeBody(),
      redirect: 'manual',
      signal: AbortSignal.timeout(vodCallbackTimeoutMs),
    });
    const text = (await response.text()).slice(0, 4_096);
    let answer: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) answer = parsed as Record<string, unknown>;
    } catch {
      // Not JSON: not the ingress.
    }
    return {
      kind: 'answered',
      status: response.status,
      ms: Date.now() - started,
      recognized: answer.probe === true && answer.service === probeAnswer.service,
      ...(typeof answer.error === 'string' ? { error: answer.error.slice(0, 100) } : {}),
    };
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    const message = err instanceof Error ? err.message : String(err);
    const detail = cause instanceof Error ? `${message} (${cause.message})` : message;
    return { kind: 'unreachable', message: detail.slice(0, 300) };
  }
}

/** Doctor's findings for a region whose callback is HTTP. */
export async function checkHttpCallback(
  target: RegionSetupTarget,
  callback: MessageCallback,
  expected: HttpCallbackExpectation,
  probe: (url: string, authKey: string | undefined) => Promise<ProbeResult> = probeCallback,
): Promise<Finding[]> {
  const check = `VOD callback ${target.region}/${target.appId ?? defaultAppId}`;
  const findings: Finding[] = [];
  const add = (severity: Finding['severity'], message: string, name = check): void => {
    findings.push({ check: name, severity, message });
  };
  const url = callback.CallbackURL ?? '';
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    add('error', `CallbackURL "${url}" is not a URL (run \`vodflow setup --callback http\`)`);
  }
  if (parsed) {
    if (parsed.protocol === 'https:') add('ok', `HTTP callback to ${url}`);
    else if (isLoopbackHost(parsed.hostname)) add('ok', `HTTP callback to ${url} (this host)`);
    else {
      add(
        'error',
        `CallbackURL ${url} is plain http: the signature travels in the clear and a captured request can be replayed with another body; put the ingress behind https`,
      );
    }
  }
  if (expected.url === undefined) {
    add('warn', 'VODFLOW_CALLBACK_URL is not set here: cannot tell whether VOD posts to this ingress');
  } else if (url !== expected.url) {
    add(
      'error',
      `VOD posts to ${url}, but the ingress expects ${expected.url} for ${target.region} (the URL is part of the signature; run \`vodflow setup --callback http\`)`,
    );
  }
  if (callback.AuthSwitch !== 'on') {
    add(
      'error',
      'callback authentication is off: anyone who finds the URL can post events, and the ingress refuses unsigned ones (run `vodflow setup --callback http`)',
    );
  } else if (!callback.AuthKey) {
    add(
      'warn',
      'GetMessageCallback does not show the AuthKey: the probe below is signed with VODFLOW_CALLBACK_AUTH_KEY',
    );
  } else if (expected.authKeys === undefined) {
    add('warn', 'VODFLOW_CALLBACK_AUTH_KEY is not set here: cannot compare it with the key VOD signs with');
  } else if (!expected.authKeys.includes(callback.AuthKey)) {
    add(
      'error',
      'VOD signs with an AuthKey that VODFLOW_CALLBACK_AUTH_KEY does not hold: the ingress answers 403 to every event (run `vodflow setup --callback http`)',
    );
  } else if (expected.authKeys[0] !== callback.AuthKey) {
    add(
      'warn',
      'VOD still signs with the old AuthKey of the rotation: run `vodflow setup --callback http` to give it the new one',
    );
  } else {
    add('ok', 'authentication on, VOD signs with the AuthKey the ingress holds', 'callback authentication');
  }
  const missing = missingEventTypes(callback.EventTypeList);
  if (missing.length > 0) {
    add(
      'error',
      `EventTypeList lacks ${missing.join(', ')}: VOD will not send them (run \`vodflow setup --callback http\`)`,
    );
  }
  if (parsed) {
    const key = callback.AuthSwitch === 'on' ? (callback.AuthKey ?? expected.authKeys?.[0]) : undefined;
    findings.push(probeFinding(url, await probe(url, key)));
  }
  return findings;
}

function probeFinding(url: string, result: ProbeResult): Finding {
  const check = 'callback probe';
  if (result.kind === 'unreachable') {
    return { check, severity: 'error', message: `${url} is unreachable from here: ${result.message}` };
  }
  const { status, ms } = result;
  if (status === 200 && result.recognized) {
    return ms > vodCallbackTimeoutMs / 2
      ? {
          check,
          severity: 'warn',
          message: `the ingress answered the signed probe, but in ${ms} ms: VOD gives up after 5 s`,
        }
      : { check, severity: 'ok', message: `the ingress answered the signed probe in ${ms} ms` };
  }
  if (status === 200) {
    return {
      check,
      severity: 'warn',
      message: `${url} answered 200 but not as a vodflow ingress: is another service on that URL?`,
    };
  }
  if (status === 403) {
    return {
      check,
      severity: 'error',
      message: `the ingress refused the signed probe (${result.error ?? '403'}): it holds another AuthKey, expects another URL, or a clock is off`,
    };
  }
  if (status >= 300 && status < 400) {
    return {
      check,
      severity: 'error',
      message: `${url} answered ${status}: VOD counts only 200 and follows no redirect`,
    };
  }
  return {
    check,
    severity: 'error',
    message: `${url} answered ${status}${result.error ? ` (${result.error})` : ''}: VOD counts only 200`,
  };
}
