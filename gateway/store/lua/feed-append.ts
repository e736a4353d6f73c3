/**
 * Lua prelude shared by every script that commits a change: bump the resourceVersion counter and
 * append exactly one change-stream entry with id `<rv>-0`, so the stream holds one entry per
 * resourceVersion (a watcher can tell a gap from trimming by comparing ids). An optional origin
 * (field `src`) tells readers who wrote the change (`status`: the gateway's own status facts).
 */
export const FEED_APPEND_LUA = `
local function feed_append(rv_key, feed_key, maxlen, kind, key, change_type, obj, origin)
  local rv = redis.call('INCR', rv_key)
  if origin ~= nil and origin ~= '' then
    redis.call('XADD', feed_key, 'MAXLEN', '~', maxlen, rv .. '-0',
      'kind', kind, 'key', key, 'rv', rv, 'type', change_type, 'obj', obj, 'src', origin)
  else
    redis.call('XADD', feed_key, 'MAXLEN', '~', maxlen, rv .. '-0',
      'kind', kind, 'key', key, 'rv', rv, 'type', change_type, 'obj', obj)
  end
  return rv
end
`;
