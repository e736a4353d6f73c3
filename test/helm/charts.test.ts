import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { CONFIG_VARIABLES, GATEWAY_NODE_OPTIONS } from '../../gateway/config.js';
import { AGENT_OPTIONS } from '../../member-agent/config.js';
import {
  AGENT_CHART, AGENT_CI_VALUES, GATEWAY_CHART, GATEWAY_CI_VALUES, HELM_MISSING, NAMESPACE, REPO_ROOT,
  helm, helmAvailable, renderChart, renderError, type K8sObject,
} from './helm-tool.js';

const haveHelm = helmAvailable();

interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string }[];
  livenessProbe?: { httpGet?: { path: string; port: string } };
  readinessProbe?: { httpGet?: { path: string; port: string } };
}

interface PodSpec {
  serviceAccountName?: string;
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string; items?: { key: string; path: string }[] }; configMap?: { name: string } }[];
}

function one(objs: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!;
}

function podSpec(deployment: K8sObject): PodSpec {
  return (deployment as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
}

function podLabels(deployment: K8sObject): Record<string, string> {
  return (deployment as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } }).spec.template.metadata.labels;
}

function envOf(c: Container, name: string): NonNullable<Container['env']>[number] | undefined {
  return c.env?.find((e) => e.name === name);
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function kinds(objs: K8sObject[]): string[] {
  return objs.map((o) => o.kind).sort();
}

t.test('helm is installed (every chart check below needs it)', async (t) => {
  t.ok(haveHelm, HELM_MISSING);
});

for (const [chart, values] of [[GATEWAY_CHART, GATEWAY_CI_VALUES], [AGENT_CHART, AGENT_CI_VALUES]] as const) {
  const name = chart.split('/').pop()!;
  t.test(`helm lint --strict passes on the ${name} chart with the CI values`, async (t) => {
    if (!haveHelm) return t.fail(HELM_MISSING);
    const r = helm(['lint', '--strict', chart, '-f', values]);
    t.equal(r.code, 0, `helm lint exit code\n${r.stdout}${r.stderr}`);
    t.notMatch(r.stdout + r.stderr, /\[(WARNING|ERROR)\]/, 'no warning and no error');
  });
}

t.test('gateway chart: replicas, Service, PDB and ServiceMonitor select the same pods; Redis URL and tokens come from its Secret', async (t) => {
  if (!haveHelm) return t.fail(HELM_MISSING);
  const objs = renderChart({ chart: GATEWAY_CHART, values: [GATEWAY_CI_VALUES] });
  t.same(kinds(objs), ['ConfigMap', 'ConfigMap', 'ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Secret', 'Service', 'ServiceAccount', 'ServiceMonitor']);
  const dep = one(objs, 'Deployment');
  const spec = (dep as unknown as { spec: { replicas: number } }).spec;
  t.equal(spec.replicas, 3);
  const labels = podLabels(dep);
  const svc = one(objs, 'Service') as unknown as { spec: { selector: Record<string, string>; ports: { name: string; port: number }[] } };
  t.ok(selects(svc.spec.selector, labels), 'the Service selects the gateway pods');
  const pdb = one(objs, 'PodDisruptionBudget') as unknown as { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } };
  t.ok(selects(pdb.spec.selector.matchLabels, labels), 'the PDB covers the gateway pods');
  t.equal(pdb.spec.minAvailable, 2);
  const sm = one(objs, 'ServiceMonitor') as unknown as { metadata: { labels: Record<string, string> }; spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] } };
  t.ok(selects(sm.spec.selector.matchLabels, (one(objs, 'Service').metadata.labels ?? {})), 'the ServiceMonitor selects the Service');
  t.same(sm.spec.endpoints.map((e) => [e.port, e.path]), [['http', '/metrics']]);
  t.equal(svc.spec.ports[0]?.name, 'http');
  t.equal(sm.metadata.labels.release, 'prometheus', 'extra ServiceMonitor labels for the Prometheus selector');

  const pod = podSpec(dep);
  const c = pod.containers[0]!;
  t.same(c.args, ['gateway']);
  const secret = one(objs, 'Secret') as unknown as { metadata: { name: string }; stringData: Record<string, string> };
  t.same(envOf(c, 'REDIS_URL')?.valueFrom?.secretKeyRef, { name: secret.metadata.name, key: 'redis-url' });
  t.equal(secret.stringData['redis-url'], 'redis://:ci-password@redis.caldera.svc:6379/0');
  const tokens = parseAllDocuments(secret.stringData['tokens.yaml'] ?? '')[0]?.toJS() as { token: string; subject: string; namespaces?: unknown }[];
  t.same(tokens.map((x) => x.subject), ['ci-admin', 'team-a'], 'the tokens file lists the configured tokens');
  t.equal(tokens[0]?.namespaces, '*');
  const tokenVolume = pod.volumes?.find((v) => v.name === 'tokens');
  t.equal(tokenVolume?.secret?.secretName, secret.metadata.name);
  const tokenMount = c.volumeMounts?.find((m) => m.name === 'tokens');
  t.equal(`${tokenMount?.mountPath}/${tokenVolume?.secret?.items?.[0]?.path}`, envOf(c, 'CALDERA_TOKENS_FILE')?.value, 'CALDERA_TOKENS_FILE points into the mounted Secret');
  const schedulerCm = one(objs, 'ConfigMap', 'caldera-caldera-gateway-scheduler') as unknown as { data: Record<string, string> };
  t.match(schedulerCm.data['scheduler.conf'], /actions: "enqueue, allocate, backfill"/);
  const schedMount = c.volumeMounts?.find((m) => m.name === 'scheduler');
  t.equal(`${schedMount?.mountPath}/scheduler.conf`, envOf(c, 'CALDERA_SCHEDULER_CONFIG')?.value);
  t.equal(c.livenessProbe?.httpGet?.path, '/healthz');
  t.equal(c.readinessProbe?.httpGet?.path, '/readyz');
  t.equal(envOf(c, 'PORT')?.value, String(c.ports?.[0]?.containerPort));
  const known = new Set(CONFIG_VARIABLES.map((v) => v.name));
  for (const e of c.env ?? []) t.ok(known.has(e.name), `${e.name} is a variable the gateway reads (gateway/config.ts)`);
  t.same([envOf(c, 'CALDERA_NOTREADY_AFTER')?.value, envOf(c, 'CALDERA_LOST_AFTER')?.value, envOf(c, 'CALDERA_PREFIX')?.value], ['40s', '5m', 'caldera']);
  t.equal(envOf(c, 'NODE_OPTIONS')?.value, GATEWAY_NODE_OPTIONS, 'the heap settings the benchmark runs the gateway with');
  t.equal(envOf(c, 'CALDERA_TLS_CERT_FILE'), undefined, 'plain HTTP unless a TLS Secret is given');

  const tls = renderChart({ chart: GATEWAY_CHART, values: [GATEWAY_CI_VALUES], set: ['tls.existingSecret=gateway-tls'] });
  const tlsPod = podSpec(one(tls, 'Deployment'));
  const tc = tlsPod.containers[0]!;
  const tlsMount = tc.volumeMounts?.find((m) => m.name === 'tls')?.mountPath;
  t.equal(tlsPod.volumes?.find((v) => v.name === 'tls')?.secret?.secretName, 'gateway-tls');
  t.same([envOf(tc, 'CALDERA_TLS_CERT_FILE')?.value, envOf(tc, 'CALDERA_TLS_KEY_FILE')?.value], [`${tlsMount}/tls.crt`, `${tlsMount}/tls.key`]);
  t.equal((tc.readinessProbe?.httpGet as { scheme?: string } | undefined)?.scheme, 'HTTPS', 'probes follow the scheme');
  t.equal((one(tls, 'ServiceMonitor') as unknown as { spec: { endpoints: { scheme?: string }[] } }).spec.endpoints[0]?.scheme, 'https');
  t.match(renderError({ chart: GATEWAY_CHART, values: [GATEWAY_CI_VALUES], set: ['members.lostAfter=five minutes'] }), /members\/lostAfter/);
});

