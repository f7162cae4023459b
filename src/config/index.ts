export { ConfigError, configFileVariable, loadConfig, type LoadConfigOptions } from './load';
export { defaultDeadLetterQueue, parseQueueEntry, type QueueSpec } from './queueSpec';
export {
  secretSettingNames,
  settingNames,
  type AlibabaCredentials,
  type BackfillSettings,
  type PollerTuning,
  type Role,
  type TemporalTlsSettings,
  type VodflowConfig,
} from './schema';
