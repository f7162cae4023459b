import os from 'node:os';
import path from 'node:path';
import {
  loadClientConfigProfile,
  type ClientConfigProfile,
  type ConfigDataSource,
} from '@temporalio/envconfig';
import { maxConfigFileBytes, readSmallFile, unusableTlsFile } from './files';

/**
 * How vodflow finds its Temporal server: the way every Temporal client does, through
 * `@temporalio/envconfig`. A TOML profile (TEMPORAL_CONFIG_FILE, else the user's
 * ~/.config/temporalio/temporal.toml; TEMPORAL_PROFILE picks one, else `default`) overlaid
 * with the standard TEMPORAL_* variables. What envconfig leaves unchecked is checked here,
 * at start, each problem naming the variable or the TOML key and never its value.
 */

/** The TEMPORAL_* names envconfig reads (TEMPORAL_GRPC_META_<HEADER> besides). */
export const temporalClientVariables = [
  'TEMPORAL_CONFIG_FILE',
  'TEMPORAL_PROFILE',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
  'TEMPORAL_CODEC_ENDPOINT',
  'TEMPORAL_CODEC_AUTH',
] as const;
export const grpcMetaPrefix = 'TEMPORAL_GRPC_META_';

export const defaultTemporalAddress = '127.0.0.1:7233';
export const defaultTemporalNamespace = 'default';

/** Where a resolved value came from: a variable, or a key of a TOML profile. */
interface Origin {
  env: Record<string, string>;
  file: string | null;
  profileName: string;
}

/** The TLS part of the resolved client settings; file settings are checked at start. */
export interface TemporalTlsSettings {
  clientCertPath?: string;
  clientKeyPath?: string;
  serverCaCertPath?: string;
  /** Inline PEM (TEMPORAL_TLS_*_DATA or `*_data` in a profile): a secret for the key. */
  clientCertData?: string;
  clientKeyData?: string;
  serverCaCertData?: string;
  serverName?: string;
}

export interface TemporalClientSettings {
  address: string;
  namespace: string;
  apiKey?: string;
  /** Undefined: plain TCP. Present (possibly empty): TLS, with the system's roots unless a CA is given. */
  tls?: TemporalTlsSettings;
  /** gRPC metadata on every call (TEMPORAL_GRPC_META_*, `grpc_meta` in a profile). */
  grpcMeta?: Record<string, string>;
  /** The TOML file a profile was read from, and which profile; absent when none was. */
  configFile?: string;
  profile?: string;
}

/** The file envconfig reads when TEMPORAL_CONFIG_FILE is unset (the Temporal CLI's too). */
export function defaultTemporalConfigFile(env: Record<string, string | undefined>): string | undefined {
  if (os.platform() === 'darwin') {
    return env.HOME
      ? path.join(env.HOME, 'Library', 'Application Support', 'temporalio', 'temporal.toml')
      : undefined;
  }
  if (os.platform() === 'win32') {
    return env.APPDATA ? path.join(env.APPDATA, 'temporalio', 'temporal.toml') : undefined;
  }
  const xdg = env.XDG_CONFIG_HOME;
  if (xdg) return path.isAbsolute(xdg) ? path.join(xdg, 'temporalio', 'temporal.toml') : undefined;
  return env.HOME ? path.join(env.HOME, '.config', 'temporalio', 'temporal.toml') : undefined;
}

/**
 * Resolves the client settings from `env` (TEMPORAL_* already merged from vodflow's own config
 * file; empty values dropped) and the TOML profile, reporting problems through `issue`.
 */
export function resolveTemporalClient(
  env: Record<string, string>,
  issue: (name: string, message: string) => void,
): TemporalClientSettings {
  const explicitFile = env.TEMPORAL_CONFIG_FILE;
  const filePath = explicitFile ?? defaultTemporalConfigFile(env);
  let configText: string | undefined;
  if (filePath !== undefined) {
    const file = readSmallFile(filePath, maxConfigFileBytes);
    if (file.ok) configText = file.text;
    // No file at the default place is the usual case; a named one must exist.
    else if (explicitFile !== undefined || !/ENOENT/.test(file.reason)) {
      issue('TEMPORAL_CONFIG_FILE', explicitFile !== undefined ? file.reason : `(default) ${file.reason}`);
    }
  }
  const profileName = env.TEMPORAL_PROFILE ?? 'default';
  const origin: Origin = { env, file: configText === undefined ? null : filePath!, profileName };

  if (env.TEMPORAL_PROFILE !== undefined && configText === undefined) {
    issue(
      'TEMPORAL_PROFILE',
      `names a profile but no TOML config file was found (TEMPORAL_CONFIG_FILE, or ${filePath ?? '~/.config/temporalio/temporal.toml'})`,
    );
    return { address: defaultTemporalAddress, namespace: defaultTemporalNamespace };
  }
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({
      ...(configText !== undefined ? { configSource: { data: configText } } : { disableFile: true }),
      configFileStrict: true,
      overrideEnvVars: env,
    });
  } catch (err) {
    issue(...describeLoadError(err, origin));
    return { address: defaultTemporalAddress, namespace: defaultTemporalNamespace };
  }
  return checkProfile(profile, origin, issue);
}

