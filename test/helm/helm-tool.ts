/**
 * The helm binary the chart tests use (`.tools/bin/helm`, put there by `npm run test-tools`), and
 * rendering a chart into parsed objects.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const HELM = process.env.HELM ?? `${REPO_ROOT}.tools/bin/helm`;
export const HELM_MISSING = `helm not found at ${HELM}: run \`npm run test-tools\` (fetches helm and kubectl into .tools/bin) or set HELM`;

export const GATEWAY_CHART = `${REPO_ROOT}helm/gateway`;
export const AGENT_CHART = `${REPO_ROOT}helm/member-agent`;
export const GATEWAY_CI_VALUES = `${REPO_ROOT}test/helm/gateway-ci-values.yaml`;
export const AGENT_CI_VALUES = `${REPO_ROOT}test/helm/member-agent-ci-values.yaml`;

export function helmAvailable(): boolean {
  try {
    accessSync(HELM, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface HelmRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function helm(args: string[]): HelmRun {
  const r = spawnSync(HELM, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HELM_CACHE_HOME: '/tmp/caldera-helm-cache', HELM_CONFIG_HOME: '/tmp/caldera-helm-config', HELM_DATA_HOME: '/tmp/caldera-helm-data' } });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

export const RELEASE = 'caldera';
export const NAMESPACE = 'caldera-system';

/** `helm template` → the objects it renders; throws with helm's message when rendering fails. */
export function renderChart(opts: { chart: string; values?: string[]; set?: string[] }): K8sObject[] {
  const args = ['template', RELEASE, opts.chart, '--namespace', NAMESPACE];
  for (const v of opts.values ?? []) args.push('-f', v);
  for (const s of opts.set ?? []) args.push('--set', s);
  const r = helm(args);
  if (r.code !== 0) throw new Error(r.stderr.trim() || `helm template exited ${r.code}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

/** The error helm prints when rendering fails, or undefined when it succeeds. */
export function renderError(opts: { chart: string; values?: string[]; set?: string[] }): string | undefined {
  try {
    renderChart(opts);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
