import { TaskError } from '../../errors/celeriac-error';

/** One text message to one recipient. */
export interface OutboundMessage {
  /** Recipient in E.164 form (`+4915112345678`). */
  to: string;
  body: string;
  /** The producer's `message_type` (`sms`, `whatsapp`, ...). */
  messageType: string;
  /** Same key on a retry of the same task and recipient: the sender must not send it twice. */
  idempotencyKey: string;
}

/** Sends messages (an SMS gateway, an outbox table a relay drains, ...). */
export interface MessageSender {
  /**
   * Sends or queues one message. Resolves `duplicate: true` when the key was already sent. Throws
   * MessageRejectedError for a recipient-specific refusal (counted as failed, the batch goes on);
   * any other error is an outage and fails the task (a retry resends only what is missing).
   */
  send(message: OutboundMessage): Promise<{ messageId: string; duplicate: boolean }>;
}

/** The sender refused this one message (bad number, blocked recipient); not retried. */
export class MessageRejectedError extends TaskError {
  constructor(readonly recipient: string, reason: string) {
    super('CELERIAC_TASK_MESSAGE_REJECTED', `message to ${recipient} rejected: ${reason}`);
  }
}
