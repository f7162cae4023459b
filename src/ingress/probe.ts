/**
 * `doctor`'s reachability probe: a signed POST, exactly as VOD would send it, whose body says
 * plainly that it is a test. The ingress authenticates it like any callback and answers 200
 * without signalling anything, so a probe proves the URL, TLS, the proxy in front, the AuthKey
 * and the clock in one request. It is recognized only after the signature passed.
 */
export const probeEventType = 'VodflowProbe';

export interface ProbeBody {
  EventType: typeof probeEventType;
  vodflowProbe: 1;
  note: string;
  sentAt: string;
}

export function probeBody(now = new Date()): string {
  const body: ProbeBody = {
    EventType: probeEventType,
    vodflowProbe: 1,
    note: 'vodflow doctor: a reachability test, not a VOD event; the ingress answers it without signalling',
    sentAt: now.toISOString(),
  };
  return JSON.stringify(body);
}

/** The probe is small; anything larger, or not shaped like it, is a callback like any other. */
export function isProbe(body: string): boolean {
  if (body.length > 1_024 || !body.includes(probeEventType)) return false;
  try {
    const value = JSON.parse(body) as Partial<ProbeBody> | null;
    return (
      typeof value === 'object' &&
      value !== null &&
      value.vodflowProbe === 1 &&
      value.EventType === probeEventType
    );
  } catch {
    return false;
  }
}

/** What the ingress answers a probe with, so doctor can tell a vodflow ingress from any 200. */
export const probeAnswer = { ok: true, probe: true, service: 'vodflow-ingress' } as const;
