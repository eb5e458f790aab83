import type { Logger } from 'pino';
import { coerceError } from '../errors/coerce-error';
import type { TaskRequest } from './task-context';

/** What the publish signals see of a message about to be (or just) published. */
export interface PublishPayload {
  taskId: string;
  /** Task name (Celery's `sender`). */
  taskName: string;
  /** The message headers: `before_task_publish` receivers may add or change entries (trace ids), as in Celery. */
  headers: Record<string, unknown>;
  /** Message properties (correlation_id, reply_to, priority, ...). */
  properties: Record<string, unknown>;
  exchange: string;
  routingKey: string;
}

/** A request as the task signals carry it (Celery's `task.request` / `request`). */
export type SignalRequest = Pick<TaskRequest, 'id' | 'task' | 'args' | 'kwargs' | 'retries' | 'rootId' | 'parentId' | 'headers' | 'eta' | 'hostname'>;

/**
 * Celery's signals (celery/signals.py), names kept, payloads camelCase. `sender` in Celery is the
 * task (or worker / beat); here the task name travels as `taskName` (`request.task`).
 */
export interface SignalPayloads {
  /** Before a task message is published (producer and worker follow-ups); headers may be changed. */
  before_task_publish: PublishPayload;
  /** After the broker accepted a task message. */
  after_task_publish: PublishPayload;
  /** The worker received a task (before ETA hold / rate limit). */
  task_received: { request: SignalRequest };
  /** Just before the handler runs. */
  task_prerun: { taskId: string; taskName: string; request: SignalRequest; args: unknown[]; kwargs: Record<string, unknown> };
  /**
   * After every run that sent task_prerun, whatever the outcome, as Celery's trace: `state` SUCCESS
   * (retval the result), FAILURE (the error), RETRY (the Retry), REJECTED (the Reject; null when the
   * message went back unrecorded), IGNORED (the Ignore), REVOKED (terminated while running; null).
   */
  task_postrun: { taskId: string; taskName: string; request: SignalRequest; args: unknown[]; kwargs: Record<string, unknown>; retval: unknown; state: string };
  /** The task succeeded; `result` is its return value. */
  task_success: { taskName: string; request: SignalRequest; result: unknown };
  /** The task failed. */
  task_failure: { taskId: string; taskName: string; request: SignalRequest; exception: Error; traceback: string; args: unknown[]; kwargs: Record<string, unknown> };
  /** The task will be retried (`reason` is the exception that caused it, when there is one). */
  task_retry: { taskName: string; request: SignalRequest; reason: Error | null };
  /** The task was revoked or expired before (or while) running. */
  task_revoked: { taskName: string; request: SignalRequest; terminated: boolean; expired: boolean; signum: string | null };
  /** The worker refused a message it cannot run (undecodable, disallowed content, invalid). */
  task_rejected: { taskId: string | null; taskName: string | null; reason: string };
  /** The worker received a task whose name is registered in no task. */
  task_unknown: { taskId: string; name: string; message: string };
  /** The worker is starting (before connecting). */
  worker_init: { hostname: string };
  /** The worker is consuming. */
  worker_ready: { hostname: string };
  /** A warm shutdown began. */
  worker_shutting_down: { hostname: string };
  /** The worker stopped (connections closed). */
  worker_shutdown: { hostname: string };
  /**
   * Beat started: its scheduler is built, its first tick not yet run (Celery's `beat_init`, whose
   * sender is the beat Service; sent by every beat, leader or standby). `hostname` is the machine's.
   */
  beat_init: { hostname: string };
}

/** A signal name (`'task_prerun'`, ...). */
export type SignalName = keyof SignalPayloads;

/** A receiver: sync or async. What it returns is ignored; what it throws is logged. */
export type SignalReceiver<N extends SignalName> = (payload: SignalPayloads[N]) => void | Promise<void>;

/**
 * The app's signal receivers, Celery's `signal.connect` as `app.on(name, receiver)`. Receivers run
 * in the order connected, one after the other (an async one is awaited before the next); a receiver
 * that throws or rejects is logged with the signal name and never reaches the task or the worker.
 */
export class Signals {
  private readonly receivers = new Map<SignalName, Array<SignalReceiver<SignalName>>>();

  /** Connects a receiver; returns the function that disconnects it. */
  connect<N extends SignalName>(name: N, receiver: SignalReceiver<N>): () => void {
    const list = this.receivers.get(name) ?? [];
    list.push(receiver as SignalReceiver<SignalName>);
    this.receivers.set(name, list);
    return () => this.disconnect(name, receiver);
  }

  /** Disconnects a receiver (no effect when it is not connected). */
  disconnect<N extends SignalName>(name: N, receiver: SignalReceiver<N>): void {
    const list = this.receivers.get(name);
    const at = list?.indexOf(receiver as SignalReceiver<SignalName>) ?? -1;
    if (list && at >= 0) list.splice(at, 1);
  }

  /** True when the signal has receivers (senders skip building payloads otherwise). */
  has(name: SignalName): boolean {
    return (this.receivers.get(name)?.length ?? 0) > 0;
  }

  /** Runs every receiver of `name` with `payload` (Celery's `send_robust`). Never rejects. */
  async send<N extends SignalName>(name: N, payload: SignalPayloads[N], log: Logger): Promise<void> {
    for (const receiver of [...(this.receivers.get(name) ?? [])]) {
      try {
        await receiver(payload);
      } catch (thrown) {
        log.error({ err: coerceError(thrown), signal: name }, 'signal receiver failed');
      }
    }
  }
}
