// domain: the gateway's placement rule. Nodes belong to domains (member clusters); with this
// plugin a gang is placed inside one domain only. A domain is refused when it is not ready or is
// cordoned, when the job's `caldera.dev/clusters` list leaves it out, or when its labels do not
// match the job's `caldera.dev/cluster-selector`. Acceptable domains are scored by how full they
// are in the resources the job asks for: `pack` prefers fuller domains, `spread` emptier ones.

import { CALDERA_CLUSTERS_ANNOTATION, CALDERA_CLUSTER_SELECTOR_ANNOTATION } from '../../api/well-known.js';
import type { JobInfo } from '../job-info.js';
import { LabelSelectorError, matchesLabels, parseLabelSelector, type LabelRequirement } from '../label-selector.js';
import type { DomainInfo } from '../node-info.js';
import type { PluginDefinition } from '../plugin.js';

interface JobRule {
  clusters: Set<string> | undefined;
  selector: LabelRequirement[] | undefined;
  selectorText: string;
  selectorError: string | undefined;
  /** Dimensions the job requests. */
  dims: number[];
  /** Filter result per domain index (undefined: not computed yet), shared by jobs with the same annotations. */
  verdicts: (string | null | undefined)[];
}

export const domainPlugin: PluginDefinition = {
  name: 'domain',
  description: 'keeps each gang inside one domain (member cluster), filtered by annotations and scored pack or spread',
  arguments: { known: { 'domain.strategy': { enum: ['pack', 'spread'] }, 'domain.weight': 'number' } },
  create: (option) => {
    const spread = option.arguments.string('domain.strategy', 'pack') === 'spread';
    const weight = option.arguments.number('domain.weight', 1);
    return {
      name: 'domain',
      onSessionOpen(ssn) {
        const rules = new Map<JobInfo, JobRule>();
        const verdictsByKey = new Map<string, (string | null | undefined)[]>();
        const ruleOf = (job: JobInfo): JobRule => {
          let rule = rules.get(job);
          if (rule !== undefined) return rule;
          const list = job.annotations[CALDERA_CLUSTERS_ANNOTATION];
          const clusters = list === undefined ? undefined : new Set(list.split(',').map((s) => s.trim()).filter((s) => s !== ''));
          const selectorText = job.annotations[CALDERA_CLUSTER_SELECTOR_ANNOTATION] ?? '';
          let selector: LabelRequirement[] | undefined;
          let selectorError: string | undefined;
          if (selectorText.trim() !== '') {
            try {
              selector = parseLabelSelector(selectorText);
            } catch (err) {
              if (!(err instanceof LabelSelectorError)) throw err;
              selectorError = `invalid ${CALDERA_CLUSTER_SELECTOR_ANNOTATION}: ${err.message}`;
            }
          }
          const dims = new Set<number>();
          for (const t of job.tasks) for (const d of t.shape.dims) dims.add(d);
          const key = `${list ?? ''}\u0000${selectorText}`;
          let verdicts = verdictsByKey.get(key);
          if (verdicts === undefined) verdictsByKey.set(key, (verdicts = []));
          rule = { clusters: clusters !== undefined && clusters.size > 0 ? clusters : undefined, selector, selectorText, selectorError, dims: [...dims].sort((a, b) => a - b), verdicts };
          rules.set(job, rule);
          return rule;
        };
        const verdict = (rule: JobRule, domain: DomainInfo): string | undefined => {
          if (rule.selectorError !== undefined) return rule.selectorError;
          if (!domain.ready) return 'cluster is not ready';
          if (domain.cordoned) return 'cluster is cordoned';
          if (rule.clusters !== undefined && !rule.clusters.has(domain.name)) {
            return `not listed in ${CALDERA_CLUSTERS_ANNOTATION} (${[...rule.clusters].join(', ')})`;
          }
          if (rule.selector !== undefined && !matchesLabels(rule.selector, domain.labels)) {
            return `labels do not match ${CALDERA_CLUSTER_SELECTOR_ANNOTATION} "${rule.selectorText}"`;
          }
          return undefined;
        };
        // Domains are fixed for the cycle, so a verdict depends only on the annotations.
        ssn.add('domain', 'domainFilter', (job: JobInfo, domain: DomainInfo) => {
          const rule = ruleOf(job);
          let v = rule.verdicts[domain.index];
          if (v === undefined) v = rule.verdicts[domain.index] = verdict(rule, domain) ?? null;
          return v ?? undefined;
        });
        ssn.add('domain', 'domainOrder', (job: JobInfo, domain: DomainInfo) => {
          const dims = ruleOf(job).dims;
          let sum = 0;
          let n = 0;
          for (const d of dims) {
            const alloc = domain.allocatable[d] as number;
            if (alloc <= 0) continue;
            sum += Math.min(1, (domain.used[d] as number) / alloc);
            n++;
          }
          const fullness = n === 0 ? 0 : sum / n;
          return weight * 100 * (spread ? 1 - fullness : fullness);
        });
      },
    };
  },
};
