import { FEED_APPEND_LUA } from './feed-append.js';
import { luaScript } from './script.js';

export const setPlacement6 = luaScript({
  name: 'set-placement-6',
  numberOfKeys: 6,
  prelude: FEED_APPEND_LUA,
  body: `
--[[ set-placement: record a scheduling decision, only if its epoch is newer than the job's last one.
  KEYS[1] placements hash   KEYS[2] job hash   KEYS[3] pending set   KEYS[4] reservations hash
  KEYS[5] rv counter   KEYS[6] change stream
  ARGV[1] job uid   ARGV[2] <ns>/<name>   ARGV[3] epoch   ARGV[4] placement JSON
  ARGV[5] reservation JSON ('' = none)   ARGV[6] stream MAXLEN
  Returns {0, rv} recorded (job leaves the pending set; rv of the last entry written);
  {-1} job not found; {-3} uid mismatch (the name now holds another job);
  {-4, current epoch} the epoch is not newer; {-5} the job is marked for deletion.
]]
if redis.call('EXISTS', KEYS[2]) == 0 then
  return {-1}
end
local job = redis.call('HMGET', KEYS[2], 'uid', 'deleting')
if job[1] ~= ARGV[1] then
  return {-3}
end
if job[2] == '1' then
  return {-5}
end
local existing = redis.call('HGET', KEYS[1], ARGV[1])
local change = 'ADDED'
if existing then
  local epoch = tonumber(cjson.decode(existing).epoch) or 0
  if epoch >= tonumber(ARGV[3]) then
    return {-4, epoch}
  end
  change = 'MODIFIED'
end
local rv = feed_append(KEYS[5], KEYS[6], ARGV[6], 'placement', ARGV[1], change, ARGV[4])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
redis.call('ZREM', KEYS[3], ARGV[2])
if ARGV[5] ~= '' then
  local rchange = 'ADDED'
  if redis.call('HEXISTS', KEYS[4], ARGV[1]) == 1 then rchange = 'MODIFIED' end
  rv = feed_append(KEYS[5], KEYS[6], ARGV[6], 'reservation', ARGV[1], rchange, ARGV[5])
  redis.call('HSET', KEYS[4], ARGV[1], ARGV[5])
end
return {0, rv}
`,
});
