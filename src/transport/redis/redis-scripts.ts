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
 * KEYS = unacked, unacked_index, poison queue list, then the queue keys in kombu's BRPOP order (for
 * each priority step, for each queue in cycle order). ARGV = now (float seconds), max, queue count,
 * step count, largest element accepted in bytes (0 = any), cycle index of the poison queue (0 = none),
 * poison queue name, then the queue names in cycle order.
 * After a pop from queue q, q moves to the end of the cycle, as kombu's round-robin `rotate` does.
 * The hash value is kombu's `[envelope, exchange, routing_key]`: the popped text embedded verbatim
 * (so the envelope stays an object, in its producer's spacing), then the two strings JSON-encoded.
 *
 * An element that cannot be recorded (larger than ARGV[5], not JSON or nested deeper than cjson
 * reads, no string `properties.delivery_tag`) is refused inside the same call, never popped and
 * forgotten: it moves byte for byte (no re-encoding, which would stall Redis on a big element) to
 * the poison queue, where reading it back refuses it again with the same reason (from the poison
 * queue itself it goes back to that queue's head, once per call; with no poison queue configured it
 * is dropped, as the operator asked). An element whose
 * tag is already unacked (a copied message) gets a fresh tag spliced in, so neither record
 * overwrites the other.
 * Returns a flat array: first 1 when the call left every key it pops empty (0 when one may still hold
 * messages, or the poison queue read back kept one), then 4 per element: cycle index of the queue, ''
 * or the refusal reason, the element (when refused and longer than 128 KiB, its first and last 64 KiB),
 * its delivery tag.
 */
export const popAndRecordScript = script(`
local now, max, nq, ns = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local maxBytes, poisonAt = tonumber(ARGV[5]), tonumber(ARGV[6])
local order = {}
for i = 1, nq do order[i] = i end
local function str(v)
  if type(v) ~= 'string' then v = '' end
  return (string.gsub(cjson.encode(v), '\\\\/', '/'))
end
local function why(item)
  if maxBytes > 0 and #item > maxBytes then return 'message of ' .. #item .. ' bytes is larger than the limit of ' .. maxBytes .. ' bytes', nil end
  local ok, env = pcall(cjson.decode, item)
  if not ok then return 'envelope is not JSON (or nested too deep): ' .. tostring(env), nil end
  if type(env) ~= 'table' then return 'envelope is not a JSON object', nil end
  if type(env.properties) ~= 'table' then return 'envelope has no "properties" object', nil end
  if type(env.properties.delivery_tag) ~= 'string' or env.properties.delivery_tag == '' then return 'envelope has no string properties.delivery_tag', nil end
  return nil, env
end
local function retag(item, tag)
  local fresh, n = tag, 0
  repeat n = n + 1; fresh = tag .. '.' .. now .. '.' .. n until redis.call('HEXISTS', KEYS[1], fresh) == 0
  local quoted = string.gsub(tag, '[%^%$%(%)%%%.%[%]%*%+%-%?]', '%%%0')
  local s, e = string.find(item, '"delivery_tag"%s*:%s*"' .. quoted .. '"')
  if not s then return nil, nil end
  return string.sub(item, 1, s - 1) .. '"delivery_tag": "' .. fresh .. '"' .. string.sub(item, e + 1), fresh
end
local out = {0}
local exhausted, keptBack = false, false
while #out - 1 < max * 4 do
  local pos, qi, item, key = nil, nil, nil, nil
  for s = 0, ns - 1 do
    for j = 1, #order do
      key = KEYS[3 + s * nq + order[j]]
      local v = redis.call('RPOP', key)
      if v then pos, qi, item = j, order[j], v; break end
    end
    if item then break end
  end
  if not item then exhausted = true; break end
  table.remove(order, pos)
  table.insert(order, qi)
  local reason, env = why(item)
  local tag = ''
  if not reason then
    tag = env.properties.delivery_tag
    if redis.call('HEXISTS', KEYS[1], tag) == 1 then
      local renamed, fresh = retag(item, tag)
      if renamed then item, tag = renamed, fresh else reason = 'delivery_tag ' .. tag .. ' is already unacked and cannot be replaced' end
    end
  end
  if reason then
    tag = 'poison.' .. now .. '.' .. #out
    if qi == poisonAt then
      -- Read back from the poison queue itself: put it back at the head and stop popping there.
      redis.call('LPUSH', key, item)
      table.remove(order)
      keptBack = true
    elseif ARGV[7] ~= '' then
      redis.call('LPUSH', KEYS[3], item)
    end
    out[#out + 1] = qi - 1
    out[#out + 1] = reason
    -- Head and tail only: kombu writes the body first and headers/properties (id, correlation_id) last.
    if #item > 131072 then out[#out + 1] = string.sub(item, 1, 65536) .. string.sub(item, -65536) else out[#out + 1] = item end
    out[#out + 1] = tag
  else
    local info = env.properties.delivery_info
    local ex, rk = '', ''
    if type(info) == 'table' then ex, rk = info.exchange, info.routing_key end
    redis.call('ZADD', KEYS[2], now, tag)
    redis.call('HSET', KEYS[1], tag, '[' .. item .. ', ' .. str(ex) .. ', ' .. str(rk) .. ']')
    out[#out + 1] = qi - 1
    out[#out + 1] = ''
    out[#out + 1] = item
    out[#out + 1] = tag
  end
end
if not exhausted then
  -- Stopped at max: empty only if no key has more (so an idle consumer need not pop once more to see it).
  exhausted = true
  for i = 4, 3 + ns * nq do
    if redis.call('LLEN', KEYS[i]) > 0 then exhausted = false; break end
  end
end
if exhausted and not keptBack then out[1] = 1 end
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

/**
 * Settles deliveries for good, kombu's `QoS.ack` (ZREM from `unacked_index` + HDEL from `unacked`,
 * which kombu sends as one MULTI), for many tags at once and as atomically. KEYS = unacked,
 * unacked_index; ARGV = the delivery tags. Unpacked in slices: Lua's stack takes about 8,000 values.
 * Returns the number of tags given.
 */
export const ackScript = script(`
for i = 1, #ARGV, 4000 do
  local j = math.min(i + 3999, #ARGV)
  redis.call('ZREM', KEYS[2], unpack(ARGV, i, j))
  redis.call('HDEL', KEYS[1], unpack(ARGV, i, j))
end
return #ARGV
`);
