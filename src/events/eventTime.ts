/**
 * EventTime in every form VOD (and its neighbours) use → ISO-8601 UTC with milliseconds.
 *
 * - `2017-03-20T07:49:17Z`           the documented form, second resolution
 * - `2017-03-20T07:49:17:025Z`       AIMediaDNAComplete: a colon before the milliseconds
 * - `2017-03-20T07:49:17.025Z`       ISO fractions of any length (truncated to ms)
 * - `2017-03-20 07:49:17`, no zone   space separator; no zone means UTC, as VOD documents UTC
 * - `…+08:00`, `…+0800`, `… UTC`     explicit offsets
 * - 1489996157 / "1489996157000"      epoch seconds (≤ 11 digits) or milliseconds
 */

const pattern =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:([.,])(\d{1,9})|:(\d{1,3}))?)?\s*(Z|z|UTC|GMT|[+-]\d{2}:?\d{2})?$/;
const epochDigits = /^\d{9,13}$/;

// Beyond these the value is not a plausible event time (and Date would misbehave).
const earliestMs = Date.UTC(2000, 0, 1);
const latestMs = Date.UTC(2200, 0, 1);

export function normalizeEventTime(value: unknown): string | null {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (text.length > 64) return null;
  if (epochDigits.test(text)) return fromEpoch(Number(text));
  const m = pattern.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '0', , fraction, colonMs, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const ms = fraction !== undefined ? Number(fraction.slice(0, 3).padEnd(3, '0')) : Number(colonMs ?? 0);
  const local = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls over (Feb 30 → Mar 2); a round trip rejects impossible dates.
  const check = new Date(local);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    return null;
  }
  return inRange(local - offsetMinutes(zone) * 60_000);
}

function offsetMinutes(zone: string | undefined): number {
  if (zone === undefined || /^(z|utc|gmt)$/i.test(zone)) return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4));
  // NaN makes inRange() reject the time: no real zone is ±15 h or has 60+ minutes.
  if (hours > 14 || minutes > 59) return Number.NaN;
  return sign * (hours * 60 + minutes);
}

function fromEpoch(n: number): string | null {
  if (!Number.isFinite(n) || n <= 0) return null;
  // Seconds until the year 5138; anything larger is milliseconds.
  return inRange(n < 1e11 ? n * 1000 : n);
}

function inRange(ms: number): string | null {
  if (!Number.isFinite(ms) || ms < earliestMs || ms > latestMs) return null;
  return new Date(Math.trunc(ms)).toISOString();
}
