/**
 * URLs from events and from the VOD API end up in the signed "video ready" document, where a
 * receiver may render or fetch them: only absolute http(s) URLs are kept (a `javascript:`,
 * `data:` or `file:` URL, or one with spaces or control characters, is not a video's URL).
 */
const webScheme = /^https?:\/\//i;

export function isWebUrl(value: unknown): value is string {
  if (typeof value !== 'string' || !webScheme.test(value) || !URL.canParse(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) return false;
  }
  return true;
}

/** The value when it is a web URL, else undefined (for optional fields). */
export function webUrlOrUndefined(value: unknown): string | undefined {
  return isWebUrl(value) ? value : undefined;
}
