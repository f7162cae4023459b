/**
 * Webhook secrets in the Standard Webhooks form: `whsec_` then the base64 of 24 to 64 random
 * bytes. VODFLOW_WEBHOOK_SECRET holds one, or several separated by commas or spaces while a
 * secret is rotated (every one signs each request). Messages never quote a value.
 */
export const whsecPrefix = 'whsec_';
export const minSecretBytes = 24;
export const maxSecretBytes = 64;
/** More than two is already a rotation that was never finished. */
export const maxSecrets = 4;

/** How to make one, for error messages and docs. */
export const generateSecretHint = `generate one with: echo "whsec_$(openssl rand -base64 32)"`;

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export type SecretsResult = { ok: true; secrets: string[] } | { ok: false; problems: string[] };

export function parseWebhookSecrets(raw: string): SecretsResult {
  const entries = raw.split(/[\s,]+/).filter((e) => e !== '');
  if (entries.length === 0) return { ok: false, problems: ['is set but empty'] };
  if (entries.length > maxSecrets) {
    return { ok: false, problems: [`holds ${entries.length} secrets; at most ${maxSecrets}`] };
  }
  const problems: string[] = [];
  entries.forEach((entry, i) => {
    const which = entries.length > 1 ? `entry ${i + 1} ` : '';
    if (!entry.startsWith(whsecPrefix)) {
      problems.push(
        `${which}must be a Standard Webhooks secret, "${whsecPrefix}" followed by base64 of ${minSecretBytes}–${maxSecretBytes} random bytes; ${generateSecretHint}`,
      );
      return;
    }
    const encoded = entry.slice(whsecPrefix.length);
    if (!base64.test(encoded)) {
      problems.push(`${which}is not valid base64 after "${whsecPrefix}"; ${generateSecretHint}`);
      return;
    }
    const bytes = Buffer.from(encoded, 'base64').length;
    if (bytes < minSecretBytes || bytes > maxSecretBytes) {
      problems.push(
        `${which}holds ${bytes} bytes; a secret needs ${minSecretBytes}–${maxSecretBytes} random bytes; ${generateSecretHint}`,
      );
    }
  });
  if (new Set(entries).size !== entries.length) problems.push('lists the same secret twice');
  return problems.length > 0 ? { ok: false, problems } : { ok: true, secrets: entries };
}
