import { READY_STATES, type ResultMeta } from '../../protocol/result-meta';

/** Celery's `MESSAGE_BUFFER_MAX`: task ids whose latest state a client keeps (celery/backends/base.py). */
export const DEFAULT_RPC_BUFFER_MAX = 8192;

/**
 * The latest state received per task id on a client's reply queue, kept for whoever asks later
 * (Celery's `_pending_messages` BufferMap and result cache): a ready state is final and is not
 * replaced by a later one; other states replace each other. Holds at most `max` task ids, dropping
 * the least recently updated first, as Celery's bounded buffer does; `onEvict` is told which.
 */
export class RpcReplyBuffer {
  private readonly latest = new Map<string, ResultMeta>();

  constructor(private readonly max: number = DEFAULT_RPC_BUFFER_MAX, private readonly onEvict: (taskId: string, meta: ResultMeta) => void = () => undefined) {}

  /** Records `meta`; returns the state now held for its task (the earlier ready one when there was one). */
  put(meta: ResultMeta): ResultMeta {
    const held = this.latest.get(meta.taskId);
    const kept = held && READY_STATES.has(held.status) ? held : meta;
    this.latest.delete(meta.taskId);
    this.latest.set(meta.taskId, kept);
    while (this.latest.size > this.max) {
      const [oldestId, oldest] = this.latest.entries().next().value as [string, ResultMeta];
      this.latest.delete(oldestId);
      this.onEvict(oldestId, oldest);
    }
    return kept;
  }

  /** The state held for `taskId`, or undefined when none arrived (PENDING). */
  get(taskId: string): ResultMeta | undefined {
    return this.latest.get(taskId);
  }

  /** Drops what is held for `taskId`. */
  delete(taskId: string): void {
    this.latest.delete(taskId);
  }

  /** Task ids held. */
  get size(): number {
    return this.latest.size;
  }
}
