/**
 * Lua scripts of the leader lease. The lease key holds `<holder>|<term>`; the term key is a counter
 * that grows by one each time the lease changes hands, so a term names one reign and fences off every
 * earlier one. The number in each constant's name is its key count.
 */

/**
 * Acquire or keep the lease.
 * KEYS[1] lease key, KEYS[2] term counter.
 * ARGV[1] holder id, ARGV[2] ttl in ms.
 * Returns {term, 1} when the caller holds the lease (newly or again), {0, pttl} when someone else does.
 */
export const ACQUIRE_LEASE_2 = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local sep = string.find(cur, '|', 1, true)
  if sep and string.sub(cur, 1, sep - 1) == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {tonumber(string.sub(cur, sep + 1)), 1}
  end
  return {0, redis.call('PTTL', KEYS[1])}
end
local term = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. term, 'PX', ARGV[2])
return {term, 1}
`;

/**
 * Extend the lease if the caller still holds it with the same term.
 * KEYS[1] lease key. ARGV[1] token `<holder>|<term>`, ARGV[2] ttl in ms.
 * Returns 1 when extended, 0 when the lease is lost.
 */
export const RENEW_LEASE_1 = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/**
 * Give the lease up so another replica can take over at once.
 * KEYS[1] lease key. ARGV[1] token `<holder>|<term>`. Returns 1 when released, 0 when not held.
 */
export const RELEASE_LEASE_1 = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;

/** The lease value a holder writes for a term; fenced writes compare the lease key against it. */
export function leaseToken(holderId: string, term: number): string {
  return `${holderId}|${term}`;
}