/** envconfig's errors, reworded: a TOML parser's message quotes the file, which can hold a key. */
function describeLoadError(err: unknown, origin: Origin): [string, string] {
  const message = err instanceof Error ? err.message : '';
  const where = origin.file ?? 'the TOML config file';
  const position = err as { line?: unknown; column?: unknown };
  if (typeof position.line === 'number' && typeof position.column === 'number') {
    return [
      'TEMPORAL_CONFIG_FILE',
      `${where} is not valid TOML (line ${position.line}, column ${position.column})`,
    ];
  }
  if (message.startsWith('Validation error: ')) {
    // Names keys only: "key(s) unrecognized in profile.prod.tls: client_cert".
    return ['TEMPORAL_CONFIG_FILE', `${where}: ${message.slice('Validation error: '.length)}`];
  }
  const missing = /^Profile '(.*)' not found/.exec(message);
  if (missing) return ['TEMPORAL_PROFILE', `names profile "${missing[1]}", which ${where} does not have`];
  const both = /^Cannot specify both (\w+)_path and \w+_data/.exec(message);
  if (both) {
    const variable = `TEMPORAL_TLS_${both[1]!.toUpperCase()}`;
    return [
      `${variable}_PATH`,
      `and ${variable}_DATA (or ${both[1]}_path and ${both[1]}_data in profile "${origin.profileName}") are both set: give one`,
    ];
  }
  return ['TEMPORAL_CONFIG_FILE', `${where} cannot be used as a Temporal client profile`];
}

const hostPort = /^[^\s/]+:\d{1,5}$/;

