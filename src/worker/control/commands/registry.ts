import { arch, release, type as osType } from 'node:os';
import { settingsSchema } from '../../../config/settings-schema';
import { safeUrl } from '../../../transport/safe-url';
import { CELERIAC_SOFTWARE } from '../../events/event-dispatcher';
import type { ControlHandler } from '../control-context';
import { redactSecrets } from './build-broker-info';
import { isTrue, toList } from './inspect-requests';

/** `registered` (`taskinfoitems`, `builtins`): sorted task names, `celery.*` hidden unless builtins. */
export const registered: ControlHandler = (ctx, args) => {
  const builtins = isTrue(args.builtins);
  // celeriac keeps no per-task exchange/routing_key/rate_limit attributes to list, so names are bare,
  // as Python prints a task whose taskinfoitems are all None
  void toList(args.taskinfoitems);
  return [...ctx.inspector.registeredTasks()].filter((n) => builtins || !n.startsWith('celery.')).sort();
};

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

/** `conf` (`with_defaults`): settings (lowercase Celery names), only changed ones unless with_defaults; secrets hidden. */
export const conf: ControlHandler = (ctx, args) => {
  const withDefaults = isTrue(args.with_defaults);
  const defaults = settingsSchema.parse({}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(ctx.inspector.settings as Record<string, unknown>)) {
    if (!withDefaults && JSON.stringify(value) === JSON.stringify(defaults[key])) continue;
    out[key] = hideSecrets(key, value);
  }
  return out;
};

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

function hideSecrets(key: string, value: unknown): unknown {
  if (typeof value === 'string' && (key.endsWith('_url') || key === 'result_backend')) return safeUrl(value);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return redactSecrets(value as Record<string, unknown>);
  return value;
}
