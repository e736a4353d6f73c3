import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { ConfigError, GATEWAY_NODE_OPTIONS, loadConfig, parseByteSize, parseDuration } from '../../gateway/config.js';
import { main, startGateway, type GatewayComponent } from '../../gateway/main.js';
import { parseTokenGrants, TokenFileError } from '../../gateway/auth/token-grants.js';
import { tokenAuthenticator } from '../../gateway/auth/authenticator.js';
import { useRedis } from '../support/redis.js';
import { AcknowledgingMember } from '../support/acknowledging-member.js';
import { federationComponent } from '../../gateway/federation.js';
import { CALDERA_CLUSTER_ANNOTATION } from '../../shared/api/well-known.js';
import { JOBS, simpleJob, testTls } from './gateway-harness.js';

t.test('configuration defaults and the errors of a bad environment', async (t) => {
  const c = loadConfig({ CALDERA_INSECURE: '1' });
  t.match(c, { port: 8080, host: '127.0.0.1', insecure: true, bodyLimit: 1024 * 1024, notReadyAfterMs: 40_000, lostAfterMs: 300_000, prefix: 'caldera', heapGrowthPercent: 200 });
  t.equal(loadConfig({ CALDERA_INSECURE: '1', CALDERA_HEAP_GROWTH: '0' }).heapGrowthPercent, 0, "0 leaves the heap growth to V8's own rule");
  t.equal(c.redisUrl, undefined, 'no REDIS_URL: embedded Redis');
  const full = loadConfig({ REDIS_URL: 'redis://r:6379', PORT: '0', HOST: '0.0.0.0', CALDERA_TOKENS_FILE: '/t.yaml', CALDERA_BODY_LIMIT: '2Mi', CALDERA_LOST_AFTER: '10m', CALDERA_NOTREADY_AFTER: '1m30s', CALDERA_PREFIX: 'prod', CALDERA_SCHEDULER_CONFIG: '/s.yaml' });
  t.match(full, { redisUrl: 'redis://r:6379', port: 0, host: '0.0.0.0', tokensFile: '/t.yaml', insecure: false, bodyLimit: 2 * 1024 * 1024, lostAfterMs: 600_000, notReadyAfterMs: 90_000, prefix: 'prod', schedulerConfigFile: '/s.yaml' });
  const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
    [{}, /CALDERA_TOKENS_FILE .* or CALDERA_INSECURE=1/],
    [{ CALDERA_INSECURE: '1', PORT: 'http' }, /PORT/],
    [{ CALDERA_INSECURE: '1', CALDERA_LOST_AFTER: 'soon' }, /CALDERA_LOST_AFTER: "soon" is not a duration/],
    [{ CALDERA_INSECURE: '1', CALDERA_LOST_AFTER: '10s' }, /must be longer than CALDERA_NOTREADY_AFTER/],
    [{ CALDERA_INSECURE: '1', CALDERA_PREFIX: 'a:b' }, /CALDERA_PREFIX/],
    [{ CALDERA_INSECURE: '1', CALDERA_BODY_LIMIT: 'lots' }, /CALDERA_BODY_LIMIT/],
    [{ CALDERA_INSECURE: '1', CALDERA_TLS_CERT_FILE: '/c.pem' }, /go together/],
    [{ CALDERA_INSECURE: '1', CALDERA_HEAP_GROWTH: 'lots' }, /CALDERA_HEAP_GROWTH: "lots" is not a percentage/],
    [{ CALDERA_INSECURE: '1', CALDERA_HEAP_GROWTH: '5000' }, /CALDERA_HEAP_GROWTH: "5000" is not a percentage from 0 to 1000/],
  ];
  for (const [env, want] of cases) t.throws(() => loadConfig(env), { name: 'ConfigError', message: want });
  t.equal(parseDuration('1h30m', 'x'), 5_400_000);
  t.equal(parseDuration('250ms', 'x'), 250);
  t.equal(parseDuration('90', 'x'), 90_000, 'a bare number is seconds');
  t.equal(parseByteSize('512Ki', 'x'), 524_288);
  t.ok(new ConfigError('x') instanceof Error);
});

