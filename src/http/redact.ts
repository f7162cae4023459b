/**
 * The one place URLs are made safe to print: errors, logs and activity failures (which
 * Temporal keeps in histories) carry URLs only through here. A URL keeps what locates the
 * endpoint (scheme, host, port, path) and loses what may authenticate to it: user name and
 * password, query values and the fragment.
 */
export const redacted = '***';

export function redactUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return redactUrlsIn(value);
  }
  const auth = url.username || url.password ? `${redacted}@` : '';
  const query = [...url.searchParams.keys()].map((key) => `${encodeURIComponent(key)}=${redacted}`);
  return `${url.protocol}//${auth}${url.host}${url.pathname}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}

// A scheme, then everything up to whitespace or a quote: what a message could embed.
const urlInText = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;
const userInfo = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/i;

/** Redacts every URL found in free text (an error message from a library, say). */
export function redactUrlsIn(text: string): string {
  return text.replace(urlInText, (match) =>
    URL.canParse(match)
      ? redactUrl(match)
      : // Not a parseable URL, but it may still carry credentials before an '@'.
        match.replace(userInfo, `$1${redacted}@`).replace(/[?#].*$/, `?${redacted}`),
  );
}
