/**
 * VODFLOW_CALLBACK_AUTH_KEY: the AuthKey VOD signs its HTTP callbacks with. VOD accepts at most
 * 32 characters and asks for upper case, lower case and digits; vodflow also asks for at least
 * 16, because the signature is an MD5 over a URL and a timestamp anyone on the path can read,
 * so a short key falls to an offline search. Several keys, comma-separated, during a rotation:
 * the first is the one `setup` gives VOD, every one is accepted. Messages never quote a key.
 */
export const minAuthKeyLength = 16;
export const maxAuthKeyLength = 32;
/** A rotation holds the new key and the old one; more is a rotation never finished. */
export const maxAuthKeys = 2;

/** How to make one, for error messages and docs: 32 characters, retried until all three kinds occur. */
export const generateAuthKeyHint =
  "generate one with: until k=$(openssl rand -base64 48 | tr -dc 'A-Za-z0-9' | head -c 32); [[ $k =~ [a-z] && $k =~ [A-Z] && $k =~ [0-9] ]]; do :; done; echo $k";

export type AuthKeysResult = { ok: true; keys: string[] } | { ok: false; problems: string[] };

export function parseAuthKeys(raw: string): AuthKeysResult {
  const entries = raw.split(',').map((e) => e.trim());
  if (entries.every((e) => e === '')) return { ok: false, problems: ['is set but empty'] };
  if (entries.length > maxAuthKeys) {
    return {
      ok: false,
      problems: [`holds ${entries.length} keys; at most ${maxAuthKeys} (the new and the old)`],
    };
  }
  const problems: string[] = [];
  entries.forEach((entry, i) => {
    const which = entries.length > 1 ? `entry ${i + 1} ` : '';
    const problem = authKeyProblem(entry);
    if (problem !== null) problems.push(`${which}${problem}; ${generateAuthKeyHint}`);
  });
  if (new Set(entries).size !== entries.length) problems.push('lists the same key twice');
  return problems.length > 0 ? { ok: false, problems } : { ok: true, keys: entries };
}

/** What VOD (and vodflow) would refuse in a key, or null. */
export function authKeyProblem(key: string): string | null {
  if (key.length < minAuthKeyLength || key.length > maxAuthKeyLength) {
    return `must be ${minAuthKeyLength}–${maxAuthKeyLength} characters long (it is ${key.length})`;
  }
  if (!/^[A-Za-z0-9]+$/.test(key)) return 'may hold only letters and digits';
  if (!/[a-z]/.test(key) || !/[A-Z]/.test(key) || !/[0-9]/.test(key)) {
    return 'must mix upper case, lower case and digits (VOD refuses it otherwise)';
  }
  return null;
}
