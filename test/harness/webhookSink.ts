// The local stack's webhook receiver doubles as the tests' sink.
export {
  startWebhookSink,
  type WebhookDelivery,
  type WebhookSink,
} from '../../harness/stack/webhookReceiver';
