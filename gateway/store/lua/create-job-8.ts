import { FEED_APPEND_LUA } from './feed-append.js';
import { luaScript } from './script.js';

export const createJob8 = luaScript({
  name: 'create-job-8',
  numberOfKeys: 8,
  prelude: FEED_APPEND_LUA,
  body: `
--[[ create-job: store a new job and its index entries, if no job of that name exists.
  KEYS[1] job hash         T:job:<ns>/<name>
  KEYS[2] all jobs         T:jobs
  KEYS[3] namespace index  T:jobs:ns:<ns>
  KEYS[4] queue index      T:jobs:queue:<queue>
  KEYS[5] pending set      T:jobs:pending
  KEYS[6] uid index        T:jobs:uid
  KEYS[7] rv counter       T:rv
  KEYS[8] change stream    T:feed
  ARGV[1] job JSON (without metadata.resourceVersion)
  ARGV[2] <ns>/<name>   ARGV[3] name   ARGV[4] uid   ARGV[5] queue
  ARGV[6] creation time, ms   ARGV[7] '1' to add the job to the pending set   ARGV[8] stream MAXLEN
  Returns {0, rv} created; {1, rv of the existing job} already exists.
]]
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {1, tonumber(redis.call('HGET', KEYS[1], 'rv'))}
end
local rv = feed_append(KEYS[7], KEYS[8], ARGV[8], 'job', ARGV[2], 'ADDED', ARGV[1])
redis.call('HSET', KEYS[1], 'obj', ARGV[1], 'rv', rv, 'uid', ARGV[4], 'queue', ARGV[5],
  'created', ARGV[6], 'crv', rv, 'deleting', '0')
redis.call('ZADD', KEYS[2], 0, ARGV[2])
redis.call('ZADD', KEYS[3], 0, ARGV[3])
redis.call('ZADD', KEYS[4], rv, ARGV[2])
if ARGV[7] == '1' then
  redis.call('ZADD', KEYS[5], rv, ARGV[2])
end
redis.call('HSET', KEYS[6], ARGV[4], ARGV[2])
return {0, rv}
`,
});
