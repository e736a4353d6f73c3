/**
 * The leader's placement writes, fenced by the scheduler lease: set-placement and update-placement
 * with one more key (the lease) and one more argument (the caller's token). A replica that lost
 * the lease, however late it wakes up, changes nothing.
 */
import { luaScript, type LuaScript } from './script.js';
import { setPlacement6 } from './set-placement-6.js';
import { updatePlacement6 } from './update-placement-6.js';

function fenced(opts: { name: string; inner: LuaScript; tokenArg: number; what: string }): LuaScript {
  return luaScript({
    name: opts.name,
    numberOfKeys: 7,
    body: `
--[[ ${opts.name}: ${opts.what}, applied only while the scheduler lease holds the caller's token.
  KEYS[1..6] and ARGV[1..${opts.tokenArg - 1}] as for ${opts.inner.name}   KEYS[7] the lease key
  ARGV[${opts.tokenArg}] the caller's lease token \`<holder>|<term>\`
  Returns {-7} when the lease holds another token (or none); otherwise what ${opts.inner.name} returns.
]]
if redis.call('GET', KEYS[7]) ~= ARGV[${opts.tokenArg}] then
  return {-7}
end
${opts.inner.lua}`,
  });
}

export const setPlacementFenced7 = fenced({
  name: 'set-placement-fenced-7', inner: setPlacement6, tokenArg: 7, what: 'record scheduling decisions',
});

export const updatePlacementFenced7 = fenced({
  name: 'update-placement-fenced-7', inner: updatePlacement6, tokenArg: 8, what: 'change a placement (state, reservation, re-queue)',
});
