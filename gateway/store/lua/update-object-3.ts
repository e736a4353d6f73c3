import { FEED_APPEND_LUA } from './feed-append.js';
import { luaScript } from './script.js';

export const updateObject3 = luaScript({
  name: 'update-object-3',
  numberOfKeys: 3,
  prelude: FEED_APPEND_LUA,
  body: `
--[[ update-object: replace a stored object (job, queue, member) if its resourceVersion and uid match.
  KEYS[1] object hash   KEYS[2] rv counter   KEYS[3] change stream
  ARGV[1] kind   ARGV[2] feed key (<ns>/<name> or name)   ARGV[3] object JSON (without resourceVersion)
  ARGV[4] expected resourceVersion ('' = any)   ARGV[5] expected uid ('' = any)   ARGV[6] stream MAXLEN
  ARGV[7] origin of the change for the feed ('' or absent = none)
  Returns {0, rv} updated; {-1} not found; {-2, current rv} resourceVersion conflict; {-3} uid mismatch.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {-1}
end
local cur = redis.call('HMGET', KEYS[1], 'rv', 'uid')
if ARGV[5] ~= '' and cur[2] ~= ARGV[5] then
  return {-3}
end
if ARGV[4] ~= '' and cur[1] ~= ARGV[4] then
  return {-2, tonumber(cur[1])}
end
local rv = feed_append(KEYS[2], KEYS[3], ARGV[6], ARGV[1], ARGV[2], 'MODIFIED', ARGV[3], ARGV[7])
redis.call('HSET', KEYS[1], 'obj', ARGV[3], 'rv', rv)
return {0, rv}
`,
});