t.test('the heap growth setting reaches V8: the same churn takes far fewer full collections', async (t) => {
  // a process of its own per setting (V8 flags are process-wide), with the chart's heap limits
  const loader = process.execArgv.filter((a) => a.includes('@tapjs/typescript') || a === '--enable-source-maps');
  const probe = fileURLToPath(new URL('../fixtures/gateway/heap-growth-probe.ts', import.meta.url));
  const run = (growth: string): { majors: number } => {
    const res = spawnSync(process.execPath, [...GATEWAY_NODE_OPTIONS.split(' '), ...loader, probe], {
      env: { ...process.env, CALDERA_HEAP_GROWTH: growth }, encoding: 'utf8', timeout: 120_000,
    });
    if (res.status !== 0) throw new Error(`probe failed (${res.status}): ${res.stderr}`);
    return JSON.parse(res.stdout.trim().split('\n').at(-1) ?? '{}') as { majors: number };
  };
  const own = run('0');
  const grown = run('200');
  t.ok(own.majors >= 10, `V8's own rule: ${own.majors} full collections (the churn does provoke them)`);
  t.ok(grown.majors <= own.majors * 0.7, `CALDERA_HEAP_GROWTH=200: ${grown.majors} full collections (at most 70% of ${own.majors})`);
});

t.test('tokens file: YAML list or {tokens}, scopes, and clear errors', async (t) => {
  const grants = parseTokenGrants(`
- token: 0123456789abcdef
  subject: alice
  namespaces: [team-a]
  queues: '*'
- token: fedcba9876543210
  subject: ops
  namespaces: '*'
  admin: true
`);
  t.same(grants.map((g) => [g.subject, g.namespaces, g.queues, g.admin]), [['alice', ['team-a'], '*', false], ['ops', '*', [], true]]);
  t.equal(parseTokenGrants('{"tokens": [{"token": "0123456789", "subject": "x"}]}').length, 1, 'JSON with a tokens key');
  for (const [text, want] of [
    ['- token: short\n  subject: a', /at least 8/],
    ['- token: tok-0123456789\n  subject: a\n- token: tok-0123456789\n  subject: b', /duplicate/],
    ['- token: tok-0123456789\n  subject: a\n  namespaces: team-a', /namespaces: must be/],
    ['- token: tok-0123456789', /subject/],
    ['- token: 0123456789\n  subject: a', /quote it/],
    ['just a string', /expected a list/],
    ['- [unclosed', /tokens file/],
  ] as const) {
    t.throws(() => parseTokenGrants(text), TokenFileError, String(want));
    t.throws(() => parseTokenGrants(text), { message: want });
  }
  const auth = tokenAuthenticator(grants);
  t.equal(auth.authenticate('Bearer 0123456789abcdef')?.subject, 'alice');
  t.equal(auth.authenticate('bearer fedcba9876543210')?.subject, 'ops');
  for (const h of [undefined, '', 'Bearer', 'Bearer 0123456789abcde', 'Bearer 0123456789abcdef0', 'Basic 0123456789abcdef']) {
    t.equal(auth.authenticate(h), undefined, `refused: ${String(h)}`);
  }
});

