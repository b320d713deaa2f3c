/**
 * The GCRA step of gcra.ts, in Lua, for all of a call's keys in one atomic script: every key is read
 * and decided before any is written, so a call refused on one key consumes nothing on the others, and
 * no other client's script can run in between (check-and-consume is one step across processes).
 *
 * KEYS: one per limited key. ARGV[1]: now in µs, or '' to use Redis's own TIME (the normal case:
 * processes on different machines then share one clock). ARGV[2i], ARGV[2i+1]: key i's interval and
 * window in µs, computed by gcraParams() so the arithmetic lives in one place.
 * Returns {1} when allowed, or {0, index of the key needing the longest wait, that wait in µs}.
 *
 * Numbers stay below 2^53, so Lua's doubles are exact; string.format('%.0f') writes them in full
 * (tostring would round to 14 digits).
 */
export const GCRA_LUA = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local new_tats = {}
local worst_index, worst_wait = 0, 0
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[2 * i + 1])
  local tat = tonumber(redis.call('GET', key) or now)
  -- A TAT more than a window ahead was set on a clock that has since been moved back: start fresh.
  if tat < now or tat > now + window then tat = now end
  local new_tat = tat + interval
  local wait = new_tat - window - now
  if wait > worst_wait then worst_index, worst_wait = i, wait end
  new_tats[i] = new_tat
end
if worst_index > 0 then return {0, worst_index, worst_wait} end
for i, key in ipairs(KEYS) do
  -- Expire when the TAT passes: from then on "no key" and the stored state are the same, so idle keys vanish.
  local ttl_ms = math.ceil((new_tats[i] - now) / 1000)
  redis.call('SET', key, string.format('%.0f', new_tats[i]), 'PX', string.format('%.0f', ttl_ms))
end
return {1}
`;
