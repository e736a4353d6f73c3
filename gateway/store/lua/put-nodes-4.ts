import { FEED_APPEND_LUA } from './feed-append.js';
import { luaScript } from './script.js';

export const putNodes4 = luaScript({
  name: 'put-nodes-4',
  numberOfKeys: 4,
  prelude: FEED_APPEND_LUA,
  body: `
--[[ put-nodes: apply an agent's node report (full inventory or delta) to a member's node hash.
  KEYS[1] nodes hash T:nodes:<cluster>   KEYS[2] member hash   KEYS[3] rv counter   KEYS[4] change stream
  ARGV[1] 'full' | 'delta'   ARGV[2] cluster   ARGV[3] agent id   ARGV[4] report seq
  ARGV[5] stream MAXLEN   ARGV[6] change JSON for the feed ({mode, upserts, removed})
  ARGV[7] n = number of upserted nodes, then n pairs (node name, node JSON), then removed node names.
  Returns {0, rv} applied; {-1} member not found; {-5, last seq} stale (seq not newer for this agent);
  {-6} a delta from an agent whose full inventory was never stored.
]]
if redis.call('EXISTS', KEYS[2]) == 0 then
  return {-1}
end
local m = redis.call('HMGET', KEYS[2], 'nodesAgent', 'nodesSeq')
local seq = tonumber(ARGV[4])
if m[1] == ARGV[3] and m[2] and seq <= tonumber(m[2]) then
  return {-5, tonumber(m[2])}
end
if ARGV[1] == 'delta' and m[1] ~= ARGV[3] then
  return {-6}
end
if ARGV[1] == 'full' then
  redis.call('DEL', KEYS[1])
end
local n = tonumber(ARGV[7])
local i = 8
for _ = 1, n do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  i = i + 2
end
while i <= #ARGV do
  redis.call('HDEL', KEYS[1], ARGV[i])
  i = i + 1
end
redis.call('HSET', KEYS[2], 'nodesAgent', ARGV[3], 'nodesSeq', ARGV[4])
local rv = feed_append(KEYS[3], KEYS[4], ARGV[5], 'nodes', ARGV[2], 'MODIFIED', ARGV[6])
return {0, rv}
`,
});