t.test('gateway chart: every dashboard file becomes a ConfigMap labelled for the Grafana sidecar', async (t) => {
  if (!haveHelm) return t.fail(HELM_MISSING);
  const objs = renderChart({ chart: GATEWAY_CHART, values: [GATEWAY_CI_VALUES] });
  const files = readdirSync(`${GATEWAY_CHART}/dashboards`).filter((f) => f.endsWith('.json')).sort();
  const maps = objs.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1');
  t.equal(maps.length, files.length);
  const byKey = new Map<string, string>();
  for (const m of maps) {
    t.equal(m.metadata.annotations?.grafana_folder, 'Caldera');
    t.equal(m.metadata.namespace, NAMESPACE);
    for (const [k, v] of Object.entries((m as unknown as { data: Record<string, string> }).data)) byKey.set(k, v);
  }
  for (const f of files) {
    const shipped = byKey.get(f);
    t.ok(shipped, `${f} is shipped`);
    t.same(JSON.parse(shipped ?? 'null'), JSON.parse(readFileSync(`${GATEWAY_CHART}/dashboards/${f}`, 'utf8')), `${f} is shipped unchanged`);
  }
  const off = renderChart({ chart: GATEWAY_CHART, values: [GATEWAY_CI_VALUES], set: ['dashboards.enabled=false', 'metrics.serviceMonitor.enabled=false', 'podDisruptionBudget.enabled=false'] });
  t.same(kinds(off), ['ConfigMap', 'Deployment', 'Secret', 'Service', 'ServiceAccount'], 'dashboards, ServiceMonitor and PDB can be switched off');
});

