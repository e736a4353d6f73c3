/**
 * Discovery, version and health: what kubectl and client-node read before they touch a resource.
 * Only the legacy (non-aggregated) discovery documents are served; clients fall back to them.
 */
import type { FastifyInstance } from 'fastify';
import { JOB_API_GROUP } from '../../shared/api/job.js';
import { SCHEDULING_API_GROUP } from '../../shared/api/podgroup.js';
import { failure } from '../../shared/errors/status.js';
import { CALDERA_API_GROUP } from '../store/records.js';
import { sendStatus } from './status-reply.js';

interface ResourceEntry {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

export const API_GROUPS: Record<string, { version: string; resources: ResourceEntry[] }> = {
  [JOB_API_GROUP]: {
    version: 'v1alpha1',
    resources: [
      { name: 'jobs', singularName: 'job', namespaced: true, kind: 'Job', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['vcjob', 'vj'], categories: ['all'] },
      { name: 'jobs/explain', singularName: '', namespaced: true, kind: 'JobExplanation', verbs: ['get'] },
    ],
  },
  [SCHEDULING_API_GROUP]: {
    version: 'v1beta1',
    resources: [
      { name: 'queues', singularName: 'queue', namespaced: false, kind: 'Queue', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['q', 'queue-v1beta1'] },
    ],
  },
  [CALDERA_API_GROUP]: {
    version: 'v1alpha1',
    resources: [
      { name: 'memberclusters', singularName: 'membercluster', namespaced: false, kind: 'MemberCluster', verbs: ['create', 'get', 'list', 'patch', 'update'], shortNames: ['mc'] },
    ],
  },
};

export interface VersionInfo {
  /** the Caldera release, e.g. `0.1.0` */
  version: string;
}

function groupDoc(name: string, version: string) {
  const gv = { groupVersion: `${name}/${version}`, version };
  return { name, versions: [gv], preferredVersion: gv };
}

export function registerDiscoveryRoutes(app: FastifyInstance, opts: { version: VersionInfo; ready: () => Promise<void> }): void {
  // No core (v1) resources are served: the legacy group lists no versions.
  app.get('/api', async () => ({
    kind: 'APIVersions',
    versions: [],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }],
  }));
  app.get('/apis', async () => ({
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: Object.entries(API_GROUPS).map(([name, g]) => groupDoc(name, g.version)),
  }));
  app.get<{ Params: { group: string } }>('/apis/:group', async (req, reply) => {
    const g = API_GROUPS[req.params.group];
    if (!g) return sendStatus(reply, failure({ reason: 'NotFound', message: `the server could not find the requested resource (API group ${req.params.group})` }));
    return { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(req.params.group, g.version) };
  });
  app.get<{ Params: { group: string; version: string } }>('/apis/:group/:version', async (req, reply) => {
    const g = API_GROUPS[req.params.group];
    if (!g || g.version !== req.params.version) {
      return sendStatus(reply, failure({ reason: 'NotFound', message: `the server could not find the requested resource (${req.params.group}/${req.params.version})` }));
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${req.params.group}/${g.version}`, resources: g.resources };
  });
  app.get('/version', async () => ({
    major: '1',
    minor: '34',
    gitVersion: `v1.34.0+caldera-${opts.version.version}`,
    gitCommit: '',
    gitTreeState: '',
    buildDate: '',
    goVersion: '',
    compiler: 'caldera',
    platform: `node/${process.platform}`,
  }));
  app.get('/healthz', async (_req, reply) => reply.type('text/plain').send('ok'));
  app.get('/livez', async (_req, reply) => reply.type('text/plain').send('ok'));
  app.get('/readyz', async (_req, reply) => {
    try {
      await opts.ready();
      return reply.type('text/plain').send('ok');
    } catch (err) {
      return sendStatus(reply, failure({ reason: 'ServiceUnavailable', message: `not ready: Redis is not reachable (${err instanceof Error ? err.message : String(err)})` }));
    }
  });
}
