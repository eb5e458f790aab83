/** The broker layer: the Transport contract, its Redis and in-memory implementations, and the URL-based factory. */
export type { Consumer, Delivery, FanoutMessage, Transport } from './transport';
export { createTransport } from './create-transport';
export { MemoryTransport } from './memory/memory-transport';
export { RedisTransport, createRedisTransport } from './redis/redis-transport';
export {
  defaultRedisTransportOptions, redisTransportOptionsSchema, type RedisTransportOptions,
} from './redis/redis-transport-options';
export { safeUrl } from './safe-url';
