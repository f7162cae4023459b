/**
 * Declarations for the parts of `@alicloud/mns` (1.2.0, lib/client.js) that vodflow uses.
 * The package ships no types. Shapes follow what the SDK really returns: every value parsed
 * from XML is a string (xml2js + `extract`), batch bodies are arrays of entries, and calls that
 * answer with an empty body resolve with `body: undefined`. Service errors are thrown as
 * `Error` with `name = 'MNS' + Code + 'Error'` and no `code` property; a response whose
 * Content-Type is not XML is never thrown, whatever its status.
 */
declare module '@alicloud/mns' {
  namespace MNSClient {
    interface ClientOptions {
      accessKeyId: string;
      accessKeySecret: string;
      /** `http(s)://host[:port]`; when set, `region` is not needed and `Host` = host[:port]. */
      endpoint?: string;
      region?: string;
      secure?: boolean;
      internal?: boolean;
      vpc?: boolean;
      /** Sent as the unsigned `security-token` header. */
      securityToken?: string;
      readTimeout?: number;
      connectTimeout?: number;
    }

    interface Response<B> {
      code: number;
      headers: Record<string, string | undefined>;
      body: B;
    }

    /** Attribute values as sent (numbers or strings; the SDK concatenates them into XML). */
    interface QueueAttributesInput {
      DelaySeconds?: number | string;
      MaximumMessageSize?: number | string;
      MessageRetentionPeriod?: number | string;
      VisibilityTimeout?: number | string;
      PollingWaitSeconds?: number | string;
      LoggingEnabled?: boolean | string;
    }

    interface QueueAttributes {
      QueueName: string;
      CreateTime: string;
      LastModifyTime: string;
      DelaySeconds: string;
      MaximumMessageSize: string;
      MessageRetentionPeriod: string;
      VisibilityTimeout: string;
      PollingWaitSeconds: string;
      ActiveMessages: string;
      InactiveMessages: string;
      DelayMessages: string;
      LoggingEnabled: string;
    }

    interface QueueListEntry {
      QueueURL: string;
    }

    /** The SDK does not XML-escape: the caller must escape or base64 the body. */
    interface SendMessageInput {
      MessageBody: string;
      DelaySeconds?: number | string;
      Priority?: number | string;
    }

    interface SentMessage {
      MessageId: string;
      MessageBodyMD5: string;
    }

    interface BatchSendFailure {
      ErrorCode: string;
      ErrorMessage: string;
    }

    interface ReceivedMessage {
      MessageId: string;
      ReceiptHandle: string;
      MessageBodyMD5: string;
      MessageBody: string;
      EnqueueTime: string;
      NextVisibleTime: string;
      FirstDequeueTime: string;
      DequeueCount: string;
      Priority: string;
    }

    interface PeekedMessage {
      MessageId: string;
      MessageBody: string;
      MessageBodyMD5: string;
      EnqueueTime: string;
      FirstDequeueTime: string;
      DequeueCount: string;
      Priority: string;
    }

    interface BatchDeleteFailure {
      ErrorCode: string;
      ErrorMessage: string;
      ReceiptHandle: string;
    }

    interface VisibilityChange {
      ReceiptHandle: string;
      NextVisibleTime: string;
    }
  }

  class MNSClient {
    constructor(accountId: string, options: MNSClient.ClientOptions);
    readonly endpoint: string;
    readonly endpointDomain: string;

    /** 201 (new) or 204 (exists, same attributes); `headers.location` on 201. */
    createQueue(
      name: string,
      params?: MNSClient.QueueAttributesInput,
    ): Promise<MNSClient.Response<undefined>>;
    getQueueAttributes(name: string): Promise<MNSClient.Response<MNSClient.QueueAttributes>>;
    setQueueAttributes(
      name: string,
      params?: MNSClient.QueueAttributesInput,
    ): Promise<MNSClient.Response<undefined>>;
    deleteQueue(name: string): Promise<MNSClient.Response<undefined>>;
    /** `body` is undefined when no queue matches; `NextMarker` is dropped by the SDK. */
    listQueue(
      start?: string,
      limit?: number,
      prefix?: string,
    ): Promise<MNSClient.Response<MNSClient.QueueListEntry[] | undefined>>;

    sendMessage(
      queue: string,
      params: MNSClient.SendMessageInput,
    ): Promise<MNSClient.Response<MNSClient.SentMessage>>;
    /** On a partial failure the status is non-2xx and failed entries carry ErrorCode/ErrorMessage. */
    batchSendMessage(
      queue: string,
      params: MNSClient.SendMessageInput[],
    ): Promise<MNSClient.Response<Array<MNSClient.SentMessage | MNSClient.BatchSendFailure>>>;
    /** Throws `MNSMessageNotExistError` when nothing arrived within the wait. */
    receiveMessage(
      queue: string,
      waitSeconds?: number,
    ): Promise<MNSClient.Response<MNSClient.ReceivedMessage>>;
    batchReceiveMessage(
      queue: string,
      numOfMessages: number,
      waitSeconds?: number,
    ): Promise<MNSClient.Response<MNSClient.ReceivedMessage[]>>;
    peekMessage(queue: string): Promise<MNSClient.Response<MNSClient.PeekedMessage>>;
    batchPeekMessage(
      queue: string,
      numOfMessages: number,
    ): Promise<MNSClient.Response<MNSClient.PeekedMessage[]>>;
    deleteMessage(queue: string, receiptHandle: string): Promise<MNSClient.Response<undefined>>;
    /** 204 with `body: undefined` when all were deleted; 404 with the failed handles only, not thrown. */
    batchDeleteMessage(
      queue: string,
      receiptHandles: string[],
    ): Promise<MNSClient.Response<MNSClient.BatchDeleteFailure[] | undefined>>;
    changeMessageVisibility(
      queue: string,
      receiptHandle: string,
      visibilityTimeout: number,
    ): Promise<MNSClient.Response<MNSClient.VisibilityChange>>;
  }

  export = MNSClient;
}