t.test('gateway chart: existing Secrets replace the chart\'s own', async (t) => {
  if (!haveHelm) return t.fail(HELM_MISSING);
  const objs = renderChart({
    chart: GATEWAY_CHART,
    set: ['redis.existingSecret=shared-redis', 'redis.existingSecretKey=url', 'auth.existingSecret=gateway-tokens'],
  });
  t.notOk(objs.some((o) => o.kind === 'Secret'), 'no Secret of the chart\'s own');
  const pod = podSpec(one(objs, 'Deployment'));
  t.same(envOf(pod.containers[0]!, 'REDIS_URL')?.valueFrom?.secretKeyRef, { name: 'shared-redis', key: 'url' });
  const tokenVolume = pod.volumes?.find((v) => v.name === 'tokens');
  t.same(tokenVolume?.secret, { secretName: 'gateway-tokens', items: [{ key: 'tokens.yaml', path: 'tokens.yaml' }] });
  const mixed = renderChart({ chart: GATEWAY_CHART, set: ['redis.existingSecret=shared-redis', 'auth.tokens[0].token=abcdefgh12', 'auth.tokens[0].subject=a'] });
  const secret = one(mixed, 'Secret') as unknown as { stringData: Record<string, string> };
  t.same(Object.keys(secret.stringData), ['tokens.yaml'], 'only the missing part goes into the chart\'s Secret');
});

t.test('gateway chart: missing Redis or tokens and ill-typed values fail the render with a clear message', async (t) => {
  if (!haveHelm) return t.fail(HELM_MISSING);
  const tokens = ['auth.tokens[0].token=abcdefgh12', 'auth.tokens[0].subject=a'];
  t.match(renderError({ chart: GATEWAY_CHART, set: tokens }), /redis\.url or redis\.existingSecret is required/);
  t.match(renderError({ chart: GATEWAY_CHART, set: ['redis.url=redis://r:6379'] }), /auth\.tokens or auth\.existingSecret is required/);
  t.match(renderError({ chart: GATEWAY_CHART, values: [GATEWAY_CI_VALUES], set: ['replicaCount=three'] }), /replicaCount/);
  t.match(renderError({ chart: GATEWAY_CHART, set: ['redis.url=redis://r:6379', 'auth.tokens[0].token=short', 'auth.tokens[0].subject=a'] }), /tokens\/0\/token/);
  t.match(renderError({ chart: GATEWAY_CHART, values: [GATEWAY_CI_VALUES], set: ['redis.url=http://r'] }), /redis\/url/);
  t.match(renderError({ chart: GATEWAY_CHART, values: [GATEWAY_CI_VALUES], set: ['unknownKey=1'] }), /unknownKey/, 'a misspelt key is an error, not ignored');
  t.equal(renderError({ chart: GATEWAY_CHART, values: [GATEWAY_CI_VALUES] }), undefined);
});

