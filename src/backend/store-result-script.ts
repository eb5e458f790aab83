/**
 * Lua for one atomic result write. Celery's `_store_result` GETs the stored meta and only then
 * runs `MULTI; SETEX; PUBLISH; EXEC`, so two writers can both see "not SUCCESS" and the later one
 * overwrites a SUCCESS. Running the check, the write and the publish inside one script closes that
 * window. PUBLISH from a script is delivered to subscribers as an ordinary message.
 *
 * KEYS[1] = result key (also the channel); ARGV[1] = encoded meta; ARGV[2] = TTL seconds (0 = none).
 * Returns 1 when written and published, 0 when skipped because SUCCESS is already stored.
 */
export const STORE_RESULT_LUA = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, stored = pcall(cjson.decode, current)
  if ok and type(stored) == 'table' and stored['status'] == 'SUCCESS' then
    return 0
  end
end
local ttl = tonumber(ARGV[2])
if ttl and ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
else
  redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('PUBLISH', KEYS[1], ARGV[1])
return 1
`;

/**
 * STORE_RESULT_LUA for many results in one call (the writes of one event-loop turn): the same
 * check, write and publish per key, in order. KEYS = result keys; ARGV = TTL seconds, encoded meta,
 * for each key in turn. Returns one 1 (written) or 0 (SUCCESS already stored) per key.
 */
export const STORE_RESULTS_LUA = `
local out = {}
for i = 1, #KEYS do
  local key, ttl, encoded = KEYS[i], tonumber(ARGV[i * 2 - 1]), ARGV[i * 2]
  local skip = false
  local current = redis.call('GET', key)
  if current then
    local ok, stored = pcall(cjson.decode, current)
    skip = ok and type(stored) == 'table' and stored['status'] == 'SUCCESS'
  end
  if skip then
    out[i] = 0
  else
    if ttl and ttl > 0 then redis.call('SET', key, encoded, 'EX', ttl) else redis.call('SET', key, encoded) end
    redis.call('PUBLISH', key, encoded)
    out[i] = 1
  end
end
return out
`;