function checkProfile(
  profile: ClientConfigProfile,
  origin: Origin,
  issue: (name: string, message: string) => void,
): TemporalClientSettings {
  const name = (variable: string, key: string): string =>
    origin.env[variable] !== undefined || origin.file === null
      ? variable
      : `${key} (profile "${origin.profileName}" in ${origin.file})`;

  // A TOML value may be any type; envconfig does not check.
  const text = (value: unknown, variable: string, key: string): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      issue(name(variable, key), 'must be a non-empty string');
      return undefined;
    }
    return value.trim();
  };

  const address = text(profile.address, 'TEMPORAL_ADDRESS', 'address') ?? defaultTemporalAddress;
  if (!hostPort.test(address))
    issue(name('TEMPORAL_ADDRESS', 'address'), 'must be HOST:PORT, e.g. 127.0.0.1:7233');
  const namespace = text(profile.namespace, 'TEMPORAL_NAMESPACE', 'namespace') ?? defaultTemporalNamespace;
  const apiKey = text(profile.apiKey, 'TEMPORAL_API_KEY', 'api_key');

  if (origin.env.TEMPORAL_TLS !== undefined && !/^(true|false|1|0)$/.test(origin.env.TEMPORAL_TLS)) {
    issue('TEMPORAL_TLS', 'must be true or false');
  }
  const hostVerification = origin.env.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION;
  if (hostVerification === 'true' || hostVerification === '1') {
    issue(
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
      "is not supported by Temporal's TypeScript SDK: set TEMPORAL_TLS_SERVER_NAME to a name the server's certificate carries",
    );
  }

  const tlsIn = profile.tls;
  const disabled = tlsIn?.disabled === true;
  const tls: TemporalTlsSettings = {};
  const source = (
    value: ConfigDataSource | undefined,
    what: 'CLIENT_CERT' | 'CLIENT_KEY' | 'SERVER_CA_CERT',
  ): void => {
    if (value === undefined) return;
    const key = what.toLowerCase();
    const field = (
      { CLIENT_CERT: 'clientCert', CLIENT_KEY: 'clientKey', SERVER_CA_CERT: 'serverCaCert' } as const
    )[what];
    if ('path' in value) {
      const variable = `TEMPORAL_TLS_${what}_PATH`;
      const filePath = text(value.path, variable, `tls.${key}_path`);
      if (filePath === undefined) return;
      const problem = unusableTlsFile(filePath);
      if (problem !== null) issue(name(variable, `tls.${key}_path`), problem);
      tls[`${field}Path` as const] = filePath;
      return;
    }
    const variable = `TEMPORAL_TLS_${what}_DATA`;
    const data = typeof value.data === 'string' ? value.data : Buffer.from(value.data).toString('utf8');
    // Checked for the PEM armour only; the value is never quoted (a key is a secret).
    if (!/-----BEGIN [A-Z0-9 ]+-----/.test(data)) {
      issue(name(variable, `tls.${key}_data`), 'must be PEM text (-----BEGIN ...-----)');
      return;
    }
    tls[`${field}Data` as const] = data;
  };
  source(tlsIn?.clientCert, 'CLIENT_CERT');
  source(tlsIn?.clientKey, 'CLIENT_KEY');
  source(tlsIn?.serverCACert, 'SERVER_CA_CERT');
  const serverName = text(tlsIn?.serverName, 'TEMPORAL_TLS_SERVER_NAME', 'tls.server_name');
  if (serverName !== undefined) tls.serverName = serverName;

  const hasCert = tlsIn?.clientCert !== undefined;
  const hasKey = tlsIn?.clientKey !== undefined;
  if (hasCert !== hasKey) {
    issue(
      hasCert
        ? name('TEMPORAL_TLS_CLIENT_KEY_PATH', 'tls.client_key_path')
        : name('TEMPORAL_TLS_CLIENT_CERT_PATH', 'tls.client_cert_path'),
      'client certificate and key must be set together',
    );
  }
  const anyTlsSetting = Object.keys(tls).length > 0 || hasCert || hasKey || tlsIn?.serverCACert !== undefined;
  if (disabled && anyTlsSetting) {
    issue(name('TEMPORAL_TLS', 'tls.disabled'), 'turns TLS off but TLS certificate settings are present');
  }
  if (disabled && apiKey !== undefined) {
    issue(
      name('TEMPORAL_API_KEY', 'api_key'),
      `is set but ${origin.env.TEMPORAL_TLS !== undefined ? 'TEMPORAL_TLS is false' : `profile "${origin.profileName}" disables TLS`}: the key would cross the network in plaintext`,
    );
  }

  const grpcMeta: Record<string, string> = {};
  for (const [header, value] of Object.entries(profile.grpcMeta ?? {})) {
    if (typeof value !== 'string') {
      issue(name(`${grpcMetaPrefix}${header.toUpperCase()}`, `grpc_meta.${header}`), 'must be a string');
      continue;
    }
    grpcMeta[header] = value;
  }

  // TLS is on with any TLS setting or an API key (Temporal Cloud), as envconfig decides.
  const tlsOn = !disabled && (tlsIn !== undefined || apiKey !== undefined);
  return {
    address,
    namespace,
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(tlsOn ? { tls } : {}),
    ...(Object.keys(grpcMeta).length > 0 ? { grpcMeta } : {}),
    ...(origin.file !== null ? { configFile: origin.file, profile: origin.profileName } : {}),
  };
}

/** The settings as an envconfig profile again: what toClientOptions turns into connection options. */
export function toClientConfigProfile(settings: TemporalClientSettings): ClientConfigProfile {
  const tls = settings.tls;
  const dataOrPath = (data?: string, filePath?: string): ConfigDataSource | undefined =>
    data !== undefined ? { data } : filePath !== undefined ? { path: filePath } : undefined;
  const clientCert = dataOrPath(tls?.clientCertData, tls?.clientCertPath);
  const clientKey = dataOrPath(tls?.clientKeyData, tls?.clientKeyPath);
  const serverCACert = dataOrPath(tls?.serverCaCertData, tls?.serverCaCertPath);
  // An API key alone turns TLS on by itself (envconfig: `tls: true`, the system's roots).
  const tlsEmpty = tls !== undefined && Object.keys(tls).length === 0;
  return {
    address: settings.address,
    namespace: settings.namespace,
    ...(settings.apiKey !== undefined ? { apiKey: settings.apiKey } : {}),
    ...(tls && !(tlsEmpty && settings.apiKey !== undefined)
      ? {
          tls: {
            disabled: false,
            ...(tls.serverName !== undefined ? { serverName: tls.serverName } : {}),
            ...(clientCert ? { clientCert } : {}),
            ...(clientKey ? { clientKey } : {}),
            ...(serverCACert ? { serverCACert } : {}),
          },
        }
      : {}),
    ...(settings.grpcMeta ? { grpcMeta: settings.grpcMeta } : {}),
  };
}
