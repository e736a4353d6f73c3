import { FEED_APPEND_LUA } from './feed-append.js';
import { luaScript } from './script.js';

export const putRecord3 = luaScript({
  name: 'put-record-3',
  numberOfKeys: 3,
  prelude: FEED_APPEND_LUA,
  body: `
--[[ put-record: set or delete one JSON record in a hash of records (usage, reservations).
  KEYS[1] records hash   KEYS[2] rv counter   KEYS[3] change stream
  ARGV[1] kind   ARGV[2] field   ARGV[3] JSON ('' = delete the field)   ARGV[4] stream MAXLEN
  Returns {0, rv} written; {1} nothing changed (same JSON, or deleting an absent field).
]]
local old = redis.call('HGET', KEYS[1], ARGV[2])
if ARGV[3] == '' then
  if not old then return {1} end
  local rv = feed_append(KEYS[2], KEYS[3], ARGV[4], ARGV[1], ARGV[2], 'DELETED', old)
  redis.call('HDEL', KEYS[1], ARGV[2])
  return {0, rv}
end
if old == ARGV[3] then return {1} end
local change = 'ADDED'
if old then change = 'MODIFIED' end
local rv = feed_append(KEYS[2], KEYS[3], ARGV[4], ARGV[1], ARGV[2], change, ARGV[3])
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
return {0, rv}
`,
});
