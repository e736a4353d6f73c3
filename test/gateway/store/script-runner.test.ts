import t from 'tap';
import type { Redis } from 'ioredis';
import { ScriptRunner } from '../../../gateway/store/script-runner.js';
import type { LuaScript } from '../../../gateway/store/lua/script.js';
import { useRedis } from '../../support/redis.js';

const incr: LuaScript = {
  name: 'incr-1',
  numberOfKeys: 1,
  lua: `--[[ test script ${Math.random()}: KEYS[1] a counter; ARGV[1] a step; returns {1, new value} ]]
return {1, redis.call('INCRBY', KEYS[1], ARGV[1])}`,
};

/** NOSCRIPT replies the server has given so far. */
async function noScriptErrors(client: Redis): Promise<number> {
  const info = await client.info('errorstats');
  return Number(/^errorstat_NOSCRIPT:count=(\d+)/m.exec(info)?.[1] ?? 0);
}

t.test('scripts run by SHA; a pipeline loads a new script first; a flushed script cache is survived', async (t) => {
  const r = await useRedis(t);
  const runner = new ScriptRunner(r.client);
  const key = `${r.prefix}n`;
  const errors0 = await noScriptErrors(r.client);
  const replies = await runner.runMany(incr, Array.from({ length: 50 }, () => ({ keys: [key], args: [2] })));
  t.same(replies.at(-1), [1, 100], 'every call ran once, in order');
  t.equal(await noScriptErrors(r.client), errors0, 'the first pipeline of a script did not fail with NOSCRIPT');

  await r.client.script('FLUSH');
  const again = await runner.runMany(incr, [{ keys: [key], args: [1] }, { keys: [key], args: [1] }]);
  t.same(again, [[1, 101], [1, 102]], 'after SCRIPT FLUSH the calls are sent again with the source, each once');
  await r.client.script('FLUSH');
  t.same(await runner.run(incr, [key], [1]), [1, 103], 'a single call too');
  t.equal(await r.client.get(key), '103');
  await t.rejects(runner.run(incr, [key, key], [1]), /takes 1 keys/);
});
