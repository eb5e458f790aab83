import type { RedisTransportOptions } from './redis-transport-options';

/** The physical key and channel names kombu's Redis transport uses, global prefix included. */
export interface RedisKeys {
  /** Priority bucket of a message priority: clamp to 0..9, then the largest step <= it (kombu `priority`). */
  bucket(priority: unknown): number;
  /** List key of `queue` for a priority bucket: `<queue>` or `<queue><sep><bucket>` (kombu `_q_for_pri`). */
  queueKey(queue: string, bucket: number): string;
  /** All list keys of a queue, in priority-step order (kombu `_size` / `_purge`). */
  queueKeys(queue: string): string[];
  /** Queue of a list key: prefix removed, then everything after the last sep (kombu `_brpop_read`). */
  queueOfKey(key: string): string;
  /** `_kombu.binding.<exchange>` set key. */
  bindingKey(exchange: string): string;
  /** Binding member `<rk><sep><pattern><sep><queue>` (kombu `_queue_bind`). */
  bindingMember(routingKey: string, pattern: string, queue: string): string;
  /** Splits a binding member back into its parts. */
  parseBindingMember(member: string): { routingKey: string; pattern: string; queue: string };
  /** `unacked` hash key. */
  readonly unacked: string;
  /** `unacked_index` sorted-set key. */
  readonly unackedIndex: string;
  /** `unacked_mutex` lock key. */
  readonly unackedMutex: string;
  /** Pub/sub channel a fanout message is published on (kombu `_get_publish_topic`). */
  fanoutChannel(exchange: string, routingKey: string): string;
  /** PSUBSCRIBE pattern for a fanout binding: `#` becomes `*` (kombu `_queue_bind` + `_subscribe`). */
  fanoutPattern(exchange: string, bindingKey: string): string;
  /** Exchange and routing key of a received channel name, or null when it is not one of ours. */
  parseFanoutChannel(channel: string): { exchange: string; routingKey: string } | null;
}

/** Builds the key namer for a transport's options and the broker's database number. */
export function buildRedisKeys(options: RedisTransportOptions, db: number): RedisKeys {
  const { sep, globalKeyprefix: prefix } = options;
  const steps = [...options.prioritySteps].sort((a, b) => a - b);
  const fanoutPrefix = options.fanoutPrefix === true ? `/${db}.` : options.fanoutPrefix === false ? '' : options.fanoutPrefix;
  const bucket = (priority: unknown): number => {
    const p = Math.min(Math.max(toInt(priority), 0), 9);
    let found = steps[0] ?? 0;
    for (const s of steps) if (s <= p) found = s;
    return found;
  };
  const queueKey = (queue: string, b: number): string => (b ? `${prefix}${queue}${sep}${b}` : `${prefix}${queue}`);
  const publishTopic = (exchange: string, routingKey: string): string =>
    routingKey && options.fanoutPatterns ? `${prefix}${fanoutPrefix}${exchange}/${routingKey}` : `${prefix}${fanoutPrefix}${exchange}`;
  return {
    bucket,
    queueKey,
    queueKeys: (queue) => steps.map((s) => queueKey(queue, s)),
    queueOfKey: (key) => {
      const bare = key.startsWith(prefix) ? key.slice(prefix.length) : key;
      const at = bare.lastIndexOf(sep);
      return at >= 0 ? bare.slice(0, at) : bare;
    },
    bindingKey: (exchange) => `${prefix}_kombu.binding.${exchange}`,
    bindingMember: (routingKey, pattern, queue) => [routingKey, pattern, queue].join(sep),
    parseBindingMember: (member) => {
      const [routingKey = '', pattern = '', ...rest] = member.split(sep);
      return { routingKey, pattern, queue: rest.join(sep) };
    },
    unacked: prefix + options.unackedKey,
    unackedIndex: prefix + options.unackedIndexKey,
    unackedMutex: prefix + options.unackedMutexKey,
    fanoutChannel: publishTopic,
    fanoutPattern: (exchange, bindingKey) => publishTopic(exchange, bindingKey.replace(/#/g, '*')),
    parseFanoutChannel: (channel) => {
      const head = prefix + fanoutPrefix;
      if (!channel.startsWith(head)) return null;
      const rest = channel.slice(head.length);
      const slash = rest.indexOf('/');
      return slash < 0 ? { exchange: rest, routingKey: '' } : { exchange: rest.slice(0, slash), routingKey: rest.slice(slash + 1) };
    },
  };
}

/** Python `int()` of a priority: numbers truncate, numeric strings parse, anything else is 0. */
function toInt(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