t.test('member-agent chart: cluster name, Redis URL, scheduler config and Lease name reach the agent', async (t) => {
  if (!haveHelm) return t.fail(HELM_MISSING);
  const objs = renderChart({ chart: AGENT_CHART, values: [AGENT_CI_VALUES] });
  t.same(kinds(objs), [
    'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'CustomResourceDefinition', 'CustomResourceDefinition', 'CustomResourceDefinition',
    'Deployment', 'Role', 'RoleBinding', 'Secret', 'Service', 'ServiceAccount', 'ServiceMonitor',
  ]);
  const dep = one(objs, 'Deployment');
  t.equal((dep as unknown as { spec: { replicas: number } }).spec.replicas, 2);
  const pod = podSpec(dep);
  const c = pod.containers[0]!;
  t.same(c.args, ['agent']);
  t.equal(envOf(c, 'CALDERA_CLUSTER')?.value, 'ci-east');
  const secret = one(objs, 'Secret') as unknown as { metadata: { name: string }; stringData: Record<string, string> };
  t.same(envOf(c, 'REDIS_URL')?.valueFrom?.secretKeyRef, { name: secret.metadata.name, key: 'redis-url' });
  t.equal(secret.stringData['redis-url'], 'rediss://:ci-password@redis.example.test:6380/0');
  t.equal(envOf(c, 'CALDERA_LEASE_NAME')?.value, 'caldera-caldera-member-agent');
  t.equal(envOf(c, 'CALDERA_METRICS_PORT')?.value, String(c.ports?.[0]?.containerPort), 'the agent serves /metrics on the port the chart exposes');
  const agentVars = new Set([...AGENT_OPTIONS.flatMap((o) => (o.env ? [o.env] : [])), 'POD_NAMESPACE']);
  for (const e of c.env ?? []) t.ok(agentVars.has(e.name), `${e.name} is a variable the agent reads (member-agent/config.ts)`);
  t.equal(pod.serviceAccountName, one(objs, 'ServiceAccount').metadata.name);
  t.match((one(objs, 'ConfigMap') as unknown as { data: Record<string, string> }).data['scheduler.conf'], /name: gang/);
  const svc = one(objs, 'Service') as unknown as { spec: { selector: Record<string, string>; ports: { name: string; port: number }[] } };
  t.ok(selects(svc.spec.selector, podLabels(dep)));
  t.same(svc.spec.ports.map((p) => [p.name, p.port]), [['metrics', 9090]]);
  for (const binding of [one(objs, 'ClusterRoleBinding'), one(objs, 'RoleBinding')]) {
    const b = binding as unknown as { roleRef: { kind: string; name: string }; subjects: { kind: string; name: string; namespace: string }[] };
    t.same(b.subjects, [{ kind: 'ServiceAccount', name: pod.serviceAccountName, namespace: NAMESPACE }], `${binding.kind} binds the agent's ServiceAccount`);
    t.equal(one(objs, b.roleRef.kind, b.roleRef.name).metadata.name, b.roleRef.name, `${binding.kind} refers to a role the chart creates`);
  }
  t.match(renderError({ chart: AGENT_CHART, set: ['redis.url=redis://r:6379'] }), /cluster\.name is required/);
  t.match(renderError({ chart: AGENT_CHART, set: ['cluster.name=east'] }), /redis\.url or redis\.existingSecret is required/);
  t.match(renderError({ chart: AGENT_CHART, values: [AGENT_CI_VALUES], set: ['cluster.name=East_1'] }), /cluster\/name/);
  const existing = renderChart({ chart: AGENT_CHART, set: ['cluster.name=east', 'redis.existingSecret=agent-redis', 'rbac.create=false', 'crds.install=false'] });
  t.same(kinds(existing), ['ConfigMap', 'Deployment', 'Service', 'ServiceAccount'], 'existing Secret, no RBAC, no CRDs');
  t.same(envOf(podSpec(one(existing, 'Deployment')).containers[0]!, 'REDIS_URL')?.valueFrom?.secretKeyRef, { name: 'agent-redis', key: 'redis-url' });
});

// ---- CRDs -------------------------------------------------------------------------------------------

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  anyOf?: Schema[];
  minimum?: number;
  maximum?: number;
  minItems?: number;
  default?: unknown;
  format?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
}

