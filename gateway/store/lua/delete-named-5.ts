import { FEED_APPEND_LUA } from './feed-append.js';
import { luaScript } from './script.js';

export const deleteNamed5 = luaScript({
  name: 'delete-named-5',
  numberOfKeys: 5,
  prelude: FEED_APPEND_LUA,
  body: `
--[[ delete-named: remove a cluster-scoped object unless something still depends on it.
  KEYS[1] object hash   KEYS[2] name index   KEYS[3] guard key (exists = still in use, e.g. the
  queue's job index)   KEYS[4] rv counter   KEYS[5] change stream
  ARGV[1] kind   ARGV[2] name   ARGV[3] expected resourceVersion ('' = any)
  ARGV[4] expected uid ('' = any)   ARGV[5] stream MAXLEN
  Returns {0, rv} removed; {-1} not found; {-2, current rv} conflict; {-3} uid mismatch;
  {-7, n} still in use by n entries of the guard key.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {-1}
end
local cur = redis.call('HMGET', KEYS[1], 'rv', 'uid', 'obj')
if ARGV[4] ~= '' and cur[2] ~= ARGV[4] then
  return {-3}
end
if ARGV[3] ~= '' and cur[1] ~= ARGV[3] then
  return {-2, tonumber(cur[1])}
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  return {-7, redis.call('ZCARD', KEYS[3])}
end
local rv = feed_append(KEYS[4], KEYS[5], ARGV[5], ARGV[1], ARGV[2], 'DELETED', cur[3])
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return {0, rv}
`,
});
