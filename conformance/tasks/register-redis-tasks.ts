// The tasks of Celery's t/integration/tasks.py that write to Redis DB 0 at REDIS_HOST:REDIS_PORT
// (where the suite's tests read), and the errbacks built on them.
import Redis from 'ioredis';
import type { Celery, TaskContext } from '../../src/index';
import { T } from './register-basic-tasks';

/** Where the suite's tasks.py connects (`get_redis_connection()`): REDIS_HOST / REDIS_PORT, DB 0. */
export interface SuiteRedisEnv {
  REDIS_HOST?: string;
  REDIS_PORT?: string;
}

/** redis-py sends bytes as they are, ints and strings as their text; anything else it refuses (DataError). */
function redisValue(v: unknown): string | Buffer {
  if (typeof v === 'string' || Buffer.isBuffer(v)) return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TypeError(`Invalid input of type: '${v === null ? 'NoneType' : typeof v}'. Convert to a bytes, string, int or float first.`);
}

/** Registers the Redis-writing tasks on `app`; the connection opens on first use, once per worker process. */
export function registerRedisTasks(app: Celery, env: SuiteRedisEnv): void {
  let client: Redis | undefined;
  const redis = (): Redis => (client ??= new Redis({
    host: env.REDIS_HOST ?? 'localhost', port: Number(env.REDIS_PORT ?? 6379), maxRetriesPerRequest: 3,
  }));

  app.task(`${T}redis_echo`, async (message: unknown, redisKey: string = 'redis-echo') => {
    await redis().rpush(redisKey, redisValue(message));
    return null;
  }, { params: ['message', 'redis_key'] });
  app.task(`${T}redis_echo_group_id`, async (task: TaskContext, _res: unknown, redisKey: string = 'redis-group-ids') => {
    await redis().rpush(redisKey, redisValue(task.request.group));
    return null;
  }, { bind: true, params: ['_', 'redis_key'] });
  app.task(`${T}redis_count`, async (redisKey: string = 'redis-count') => {
    await redis().incr(redisKey);
    return null;
  }, { params: ['redis_key'] });

  // Old-style errback: called with the failed task's id.
  app.task(`${T}errback_old_style`, async (requestId: string) => {
    await redis().incr(requestId);
    return requestId;
  }, { params: ['request_id'] });
  // New-style errback (request, exc, traceback): an unbound task with more than one parameter, which
  // the worker calls in process with the failed request, as a Python worker does.
  app.task(`${T}errback_new_style`, async (request: { id: string }, _exc: unknown, _tb: unknown) => {
    await redis().incr(request.id);
    return request.id;
  }, { params: ['request', 'exc', 'tb'] });
}