/** Problems that make a schema non-structural (the rules the API server applies to apiextensions/v1). */
function structuralProblems(s: Schema, path: string): string[] {
  const out: string[] = [];
  if (!s.type && !s['x-kubernetes-int-or-string']) out.push(`${path}: no type`);
  if (s.properties && s.type !== 'object') out.push(`${path}: properties on a non-object`);
  if (s.items && s.type !== 'array') out.push(`${path}: items on a non-array`);
  if (s.type === 'array' && !s.items) out.push(`${path}: array without items`);
  if (s.properties && s.additionalProperties) out.push(`${path}: properties and additionalProperties together`);
  if (s.anyOf && !s['x-kubernetes-int-or-string']) out.push(`${path}: anyOf outside int-or-string`);
  for (const [k, v] of Object.entries(s.properties ?? {})) out.push(...structuralProblems(v, `${path}.${k}`));
  if (s.items) out.push(...structuralProblems(s.items, `${path}[]`));
  if (typeof s.additionalProperties === 'object') out.push(...structuralProblems(s.additionalProperties, `${path}.*`));
  return out;
}

/** Validates a value the way the API server would against the parts of OpenAPI the CRDs use. */
function validate(s: Schema, v: unknown, path: string): string[] {
  if (s['x-kubernetes-int-or-string']) {
    return typeof v === 'string' || Number.isInteger(v) ? [] : [`${path}: want int or string`];
  }
  const out: string[] = [];
  switch (s.type) {
    case 'object': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return [`${path}: want object`];
      const o = v as Record<string, unknown>;
      for (const r of s.required ?? []) if (!(r in o)) out.push(`${path}.${r}: required`);
      for (const [k, x] of Object.entries(o)) {
        const sub = s.properties?.[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
        if (sub) out.push(...validate(sub, x, `${path}.${k}`));
        else if (!s['x-kubernetes-preserve-unknown-fields'] && s.properties && path !== '.metadata') out.push(`${path}.${k}: unknown field (would be pruned)`);
      }
      return out;
    }
    case 'array':
      if (!Array.isArray(v)) return [`${path}: want array`];
      if (s.minItems !== undefined && v.length < s.minItems) out.push(`${path}: fewer than ${s.minItems} items`);
      v.forEach((x, i) => s.items && out.push(...validate(s.items, x, `${path}[${i}]`)));
      return out;
    case 'integer':
      if (!Number.isInteger(v)) return [`${path}: want integer`];
      if (s.minimum !== undefined && (v as number) < s.minimum) out.push(`${path}: below ${s.minimum}`);
      if (s.maximum !== undefined && (v as number) > s.maximum) out.push(`${path}: above ${s.maximum}`);
      return out;
    case 'string':
      return typeof v === 'string' ? [] : [`${path}: want string`];
    case 'boolean':
      return typeof v === 'boolean' ? [] : [`${path}: want boolean`];
    default:
      return [];
  }
}

interface Crd {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; shortNames?: string[] };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources?: { status?: object };
      additionalPrinterColumns?: { name: string; type: string; jsonPath: string; priority?: number }[];
      schema: { openAPIV3Schema: Schema };
    }[];
  };
}

