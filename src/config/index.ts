export { ConfigError, configFileVariable, loadConfig, type LoadConfigOptions } from './load';
export { defaultDeadLetterQueue, parseQueueEntry, type QueueSpec } from './queueSpec';
export {
  defaultIngressPort,
  secretSettingNames,
  settingNames,
  type AlibabaCredentials,
  type BackfillSettings,
  type IngressSettings,
  type PollerTuning,
  type Role,
  type TemporalTlsSettings,
  type VodflowConfig,
} from './schema';
