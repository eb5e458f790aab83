import { createHash } from 'node:crypto';
import type Redis from 'ioredis';

/** A Lua script run by EVALSHA, loaded with EVAL on NOSCRIPT. */
export interface RedisScript {
  readonly source: string;
  readonly sha1: string;
}

function script(source: string): RedisScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

/** Runs a script; the server caches it after the first EVAL (NOSCRIPT after a restart reloads it). */
export async function runScript(client: Redis, s: RedisScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
  try {
    return await client.evalsha(s.sha1, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return client.eval(s.source, keys.length, ...keys, ...args);
  }
}

/**
 * Pops up to ARGV[2] messages and records each one as unacked in the same atomic step, so no crash
 * can lose a popped message (kombu BRPOPs, then ZADD+HSETs: a small loss window it accepts).
 * KEYS = unacked, unacked_index, then the queue keys in kombu's BRPOP order (for each priority step,
 * for each queue in cycle order). ARGV = now (float seconds), max, queue count, step count.
 * After a pop from queue q, q moves to the end of the cycle, as kombu's round-robin `rotate` does.
 * The hash value is kombu's `[envelope, exchange, routing_key]`: the popped text embedded verbatim
 * (so the envelope stays an object, in its producer's spacing), then the two strings JSON-encoded.
 * Returns a flat array: cycle index of the queue, element, ...
 */
export const popAndRecordScript = script(`
local now, max, nq, ns = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local order = {}
for i = 1, nq do order[i] = i end
local function str(v)
  if type(v) ~= 'string' then v = '' end
  return (string.gsub(cjson.encode(v), '\\\\/', '/'))
end
local out = {}
while #out < max * 2 do
  local pos, qi, item = nil, nil, nil
  for s = 0, ns - 1 do
    for j = 1, nq do
      local v = redis.call('RPOP', KEYS[2 + s * nq + order[j]])
      if v then pos, qi, item = j, order[j], v; break end
    end
    if item then break end
  end
  if not item then break end
  table.remove(order, pos)
  table.insert(order, qi)
  local ok, env = pcall(cjson.decode, item)
  if ok and type(env) == 'table' and type(env.properties) == 'table' and type(env.properties.delivery_tag) == 'string' then
    local tag, info = env.properties.delivery_tag, env.properties.delivery_info
    local ex, rk = '', ''
    if type(info) == 'table' then ex, rk = info.exchange, info.routing_key end
    redis.call('ZADD', KEYS[2], now, tag)
    redis.call('HSET', KEYS[1], tag, '[' .. item .. ', ' .. str(ex) .. ', ' .. str(rk) .. ']')
  end
  out[#out + 1] = qi - 1
  out[#out + 1] = item
end
return out
`);

/**
 * Restore by tag, as kombu `QoS.restore_by_tag` does under WATCH: only if the unacked value is still
 * ARGV[2] (compare-and-set instead of WATCH), drop the tag from both indices and push ARGV[3] (the
 * envelope with redelivered flags) to each target list: LPUSH when ARGV[4] = '1' (reject with
 * requeue), RPUSH otherwise (next to be popped). KEYS = unacked, unacked_index, target lists.
 * Returns 1 when restored, 0 when the tag is gone, -1 when the value changed (caller retries).
 */
export const restoreByTagScript = script(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 0
end
if cur ~= ARGV[2] then return -1 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
local cmd = 'RPUSH'
if ARGV[4] == '1' then cmd = 'LPUSH' end
for i = 3, #KEYS do redis.call(cmd, KEYS[i], ARGV[3]) end
return 1
`);

/** Releases the sweep lock only if it still holds our token (as redis-py's Lock.release does). */
export const releaseMutexScript = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);
