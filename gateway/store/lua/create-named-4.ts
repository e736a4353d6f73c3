import { FEED_APPEND_LUA } from './feed-append.js';
import { luaScript } from './script.js';

export const createNamed4 = luaScript({
  name: 'create-named-4',
  numberOfKeys: 4,
  prelude: FEED_APPEND_LUA,
  body: `
--[[ create-named: store a new cluster-scoped object (queue, member cluster) if its name is free.
  KEYS[1] object hash   T:queue:<name> or T:member:<name>
  KEYS[2] name index    T:queues or T:members
  KEYS[3] rv counter    T:rv
  KEYS[4] change stream T:feed
  ARGV[1] kind ('queue' | 'member')   ARGV[2] name   ARGV[3] object JSON (without resourceVersion)
  ARGV[4] uid   ARGV[5] creation time, ms   ARGV[6] stream MAXLEN
  Returns {0, rv} created; {1, rv of the existing object} already exists.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {1, tonumber(redis.call('HGET', KEYS[1], 'rv'))}
end
local rv = feed_append(KEYS[3], KEYS[4], ARGV[6], ARGV[1], ARGV[2], 'ADDED', ARGV[3])
redis.call('HSET', KEYS[1], 'obj', ARGV[3], 'rv', rv, 'uid', ARGV[4], 'created', ARGV[5])
redis.call('ZADD', KEYS[2], 0, ARGV[2])
return {0, rv}
`,
});
