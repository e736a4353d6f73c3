/** A Lua script with its key count, as the store runs it (EVALSHA, loading it on NOSCRIPT). */
export interface LuaScript {
  /** `<what>-<numberOfKeys>`, like the file it lives in */
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
}

/**
 * Builds a script whose body opens with a `--[[ ... ]]` comment naming KEYS, ARGV and the return
 * codes; a prelude (shared Lua functions) is placed right after that comment.
 */
export function luaScript(opts: { name: string; numberOfKeys: number; body: string; prelude?: string }): LuaScript {
  if (!opts.name.endsWith(`-${opts.numberOfKeys}`)) {
    throw new Error(`script ${opts.name}: the name must end with its key count ${opts.numberOfKeys}`);
  }
  const body = opts.body.trimStart();
  const close = body.startsWith('--[[') ? body.indexOf(']]') : -1;
  const cut = close >= 0 ? body.indexOf('\n', close) + 1 : 0;
  const lua = `${body.slice(0, cut)}${opts.prelude ?? ''}${body.slice(cut)}`;
  return { name: opts.name, numberOfKeys: opts.numberOfKeys, lua };
}
