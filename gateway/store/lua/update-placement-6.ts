import { FEED_APPEND_LUA } from './feed-append.js';
import { luaScript } from './script.js';

export const updatePlacement6 = luaScript({
  name: 'update-placement-6',
  numberOfKeys: 6,
  prelude: FEED_APPEND_LUA,
  body: `
--[[ update-placement: change the placement of the given epoch (state, reservation, re-queue).
  KEYS[1] placements hash   KEYS[2] reservations hash   KEYS[3] pending set   KEYS[4] job hash
  KEYS[5] rv counter   KEYS[6] change stream
  ARGV[1] job uid   ARGV[2] expected epoch   ARGV[3] new placement JSON ('' = unchanged)
  ARGV[4] reservation: '' = unchanged, '-' = release, else the new reservation JSON
  ARGV[5] '1' = put the job back in the pending set (a whole-gang re-queue)   ARGV[6] <ns>/<name>
  ARGV[7] stream MAXLEN
  Returns {0, rv} changed (rv of the last entry written; 0 when nothing changed);
  {-4, current epoch or 0} no placement with that epoch.
]]
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if not existing then
  return {-4, 0}
end
local epoch = tonumber(cjson.decode(existing).epoch) or 0
if epoch ~= tonumber(ARGV[2]) then
  return {-4, epoch}
end
local rv = 0
if ARGV[3] ~= '' and ARGV[3] ~= existing then
  rv = feed_append(KEYS[5], KEYS[6], ARGV[7], 'placement', ARGV[1], 'MODIFIED', ARGV[3])
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
end
if ARGV[4] == '-' then
  local old = redis.call('HGET', KEYS[2], ARGV[1])
  if old then
    rv = feed_append(KEYS[5], KEYS[6], ARGV[7], 'reservation', ARGV[1], 'DELETED', old)
    redis.call('HDEL', KEYS[2], ARGV[1])
  end
elseif ARGV[4] ~= '' then
  local rchange = 'ADDED'
  if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then rchange = 'MODIFIED' end
  rv = feed_append(KEYS[5], KEYS[6], ARGV[7], 'reservation', ARGV[1], rchange, ARGV[4])
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
end
if ARGV[5] == '1' then
  local job = redis.call('HMGET', KEYS[4], 'uid', 'crv', 'deleting')
  if job[1] == ARGV[1] and job[3] ~= '1' then
    redis.call('ZADD', KEYS[3], tonumber(job[2]), ARGV[6])
  end
end
return {0, rv}
`,
});
