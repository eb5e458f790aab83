import { randomUUID } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import type { Logger } from 'pino';
import { addSentResults, currentRequest } from '../app/request-context';
import type { PublishPayload, Signals } from '../app/signals';
import type { ResultBackend } from '../backend/result-backend';
import { buildSignatureMessage, type PlannedMessage } from '../canvas/build-signature-message';
import type { ApplyCall, CanvasResult } from '../canvas/canvas-result';
import type { Signature } from '../canvas/signature';
import type { KombuMessage, Route } from '../protocol/kombu-message';
import type { SignatureWire } from '../protocol/task-message';
import type { Transport } from '../transport/transport';
import { applyCanvas } from './apply-canvas';
import { AsyncResult } from './async-result';
import { createTaskRouter, type TaskRoutes } from './task-router';

/** Per-call options of `sendTask` (Celery's `apply_async`/`send_task` options, camelCase). */
export interface SendTaskOptions {
  /** Task id; a new uuid4 when absent. */
  taskId?: string;
  /** Run no earlier than now + this many seconds. */
  countdown?: number;
  /** Run no earlier than this instant (Date or ISO-8601 text). */
  eta?: Date | string;
  /** Seconds from now, or an instant, after which the task must not run. */
  expires?: number | Date | string;
  /** 0..255 (Redis buckets 0-9, lower first). */
  priority?: number;
  /** Target queue (anonymous exchange, routing key = queue). */
  queue?: string;
  /** Named exchange (routed through its `_kombu.binding.*` set on Redis). */
  exchange?: string;
  routingKey?: string;
  /** Callback signature(s) applied with the result (wire form, e.g. from `buildSignatureWire`). */
  link?: SignatureWire | SignatureWire[];
  /** Errback signature(s) applied with the failed task's id. */
  linkError?: SignatureWire | SignatureWire[];
  /** Custom headers merged after Celery's own. */
  headers?: Record<string, unknown>;
  /** Hard time limit in seconds. */
  timeLimit?: number;
  /** Soft time limit in seconds. */
  softTimeLimit?: number;
  /** Display name replacing the task name in logs/events. */
  shadow?: string;
  /** Ask the worker not to store the result. */
  ignoreResult?: boolean;
}

/** What `createProducer` needs. */
export interface ProducerOptions {
  transport: Transport;
  /** Result store for `AsyncResult`; null = results cannot be read. */
  backend: ResultBackend | null;
  /** Celery settings the producer honours. */
  conf?: { task_routes?: TaskRoutes; task_default_queue?: string };
  logger: Logger;
  /** `origin` header; default `gen<pid>@<host>` as Python clients write. */
  origin?: string;
  /** `reply_to` property; default the backend's reply queue (rpc://), else a uuid per producer (Python's `app.thread_oid`). */
  replyTo?: string;
  /** Clock, injectable for tests. */
  now?: () => Date;
  /** The app's signals: `before_task_publish` / `after_task_publish` run around each publish. */
  signals?: Signals;
}

/** Sends tasks by name, as Python's `app.send_task`, and hands back AsyncResults. */
export interface Producer {
  /** Publishes one task message; resolves once the broker accepted it. */
  sendTask(name: string, args?: unknown[], kwargs?: Record<string, unknown>, options?: SendTaskOptions): Promise<AsyncResult>;
  /** A handle on an existing task id. */
  asyncResult(taskId: string): AsyncResult;
  /**
   * Applies a canvas in its wire form (`sig.apply_async(args, kwargs, **options)`: a task, chain,
   * group or chord) and resolves to its frozen result tree once every message is published.
   */
  applyCanvas(wire: SignatureWire, call?: ApplyCall): Promise<CanvasResult>;
}

/**
 * Creates a producer over a connected Transport (and optionally a ResultBackend). Messages are
 * byte-compatible with Python's `send_task` (spec §1.2-1.4), routed by the `queue`/`exchange`
 * options, else `task_routes`, else `task_default_queue` (`celery`). Throws ConfigError for
 * unusable `task_routes`.
 */
export function createProducer(opts: ProducerOptions): Producer {
  const router = createTaskRouter(opts.conf?.task_routes, opts.conf?.task_default_queue ?? 'celery');
  const origin = opts.origin ?? `gen${process.pid}@${osHostname()}`;
  const replyTo = opts.replyTo ?? opts.backend?.replyQueue ?? randomUUID();
  // rpc://: declare and consume the reply queue before a task names it (Celery's on_task_call); no extra await otherwise.
  const beforeSend = opts.backend?.onTaskCall ? (): Promise<void> => (opts.backend as ResultBackend & { onTaskCall(): Promise<void> }).onTaskCall() : null;
  const now = opts.now ?? (() => new Date());
  const log = opts.logger.child({ component: 'producer' });
  return {
    async sendTask(name, args = [], kwargs = {}, options = {}) {
      const sig: Signature = { task: name, args, kwargs, options: toCeleryOptions(options), subtaskType: null, immutable: false };
      // Sent from inside a task: parent/root ids as Celery's send_task fills them, and the task's correlation fields.
      const scope = currentRequest();
      const planned = buildSignatureMessage(sig, { parent: scope ? { id: scope.id, rootId: scope.rootId } : null,
        ...(scope ? { inheritHeaders: scope.fields } : {}), now: now(), hostname: origin, replyTo, router });
      if (beforeSend) await beforeSend();
      await publishWithSignals(planned, opts.transport.publish.bind(opts.transport), opts.signals, log);
      // send_task's add_to_parent: the running task's `children` lists it
      addSentResults([[planned.taskId, null], null]);
      log.debug({ taskId: planned.taskId, taskName: name, exchange: planned.route.exchange, routingKey: planned.route.routingKey }, 'task sent');
      return new AsyncResult(planned.taskId, opts.backend);
    },
    asyncResult(taskId) {
      return new AsyncResult(taskId, opts.backend);
    },
    async applyCanvas(wire, call = {}) {
      if (beforeSend) await beforeSend();
      return applyCanvas(wire, call, { backend: opts.backend, context: { now: now(), hostname: origin, replyTo, router },
        publish: (planned) => publishWithSignals(planned, opts.transport.publish.bind(opts.transport), opts.signals, log) });
    },
  };
}

/**
 * Publishes one planned message, running `before_task_publish` first (its receivers may change the
 * headers, as Celery's) and `after_task_publish` once the broker accepted it.
 */
export async function publishWithSignals(planned: PlannedMessage, publish: (message: KombuMessage, route: Route) => Promise<void>,
  signals: Signals | undefined, log: Logger): Promise<void> {
  const { message, route } = planned;
  const payload = (): PublishPayload => ({ taskId: planned.taskId, taskName: String(message.headers.task ?? ''), headers: message.headers,
    properties: message.properties, exchange: route.exchange, routingKey: route.routingKey });
  if (signals?.has('before_task_publish')) await signals.send('before_task_publish', payload(), log);
  await publish(message, route);
  if (signals?.has('after_task_publish')) await signals.send('after_task_publish', payload(), log);
}

/** camelCase send options → the Celery option names a signature carries. */
export function toCeleryOptions(o: SendTaskOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {
    task_id: o.taskId, countdown: o.countdown, eta: o.eta, expires: o.expires, priority: o.priority, queue: o.queue,
    exchange: o.exchange, routing_key: o.routingKey, link: o.link, link_error: o.linkError, headers: o.headers,
    time_limit: o.timeLimit, soft_time_limit: o.softTimeLimit, shadow: o.shadow, ignore_result: o.ignoreResult,
  };
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out;
}
