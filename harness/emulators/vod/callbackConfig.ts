import { knownEventTypes } from '../../../src/events/model';
import { apiErrors } from './errors';
import type { Body, Params } from './readApis';

/**
 * SetMessageCallback / GetMessageCallback / DeleteMessageCallback (docs/VOD-API.md). One
 * emulator serves one region, so the configuration is kept per AppId.
 */
export interface MessageCallback {
  AppId: string;
  CallbackType: 'HTTP' | 'MNS';
  CallbackURL?: string;
  AuthSwitch?: 'on' | 'off';
  AuthKey?: string;
  MnsEndpoint?: string;
  MnsQueueName?: string;
  /** Comma string, as VOD stores it; empty means every notification is off. */
  EventTypeList: string;
}

export const defaultAppId = 'app-1000000';
const aiEventTypes = ['AIMediaAuditComplete', 'AIMediaDNAComplete', 'AIVideoTagComplete'];

export class CallbackStore {
  private readonly byApp = new Map<string, MessageCallback>();

  get(appId: string): MessageCallback | undefined {
    return this.byApp.get(appId);
  }

  set(config: MessageCallback): void {
    this.byApp.set(config.AppId, config);
  }

  delete(appId: string): void {
    this.byApp.delete(appId);
  }
}

/** Whether a configuration selects an event type (ALL, AIComplete and explicit names). */
export function selectsEvent(config: MessageCallback, eventType: string): boolean {
  const list = config.EventTypeList.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.includes('ALL') || list.includes(eventType)) return true;
  return list.includes('AIComplete') && aiEventTypes.includes(eventType);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export function setMessageCallback(params: Params, store: CallbackStore): Body {
  const appId = params.AppId || defaultAppId;
  const eventTypeList = (params.EventTypeList ?? '').trim();
  for (const name of eventTypeList.split(',').map((s) => s.trim())) {
    if (name === '' || name === 'ALL' || name === 'AIComplete') continue;
    if (!(knownEventTypes as readonly string[]).includes(name)) {
      throw apiErrors.invalidParameter('EventTypeList', `Unknown event type ${name}.`);
    }
  }
  const rawType = params.CallbackType?.toUpperCase();
  const type = rawType ?? (params.MnsEndpoint ? 'MNS' : params.CallbackURL ? 'HTTP' : undefined);
  if (type === undefined) throw apiErrors.missingParameter('CallbackType');
  if (type === 'MNS') {
    const endpoint = params.MnsEndpoint;
    const queue = params.MnsQueueName;
    if (!endpoint) throw apiErrors.missingParameter('MnsEndpoint');
    if (!queue) throw apiErrors.missingParameter('MnsQueueName');
    if (!isHttpUrl(endpoint)) throw apiErrors.invalidParameter('MnsEndpoint', 'Expected an http(s) URL.');
    store.set({
      AppId: appId,
      CallbackType: 'MNS',
      MnsEndpoint: endpoint,
      MnsQueueName: queue,
      EventTypeList: eventTypeList,
    });
    return {};
  }
  if (type === 'HTTP') {
    const url = params.CallbackURL;
    if (!url) throw apiErrors.missingParameter('CallbackURL');
    if (!isHttpUrl(url) || Buffer.byteLength(url) > 256) {
      throw apiErrors.invalidParameter('CallbackURL', 'Expected an http(s) URL of at most 256 bytes.');
    }
    const authSwitch = params.AuthSwitch ?? 'off';
    if (authSwitch !== 'on' && authSwitch !== 'off')
      throw apiErrors.invalidParameter('AuthSwitch', 'Expected on or off.');
    const authKey = params.AuthKey;
    if (authSwitch === 'on') {
      if (!authKey) throw apiErrors.missingParameter('AuthKey');
      if (authKey.length > 32 || !/[a-z]/.test(authKey) || !/[A-Z]/.test(authKey) || !/[0-9]/.test(authKey)) {
        throw apiErrors.invalidParameter(
          'AuthKey',
          'At most 32 characters with upper case, lower case and digits.',
        );
      }
    }
    store.set({
      AppId: appId,
      CallbackType: 'HTTP',
      CallbackURL: url,
      AuthSwitch: authSwitch,
      ...(authKey ? { AuthKey: authKey } : {}),
      EventTypeList: eventTypeList,
    });
    return {};
  }
  throw apiErrors.invalidParameter('CallbackType', 'Expected HTTP or MNS.');
}

export function getMessageCallback(params: Params, store: CallbackStore): Body {
  const config = store.get(params.AppId || defaultAppId);
  // With nothing configured the response simply has no MessageCallback.
  return config ? { MessageCallback: { ...config } } : {};
}

export function deleteMessageCallback(params: Params, store: CallbackStore): Body {
  store.delete(params.AppId || defaultAppId);
  return {};
}
