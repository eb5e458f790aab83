/** One message taken off the reply queue. */
export interface RpcReply {
  body: Buffer;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  /** The task id the reply is for (Celery sets it to the task id). */
  correlationId: string | undefined;
}

/** What one reply is published with (the properties kombu's Producer gives RPCBackend.store_result). */
export interface RpcReplyProperties {
  correlationId: string;
  contentType: string;
  contentEncoding: string;
  /** 1 transient (Celery's default), 2 persistent (`result_persistent`). */
  deliveryMode: 1 | 2;
}

/**
 * A client's reply queue as Celery's `RPCBackend.binding` declares it: `Queue(oid, durable=False,
 * auto_delete=True, expires=result_expires)`. The worker never declares it: it only publishes to it.
 */
export interface RpcReplyQueueSpec {
  /** The queue name (the client's oid, sent as every task's `reply_to`). */
  name: string;
  /** `x-expires` in ms; null when `result_expires` is 0/unset (no argument). */
  expiresMs: number | null;
}

/**
 * The broker operations the `rpc://` backend needs, and nothing else (the AMQP implementation is
 * src/transport/amqp/amqp-reply-queue.ts).
 */
export interface RpcReplyChannel {
  /** Opens the connection; throws with a clear message when the broker cannot be reached. */
  connect(): Promise<void>;
  /**
   * Publishes `body` to the default exchange with routing key `replyTo`, not mandatory (kombu's
   * default): a reply queue that is gone is no error, the broker drops the message. Resolves once the
   * broker confirmed it.
   */
  publishReply(replyTo: string, body: Buffer, properties: RpcReplyProperties): Promise<void>;
  /**
   * Declares `queue` as the client's binding and consumes it without acks (Celery's no_ack=True),
   * again after every reconnection. Resolves once the first consume is set up.
   */
  consumeReplies(queue: RpcReplyQueueSpec, onReply: (reply: RpcReply) => void): Promise<void>;
  /** Closes the connection. Idempotent. */
  close(): Promise<void>;
}