t.test('member-agent chart: the Volcano CRDs are structural, with status subresources, short names and printer columns', async (t) => {
  if (!haveHelm) return t.fail(HELM_MISSING);
  const crds = renderChart({ chart: AGENT_CHART, values: [AGENT_CI_VALUES] }).filter((o) => o.kind === 'CustomResourceDefinition') as unknown as Crd[];
  const want: Record<string, { scope: string; version: string; shortNames: string[] }> = {
    'jobs.batch.volcano.sh': { scope: 'Namespaced', version: 'v1alpha1', shortNames: ['vcjob', 'vj'] },
    'podgroups.scheduling.volcano.sh': { scope: 'Namespaced', version: 'v1beta1', shortNames: ['pg', 'podgroup-v1beta1'] },
    'queues.scheduling.volcano.sh': { scope: 'Cluster', version: 'v1beta1', shortNames: ['q', 'queue-v1beta1'] },
  };
  t.same(crds.map((c) => c.metadata.name).sort(), Object.keys(want).sort());
  for (const crd of crds) {
    const w = want[crd.metadata.name]!;
    t.equal(crd.metadata.name, `${crd.spec.names.plural}.${crd.spec.group}`);
    t.equal(crd.spec.scope, w.scope);
    t.same(crd.spec.names.shortNames, w.shortNames);
    t.equal(crd.metadata.annotations?.['helm.sh/resource-policy'], 'keep', 'kept on uninstall, with every object of the kind');
    t.equal(crd.spec.versions.length, 1);
    const v = crd.spec.versions[0]!;
    t.same([v.name, v.served, v.storage], [w.version, true, true]);
    t.same(v.subresources, { status: {} });
    const cols = v.additionalPrinterColumns ?? [];
    t.ok(cols.length >= 3, `${crd.metadata.name}: printer columns`);
    for (const c of cols) {
      t.match(c.jsonPath, /^\.(status|spec|metadata)\./, `${crd.metadata.name} column ${c.name}: jsonPath`);
      t.ok(['string', 'integer', 'date', 'number', 'boolean'].includes(c.type), `${crd.metadata.name} column ${c.name}: type`);
    }
    const root = v.schema.openAPIV3Schema;
    t.same(structuralProblems(root, ''), [], `${crd.metadata.name}: structural`);
    t.same(root.properties?.metadata, { type: 'object' }, 'metadata is left to the API server');
    t.equal(root.properties?.spec?.['x-kubernetes-preserve-unknown-fields'], true, 'spec keeps fields the schema does not list');
    t.equal(root.properties?.status?.['x-kubernetes-preserve-unknown-fields'], true);
  }
  const keepOff = renderChart({ chart: AGENT_CHART, values: [AGENT_CI_VALUES], set: ['crds.keep=false'] }).filter((o) => o.kind === 'CustomResourceDefinition');
  t.ok(keepOff.every((c) => c.metadata.annotations?.['helm.sh/resource-policy'] === undefined), 'crds.keep=false lets uninstall remove them');
  const skipped = renderChart({ chart: AGENT_CHART, values: [AGENT_CI_VALUES], set: ['crds.install=false'] });
  t.notOk(skipped.some((o) => o.kind === 'CustomResourceDefinition'), 'crds.install=false leaves Volcano\'s own CRDs alone');
});

t.test('member-agent chart: the CRD schemas accept the real Volcano manifests and reject ill-typed ones', async (t) => {
  if (!haveHelm) return t.fail(HELM_MISSING);
  const crds = renderChart({ chart: AGENT_CHART, values: [AGENT_CI_VALUES] }).filter((o) => o.kind === 'CustomResourceDefinition') as unknown as Crd[];
  const schemaFor = (apiVersion: string, kind: string): Schema | undefined => {
    const crd = crds.find((c) => `${c.spec.group}/${c.spec.versions[0]?.name}` === apiVersion && c.spec.names.kind === kind);
    return crd?.spec.versions[0]?.schema.openAPIV3Schema;
  };
  const dir = `${REPO_ROOT}test/fixtures/volcano/full`;
  let checked = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(readFileSync(`${dir}/${file}`, 'utf8'))) {
      const obj = doc.toJS() as { apiVersion?: string; kind?: string } | null;
      if (!obj?.apiVersion || !obj.kind) continue;
      const schema = schemaFor(obj.apiVersion, obj.kind);
      if (!schema) continue;
      checked++;
      t.same(validate(schema, obj, ''), [], `${file}: ${obj.kind} passes the CRD schema`);
    }
  }
  t.ok(checked >= 8, `checked ${checked} Jobs and Queues`);
  const jobSchema = schemaFor('batch.volcano.sh/v1alpha1', 'Job')!;
  const bad = { apiVersion: 'batch.volcano.sh/v1alpha1', kind: 'Job', metadata: { name: 'x' }, spec: { minAvailable: 'two', tasks: [], plugins: { env: 'nope' } } };
  t.same(validate(jobSchema, bad, '').sort(), ['.spec.minAvailable: want integer', '.spec.plugins.env: want array', '.spec.tasks: fewer than 1 items']);
  const queueSchema = schemaFor('scheduling.volcano.sh/v1beta1', 'Queue')!;
  t.same(validate(queueSchema, { spec: { weight: 0, capability: { cpu: 4, memory: '8Gi', gpu: true } } }, '').sort(), ['.spec.capability.gpu: want int or string', '.spec.weight: below 1']);
});
