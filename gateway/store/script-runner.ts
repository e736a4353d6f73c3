/**
 * Runs the store's Lua scripts by SHA. A script the server does not know (a restart, a failover,
 * SCRIPT FLUSH) is loaded and the call retried, so callers never see NOSCRIPT.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { LuaScript } from './lua/index.js';

export type ScriptArg = string | number;
/** What a store script returns: a status code and, for most codes, one number. */
export type ScriptReply = [number, number?];

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

function toReply(raw: unknown, script: LuaScript): ScriptReply {
  if (!Array.isArray(raw) || typeof raw[0] !== 'number') {
    throw new Error(`script ${script.name} returned an unexpected reply: ${JSON.stringify(raw)}`);
  }
  const second = raw[1];
  return typeof second === 'number' ? [raw[0], second] : [raw[0]];
}

export class ScriptRunner {
  private readonly shas = new Map<LuaScript, string>();
  /** scripts this runner has loaded (a restarted server may have lost them: NOSCRIPT still works) */
  private readonly loaded = new Set<string>();

  constructor(private readonly client: Redis) {}

  private sha(script: LuaScript): string {
    let s = this.shas.get(script);
    if (s === undefined) {
      s = sha1(script.lua);
      this.shas.set(script, s);
    }
    return s;
  }

  private check(script: LuaScript, keys: readonly string[]): void {
    if (keys.length !== script.numberOfKeys) {
      throw new Error(`script ${script.name} takes ${script.numberOfKeys} keys, got ${keys.length}`);
    }
  }

  async run(script: LuaScript, keys: readonly string[], args: readonly ScriptArg[]): Promise<ScriptReply> {
    this.check(script, keys);
    try {
      return toReply(await this.client.evalsha(this.sha(script), keys.length, ...keys, ...args), script);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return toReply(await this.client.eval(script.lua, keys.length, ...keys, ...args), script);
    }
  }

  /** Runs many calls of one script in one round trip; replies come back in call order. */
  async runMany(
    script: LuaScript,
    calls: ReadonlyArray<{ keys: readonly string[]; args: readonly ScriptArg[] }>,
  ): Promise<ScriptReply[]> {
    if (calls.length === 0) return [];
    for (const c of calls) this.check(script, c.keys);
    const send = async (
      batch: ReadonlyArray<{ keys: readonly string[]; args: readonly ScriptArg[] }>,
      useSource: boolean,
    ): Promise<Array<[Error | null, unknown]>> => {
      const p = this.client.pipeline();
      for (const c of batch) {
        if (useSource) p.eval(script.lua, c.keys.length, ...c.keys, ...c.args);
        else p.evalsha(this.sha(script), c.keys.length, ...c.keys, ...c.args);
      }
      return (await p.exec()) ?? [];
    };
    const sha = this.sha(script);
    if (!this.loaded.has(sha)) {
      // the first pipeline of a script would otherwise fail whole with NOSCRIPT and go again
      await this.client.script('LOAD', script.lua);
      this.loaded.add(sha);
    }
    const results = await send(calls, false);
    // A NOSCRIPT call did nothing; only those are sent again, with the source.
    const missing = results.flatMap(([err], i) => (isNoScript(err) ? [i] : []));
    if (missing.length > 0) {
      const retried = await send(missing.flatMap((i) => calls.slice(i, i + 1)), true);
      missing.forEach((i, j) => { results[i] = retried[j] ?? [new Error('missing reply'), null]; });
    }
    return results.map(([err, raw]) => {
      if (err) throw err;
      return toReply(raw, script);
    });
  }
}
