import t from 'tap';
import { useRedis } from '../support/redis.js';
import { startRedisServer, REDIS_MISSING_MESSAGE } from '../../gateway/embedded-redis.js';

t.test('a private redis-server answers and each test gets its own prefix', async (t) => {
  const a = await useRedis(t);
  const b = await useRedis(t);
  t.not(a.prefix, b.prefix);
  await a.client.set(`${a.prefix}k`, '1');
  t.equal(await b.client.get(`${b.prefix}k`), null);
  t.equal(await b.client.get(`${a.prefix}k`), '1');
  const info = await a.client.info('server');
  t.match(info, /redis_version:(\d+)/);
  const major = Number(/redis_version:(\d+)/.exec(info)?.[1]);
  t.ok(major >= 6, 'BullMQ needs Redis 6.2 or later');
});

t.test('a missing redis-server fails with one sentence saying how to install it', async (t) => {
  await t.rejects(startRedisServer({ bin: '/nonexistent/redis-server', env: {} }), { message: REDIS_MISSING_MESSAGE });
  t.match(REDIS_MISSING_MESSAGE, /apt-get install -y redis-server/);
  t.match(REDIS_MISSING_MESSAGE, /REDIS_URL/);
});

t.test('REDIS_URL is adopted as is and nothing is started', async (t) => {
  const h = await startRedisServer({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
  t.equal(h.url, 'redis://127.0.0.1:1');
  await h.stop();
});
