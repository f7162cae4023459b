/**
 * A throw-away self-signed certificate, so clients can talk HTTPS to the emulator as they do
 * to the service and exercise their TLS settings. Generated at start, never written unless
 * the caller writes it (the CLI does, for NODE_EXTRA_CA_CERTS).
 */
import { isIP } from 'node:net';

export async function selfSignedCertificate(host: string): Promise<{ key: string; cert: string }> {
  // Loaded only when HTTPS is asked for.
  const { generate } = await import('selfsigned');
  const names = new Set(['localhost', host]);
  const altNames = [...names].map((name) =>
    isIP(name) ? { type: 7 as const, ip: name } : { type: 2 as const, value: name },
  );
  if (!names.has('127.0.0.1')) altNames.push({ type: 7, ip: '127.0.0.1' });
  const pems = await generate([{ name: 'commonName', value: host }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 30 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
