import { arch, release, type as osType } from 'node:os';
import { buildCeleryConf } from './celery-conf';
import { safeUrl } from '../../../transport/safe-url';
import { CELERIAC_SOFTWARE } from '../../events/event-dispatcher';
import type { ControlHandler } from '../control-context';
import type { TaskInfo } from '../../worker-state';
import { isTrue, toList } from './inspect-requests';

/** Celery's `DEFAULT_TASK_INFO_ITEMS`, listed when `registered` names no attributes. */
const DEFAULT_TASK_INFO_ITEMS = ['exchange', 'routing_key', 'rate_limit'];

/**
 * `registered` (`taskinfoitems`, `builtins`): sorted task names, `celery.*` hidden unless builtins;
 * each as `name [attr=value ...]` for the asked attributes that are set (`str(value)`), or bare
 * when none is, as Python's `_extract_info`.
 */
export const registered: ControlHandler = (ctx, args) => {
  const builtins = isTrue(args.builtins);
  const items = toList(args.taskinfoitems);
  const wanted = items.length > 0 ? items : DEFAULT_TASK_INFO_ITEMS;
  return [...ctx.inspector.registeredTasks()].filter((n) => builtins || !n.startsWith('celery.')).sort().map((name) => {
    const attrs = pythonTaskAttributes(ctx.inspector.taskInfo(name));
    const fields = wanted.filter((f) => attrs[f] !== undefined && attrs[f] !== null).map((f) => `${f}=${pythonStr(attrs[f])}`);
    return fields.length > 0 ? `${name} [${fields.join(' ')}]` : name;
  });
};

/** A task's attributes under Celery's `Task` attribute names (those celeriac keeps; others are absent, as unset ones). */
function pythonTaskAttributes(info: TaskInfo | null): Record<string, unknown> {
  if (!info) return {};
  return {
    name: info.name, queue: info.queue, rate_limit: info.rateLimit, time_limit: info.timeLimitSec, soft_time_limit: info.softTimeLimitSec,
    acks_late: info.acksLate, ignore_result: info.ignoreResult, track_started: info.trackStarted, max_retries: info.maxRetries,
    default_retry_delay: info.defaultRetryDelaySec, reject_on_worker_lost: info.rejectOnWorkerLost, serializer: 'json',
    send_events: true, store_errors_even_if_ignored: false, acks_on_failure_or_timeout: true,
  };
}

/** Python's `str()` of a scalar attribute. */
function pythonStr(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  return String(value);
}

/** `active_queues`: `kombu.Queue.as_dict(recurse=True)` for each consumed queue (direct exchange named as the queue). */
export const activeQueues: ControlHandler = (ctx) => ctx.inspector.activeQueues().map((name) => ({
  name,
  exchange: {
    name, type: 'direct', arguments: null, durable: true, passive: false, auto_delete: false,
    delivery_mode: null, no_declare: false,
  },
  routing_key: name,
  queue_arguments: null,
  binding_arguments: null,
  consumer_arguments: null,
  durable: true,
  exclusive: false,
  auto_delete: false,
  no_ack: false,
  alias: null,
  bindings: [],
  no_declare: null,
  expires: null,
  message_ttl: null,
  max_length: null,
  max_length_bytes: null,
  max_priority: null,
}));

/** `conf` (`with_defaults`): the effective configuration under Celery's names, as Python prints it (celery-conf.ts). */
export const conf: ControlHandler = (ctx, args) => buildCeleryConf(ctx.inspector.settings, isTrue(args.with_defaults));

/** `report`: `{"ok": <text>}`, the software/platform/settings summary (`app.bugreport()`). */
export const report: ControlHandler = (ctx) => {
  const s = ctx.inspector.settings;
  const sw = CELERIAC_SOFTWARE;
  const lines = [
    `software -> ${sw.ident}:${sw.version} node:${process.versions.node}`,
    `platform -> system:${osType()} arch:${arch()} kernel version:${release()}`,
    `settings -> transport:${safeUrl(s.broker_url).split(':')[0] ?? ''} results:${safeUrl(s.result_backend)}`,
    '',
    ...Object.entries(conf(ctx, { with_defaults: false }) as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`),
  ];
  return { ok: lines.join('\n') };
};
