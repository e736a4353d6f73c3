import { luaScript } from './script.js';

export const setFields1 = luaScript({
  name: 'set-fields-1',
  numberOfKeys: 1,
  body: `
--[[ set-fields: set side fields of an existing object that are not part of its resourceVersion
  (member heartbeat time, a job's explain record). Nothing goes to the change stream.
  KEYS[1] object hash
  ARGV[1] expected uid ('' = any), then field/value pairs.
  Returns {0} written; {-1} not found; {-3} uid mismatch.
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {-1}
end
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], 'uid') ~= ARGV[1] then
  return {-3}
end
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
return {0}
`,
});
