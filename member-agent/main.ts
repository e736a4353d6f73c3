/**
 * `caldera agent`: reads the configuration (flags, environment), connects to the member cluster
 * through @kubernetes/client-node and to Redis, and runs the agent until SIGINT/SIGTERM.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { pino } from 'pino';
import { bullmqPrefix } from '../shared/messages/index.js';
import { metricsRequestListener } from '../shared/metrics/metrics-route.js';
import { defaultRegistry, parseSchedulerConfig, type SchedulerConfig } from '../shared/scheduling/index.js';
import { createAgentMetrics, type AgentMetrics } from './metrics.js';
import { startAgent, type AgentHandle } from './agent.js';
import { agentHelp, AgentConfigError, loadAgentConfig } from './config.js';
import { loadKubeConfig } from './kube/kube-config.js';
import type { AgentLogger } from './logger.js';

function readSchedulerConfig(path: string): SchedulerConfig {
  return parseSchedulerConfig(readFileSync(path, 'utf8'), { registry: defaultRegistry });
}

function serveProbes(port: number, metrics: AgentMetrics, ready: () => boolean): Promise<Server> {
  // /metrics is lint-clean; Volcano's legacy names (for old Volcano dashboards) are on /metrics/volcano
  const onMetrics = metricsRequestListener(metrics);
  const onVolcanoMetrics = metricsRequestListener(metrics.volcanoCompatRegistry, { path: '/metrics/volcano' });
  const server = createServer((req, res) => {
    if (onMetrics(req, res) || onVolcanoMetrics(req, res)) return;
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/healthz' || path === '/livez') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ok = ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'caches not synced\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}

export async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(agentHelp());
    return 0;
  }
  let config;
  try {
    config = loadAgentConfig(args);
  } catch (err) {
    if (err instanceof AgentConfigError) {
      process.stderr.write(`caldera agent: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = pino({ level: config.logLevel, base: { cluster: config.cluster } });
  const log: AgentLogger = {
    debug: (o, m) => logger.debug(o, m),
    info: (o, m) => logger.info(o, m),
    warn: (o, m) => logger.warn(o, m),
    error: (o, m) => logger.error(o, m),
  };
  const schedulerConfig = config.schedulerConfigPath ? readSchedulerConfig(config.schedulerConfigPath) : undefined;
  for (const w of schedulerConfig?.warnings ?? []) logger.warn({ file: config.schedulerConfigPath }, `scheduler configuration: ${w}`);
  const kubeConfig = loadKubeConfig(config.kubeconfig ? { kubeconfigPath: config.kubeconfig } : {});
  const metrics = createAgentMetrics({ cluster: config.cluster, volcanoCompat: false });

  let started = false;
  let server: Server | undefined;
  if (config.metricsPort !== undefined) server = await serveProbes(config.metricsPort, metrics, () => started);

  const agent: AgentHandle = await startAgent({
    cluster: config.cluster,
    kubeConfig,
    redisUrl: config.redisUrl,
    bullPrefix: bullmqPrefix(config.deployment),
    schedulerName: config.schedulerName,
    schedulePeriodMs: config.schedulePeriodMs,
    leaderElection: config.leaderElect ? { namespace: config.leaseNamespace, ...(config.leaseName ? { name: config.leaseName } : {}) } : false,
    metrics,
    log,
    ...(schedulerConfig ? { schedulerConfig } : {}),
  });
  started = true;
  logger.info({ server: kubeConfig.getCurrentCluster()?.server, scheduler: config.schedulerName, agent: agent.agentId }, 'agent started');

  const path = config.schedulerConfigPath;
  if (path) {
    watchFile(path, { interval: 2000 }, () => {
      try {
        agent.setSchedulerConfig(readSchedulerConfig(path));
        logger.info({ file: path }, 'scheduler configuration reloaded');
      } catch (err) {
        logger.error({ file: path, err: err instanceof Error ? err.message : String(err) }, 'scheduler configuration not reloaded');
      }
    });
  }

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info('stopping');
  if (path) unwatchFile(path);
  await agent.stop();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  return 0;
}
