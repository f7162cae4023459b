export {
  generateSecretHint,
  maxSecretBytes,
  minSecretBytes,
  parseWebhookSecrets,
  whsecPrefix,
  type SecretsResult,
} from './secrets';
export {
  signPublication,
  verifyPublication,
  webhookIdHeader,
  webhookSignatureHeader,
  webhookTimestampHeader,
  type Verification,
} from './signature';