t.test('startGateway serves on a free port, runs the components, and stops everything', async (t) => {
  const r = await useRedis(t);
  const dir = mkdtempSync(join(tmpdir(), 'caldera-gw-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const tokens = join(dir, 'tokens.yaml');
  writeFileSync(tokens, '- token: gateway-test-token\n  subject: ci\n  namespaces: "*"\n  queues: "*"\n');
  const calls: string[] = [];
  const component: GatewayComponent = {
    name: 'probe',
    start: async (ctx) => {
      calls.push(`start ${ctx.redisUrl === r.url} ${typeof ctx.store.currentRv}`);
      return { stop: async () => { calls.push('stop'); } };
    },
  };
  const config = loadConfig({ REDIS_URL: r.url, PORT: '0', CALDERA_TOKENS_FILE: tokens, CALDERA_PREFIX: r.prefix.replace(/:$/, '') });
  let started = '';
  const gw = await startGateway(config, { components: [component], logger: pino({ level: 'silent' }), onStarted: (g) => { started = g.url; } });
  t.equal(started, gw.url);
  t.match(gw.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const auth = { authorization: 'Bearer gateway-test-token', 'content-type': 'application/json' };
  t.equal((await fetch(`${gw.url}/readyz`)).status, 200);
  const created = await fetch(`${gw.url}${JOBS}/namespaces/ci/jobs`, { method: 'POST', headers: auth, body: JSON.stringify(simpleJob('via-main')) });
  t.equal(created.status, 201);
  t.same(calls, ['start true function']);
  await gw.stop();
  await gw.stop();
  t.same(calls, ['start true function', 'stop'], 'stopped once');
  await t.rejects(fetch(`${gw.url}/healthz`), 'no longer listening');
});

t.test('startGateway starts an embedded redis-server when REDIS_URL is absent, and serves HTTPS when given a certificate', async (t) => {
  const tls = testTls();
  const config = loadConfig({ PORT: '0', CALDERA_INSECURE: '1', CALDERA_TLS_CERT_FILE: tls.certFile, CALDERA_TLS_KEY_FILE: tls.keyFile });
  const gw = await startGateway(config, { logger: pino({ level: 'silent' }) });
  t.teardown(() => gw.stop());
  t.match(gw.url, /^https:/);
  t.match(gw.redisUrl, /^redis:\/\/127\.0\.0\.1:\d+$/);
  await gw.store.ping();
  const res = await gw.app.inject({ method: 'GET', url: '/apis/scheduling.volcano.sh/v1beta1/queues/default' });
  t.equal(res.statusCode, 200, 'bootstrap queues were created in the embedded Redis');
});

t.test('main: --help lists the environment, bad configuration exits 2', async (t) => {
  let out = '';
  let err = '';
  const io = { stdout: { write: (s: string) => { out += s; } }, stderr: { write: (s: string) => { err += s; } } };
  t.equal(await main(['--help'], io), 0);
  for (const v of ['REDIS_URL', 'PORT', 'HOST', 'CALDERA_TOKENS_FILE', 'CALDERA_INSECURE', 'CALDERA_BODY_LIMIT', 'CALDERA_SCHEDULER_CONFIG', 'CALDERA_LOST_AFTER', 'CALDERA_NOTREADY_AFTER', 'CALDERA_PREFIX']) {
    t.match(out, v);
  }
  t.equal(await main([], { ...io, env: {} }), 2);
  t.match(err, /no authentication configured/);
  t.equal(await main(['--bogus'], io), 2);
  t.match(err, /unknown argument "--bogus"/);
});

t.test('startGateway with the federation: the API and the scheduler share one store, one connection and one change-feed reader', async (t) => {
  const r = await useRedis(t);
  const prefix = r.prefix.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 60);
  const queuePrefix = `{${prefix}-q}`;
  const config = loadConfig({ REDIS_URL: r.url, PORT: '0', CALDERA_INSECURE: '1', CALDERA_PREFIX: prefix });
  const before = await clients(r.client);
  const gw = await startGateway(config, {
    logger: pino({ level: 'silent' }),
    components: [federationComponent({ queuePrefix, leaseTtlMs: 600, debounceMs: 2, periodMs: 100 })],
  });
  const member = new AcknowledgingMember({
    cluster: 'east', connection: r.connect(), prefix: queuePrefix, heartbeatMs: 50,
    nodes: [{ name: 'n1', allocatable: { cpu: '8', memory: '32Gi', pods: 110 }, capacity: { cpu: '8', memory: '32Gi', pods: 110 }, labels: {}, taints: [], unschedulable: false, requested: {}, ready: true }],
  });
  await member.start();
  t.teardown(async () => { await member.stop(); await gw.stop(); });
  const created = await fetch(`${gw.url}${JOBS}/namespaces/ci/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(simpleJob('shared')) });
  t.equal(created.status, 201);
  const deadline = Date.now() + 10_000;
  let cluster: string | undefined;
  while (cluster === undefined && Date.now() < deadline) {
    const got = (await (await fetch(`${gw.url}${JOBS}/namespaces/ci/jobs/shared`)).json()) as { metadata: { annotations?: Record<string, string> } };
    cluster = got.metadata.annotations?.[CALDERA_CLUSTER_ANNOTATION];
    if (cluster === undefined) await new Promise((res) => setTimeout(res, 20));
  }
  t.equal(cluster, 'east', 'the job was placed, dispatched and its placement written back');
  t.equal(member.jobs.size, 1, 'the member holds the gang');
  // the process reads the change feed once (the API's queue directory and the leader share it)
  const after = (await clients(r.client)).filter((c) => !before.some((b) => b.id === c.id));
  const feedReaders = after.filter((c) => c.cmd === 'xread');
  t.equal(feedReaders.length, 1, `one change-feed reader (${after.map((c) => c.cmd).join(', ')})`);
  await gw.stop();
  t.pass('stopping closes the shared store once');
});

/** The Redis clients connected now, with the command each last ran. */
async function clients(client: import('ioredis').Redis): Promise<Array<{ id: string; cmd: string }>> {
  const text = (await client.client('LIST')) as string;
  return text.trim().split('\n').map((line) => {
    const f = Object.fromEntries(line.trim().split(' ').map((kv) => kv.split('=') as [string, string]));
    return { id: f.id ?? '', cmd: f.cmd ?? '' };
  });
}
