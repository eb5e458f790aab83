import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { coerceError } from '../../errors/coerce-error';
import { decodeRedisEnvelope } from '../../protocol/redis-envelope';
import type { FanoutMessage } from '../transport';
import type { RedisKeys } from './redis-keys';

interface Subscription {
  exchange: string;
  onMessage: (msg: FanoutMessage) => void;
}

/**
 * Fanout receive side on one subscriber connection: PSUBSCRIBE per binding pattern (kombu
 * `_subscribe`), and each pmessage's channel parsed back into exchange and routing key.
 */
export class RedisFanout {
  private readonly byPattern = new Map<string, Set<Subscription>>();

  constructor(private readonly subscriber: Redis, private readonly keys: RedisKeys, private readonly logger: Logger) {
    subscriber.on('pmessage', (pattern: string, channel: string, data: string) => this.dispatch(pattern, channel, data));
  }

  /** Subscribes; the returned function unsubscribes (PUNSUBSCRIBE once the last one for a pattern goes). */
  async subscribe(exchange: string, bindingKey: string, onMessage: (msg: FanoutMessage) => void): Promise<() => Promise<void>> {
    const pattern = this.keys.fanoutPattern(exchange, bindingKey);
    const sub: Subscription = { exchange, onMessage };
    let set = this.byPattern.get(pattern);
    if (!set) {
      set = new Set();
      this.byPattern.set(pattern, set);
      set.add(sub);
      await this.subscriber.psubscribe(pattern);
    } else {
      set.add(sub);
    }
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      set.delete(sub);
      if (set.size === 0 && this.byPattern.get(pattern) === set) {
        this.byPattern.delete(pattern);
        if (this.subscriber.status === 'ready') await this.subscriber.punsubscribe(pattern);
      }
    };
  }

  private dispatch(pattern: string, channel: string, data: string): void {
    const subs = this.byPattern.get(pattern);
    const where = this.keys.parseFanoutChannel(channel);
    if (!subs || !where || !data) return;
    let message;
    try {
      message = decodeRedisEnvelope(data).message;
    } catch (err) {
      this.logger.warn({ err: coerceError(err), channel }, 'dropping undecodable fanout message');
      return;
    }
    for (const sub of subs) {
      if (sub.exchange !== where.exchange) continue;
      try {
        sub.onMessage({ message, exchange: where.exchange, routingKey: where.routingKey });
      } catch (err) {
        this.logger.error({ err: coerceError(err), channel }, 'fanout handler failed');
      }
    }
  }
}
