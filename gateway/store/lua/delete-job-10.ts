import { FEED_APPEND_LUA } from './feed-append.js';
import { luaScript } from './script.js';

export const deleteJob10 = luaScript({
  name: 'delete-job-10',
  numberOfKeys: 10,
  prelude: FEED_APPEND_LUA,
  body: `
--[[ delete-job: a user's delete request, or the final removal once the member has let go.
  KEYS[1] job hash   KEYS[2] all jobs   KEYS[3] namespace index   KEYS[4] queue index
  KEYS[5] pending set   KEYS[6] uid index   KEYS[7] placements   KEYS[8] reservations
  KEYS[9] rv counter   KEYS[10] change stream
  ARGV[1] mode: 'request' (mark when ever placed, else remove) | 'remove' (remove unconditionally)
  ARGV[2] <ns>/<name>   ARGV[3] name   ARGV[4] expected resourceVersion ('' = any)
  ARGV[5] expected uid ('' = any)   ARGV[6] job JSON marked for deletion (deletionTimestamp,
  terminate intent; '' = keep the stored object)   ARGV[7] stream MAXLEN
  Returns {0, rv} removed (with its placement and reservation); {1, rv} marked for termination;
  {2, rv} already marked (nothing written); {-1} not found; {-2, current rv} resourceVersion
  conflict; {-3} uid mismatch.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {-1}
end
local cur = redis.call('HMGET', KEYS[1], 'rv', 'uid', 'deleting', 'obj')
if ARGV[5] ~= '' and cur[2] ~= ARGV[5] then
  return {-3}
end
if ARGV[4] ~= '' and cur[1] ~= ARGV[4] then
  return {-2, tonumber(cur[1])}
end
local uid = cur[2]
local obj = ARGV[6]
if obj == '' then obj = cur[4] end
if ARGV[1] == 'request' and redis.call('HEXISTS', KEYS[7], uid) == 1 then
  if cur[3] == '1' then
    return {2, tonumber(cur[1])}
  end
  local rv = feed_append(KEYS[9], KEYS[10], ARGV[7], 'job', ARGV[2], 'MODIFIED', obj)
  redis.call('HSET', KEYS[1], 'obj', obj, 'rv', rv, 'deleting', '1')
  redis.call('ZREM', KEYS[5], ARGV[2])
  return {1, rv}
end
local rv = feed_append(KEYS[9], KEYS[10], ARGV[7], 'job', ARGV[2], 'DELETED', obj)
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[3])
redis.call('ZREM', KEYS[4], ARGV[2])
redis.call('ZREM', KEYS[5], ARGV[2])
redis.call('HDEL', KEYS[6], uid)
redis.call('HDEL', KEYS[7], uid)
redis.call('HDEL', KEYS[8], uid)
return {0, rv}
`,
});
