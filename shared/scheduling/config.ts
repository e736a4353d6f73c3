// Volcano's scheduler configuration (`volcano-scheduler.conf`): parsing and validation.
//
//   actions: "enqueue, allocate, backfill"      # comma-separated, run in order
//   tiers:
//   - plugins:
//     - name: priority
//     - name: gang
//       enablePreemptable: false                # option flags, default true
//     - name: binpack
//       arguments: { binpack.weight: 10 }
//   configurations:                             # per-action arguments
//   - name: allocate
//     arguments: { predicateErrorCacheEnable: true }
//
// Problems are reported with the path of the offending value. Arguments a plugin does not know
// are kept as warnings (Volcano ignores them), everything else is an error.

import { parseDocument } from 'yaml';
import { Arguments, argumentType, coerceArgument, type ArgumentSpec } from './arguments.js';
import { PLUGIN_FLAGS, type PluginFlag } from './extension-points.js';
import type { PluginOption } from './plugin.js';
import type { Registry } from './registry-types.js';

export interface TierConfig {
  readonly plugins: readonly PluginOption[];
}

export interface SchedulerConfig {
  readonly actions: readonly string[];
  readonly tiers: readonly TierConfig[];
  /** Arguments per action name. */
  readonly configurations: Readonly<Record<string, Arguments>>;
  /** Things that are accepted but probably not meant (unknown arguments, ignored fields). */
  readonly warnings: readonly string[];
}

export interface ConfigIssue {
  /** e.g. `tiers[1].plugins[0].arguments["binpack.weight"]` */
  readonly path: string;
  readonly message: string;
}

export class SchedulerConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`invalid scheduler configuration:\n${issues.map((i) => `  ${i.path === '' ? '' : `${i.path}: `}${i.message}`).join('\n')}`);
    this.name = 'SchedulerConfigError';
  }
}

/** A plugin entry to add to Volcano's default tiers; `arguments` is a YAML flow mapping. */
export interface ExtraPlugin {
  name: string;
  arguments?: string;
}

/**
 * Volcano's default actions and tiers, with `extra` plugins appended to the second tier: the shape
 * of both levels' profiles (the agent adds binpack, the gateway adds domain).
 */
export function volcanoDefaultTiersWith(extra: readonly ExtraPlugin[] = []): string {
  const added = extra.map((p) => `  - name: ${p.name}\n${p.arguments ? `    arguments: ${p.arguments}\n` : ''}`).join('');
  return `actions: "enqueue, allocate, backfill"
tiers:
- plugins:
  - name: priority
  - name: gang
  - name: conformance
- plugins:
  - name: overcommit
  - name: drf
  - name: predicates
  - name: proportion
  - name: nodeorder
${added}`;
}

/** Volcano's compiled-in default configuration. */
export const DEFAULT_SCHEDULER_CONF = `${volcanoDefaultTiersWith()}configurations:
- name: allocate
  arguments:
    predicateErrorCacheEnable: true
`;

export interface ConfigOptions {
  registry: Registry;
}

/** Parses and validates configuration text (YAML or JSON); throws SchedulerConfigError. */
export function parseSchedulerConfig(text: string, opts: ConfigOptions): SchedulerConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new SchedulerConfigError(doc.errors.map((e) => ({ path: '', message: e.message.split('\n')[0] ?? e.message })));
  }
  const result = validateSchedulerConfig(doc.toJS() as unknown, opts);
  if (!result.ok) throw new SchedulerConfigError(result.issues);
  return result.config;
}

export type ConfigResult = { ok: true; config: SchedulerConfig } | { ok: false; issues: ConfigIssue[] };

/** Validates an already-parsed configuration object. */
export function validateSchedulerConfig(raw: unknown, opts: ConfigOptions): ConfigResult {
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const { registry } = opts;
  if (!isRecord(raw)) return { ok: false, issues: [{ path: '', message: 'expected a map with "actions" and "tiers"' }] };

  for (const key of Object.keys(raw)) {
    if (!['actions', 'tiers', 'configurations', 'metrics'].includes(key)) warnings.push(`${key}: unknown field, ignored`);
  }

  const actions: string[] = [];
  if (raw.actions === undefined) {
    issues.push({ path: 'actions', message: 'is required (e.g. "enqueue, allocate, backfill")' });
  } else if (typeof raw.actions !== 'string') {
    issues.push({ path: 'actions', message: 'expected a comma-separated string of action names' });
  } else {
    const names = raw.actions.split(',').map((s) => s.trim());
    names.forEach((name, i) => {
      if (name === '') {
        if (names.length > 1 || raw.actions === '') issues.push({ path: 'actions', message: `empty action name at position ${i + 1}` });
      } else if (registry.actions[name] === undefined) {
        issues.push({ path: 'actions', message: `unknown action "${name}" (known: ${Object.keys(registry.actions).join(', ')})` });
      } else if (actions.includes(name)) {
        issues.push({ path: 'actions', message: `action "${name}" is listed twice` });
      } else {
        actions.push(name);
      }
    });
  }

  const tiers: TierConfig[] = [];
  const seenPlugins = new Map<string, string>();
  if (raw.tiers === undefined) {
    issues.push({ path: 'tiers', message: 'is required: a list of {plugins: [...]}' });
  } else if (!Array.isArray(raw.tiers)) {
    issues.push({ path: 'tiers', message: 'expected a list of {plugins: [...]}' });
  } else {
    raw.tiers.forEach((tier: unknown, ti: number) => {
      const tierPath = `tiers[${ti}]`;
      if (!isRecord(tier) || !Array.isArray(tier.plugins)) {
        issues.push({ path: tierPath, message: 'expected a map with a "plugins" list' });
        return;
      }
      for (const key of Object.keys(tier)) if (key !== 'plugins') issues.push({ path: `${tierPath}.${key}`, message: 'unknown field' });
      const plugins: PluginOption[] = [];
      tier.plugins.forEach((entry: unknown, pi: number) => {
        const option = validatePlugin(entry, `${tierPath}.plugins[${pi}]`, registry, issues, warnings);
        if (option === undefined) return;
        const previous = seenPlugins.get(option.name);
        if (previous !== undefined) {
          issues.push({ path: `${tierPath}.plugins[${pi}].name`, message: `plugin "${option.name}" is already configured at ${previous}` });
          return;
        }
        seenPlugins.set(option.name, `${tierPath}.plugins[${pi}]`);
        plugins.push(option);
      });
      tiers.push({ plugins });
    });
  }

  // Combinations Volcano rejects.
  if (seenPlugins.has('proportion') && seenPlugins.has('capacity')) {
    issues.push({ path: seenPlugins.get('capacity') ?? 'tiers', message: 'plugins "capacity" and "proportion" cannot be configured together' });
  }
  tiers.forEach((tier, ti) => {
    const drf = tier.plugins.find((p) => p.name === 'drf');
    if (drf?.enableHierarchy === true && tier.plugins.some((p) => p.name === 'proportion')) {
      issues.push({ path: `tiers[${ti}]`, message: 'drf with enableHierarchy and proportion cannot be in the same tier' });
    }
  });

  const configurations: Record<string, Arguments> = {};
  if (raw.configurations !== undefined) {
    if (!Array.isArray(raw.configurations)) {
      issues.push({ path: 'configurations', message: 'expected a list of {name, arguments}' });
    } else {
      raw.configurations.forEach((entry: unknown, ci: number) => {
        const path = `configurations[${ci}]`;
        if (!isRecord(entry) || typeof entry.name !== 'string') {
          issues.push({ path, message: 'expected a map with a "name" string' });
          return;
        }
        const action = registry.actions[entry.name];
        if (action === undefined) {
          issues.push({ path: `${path}.name`, message: `unknown action "${entry.name}" (known: ${Object.keys(registry.actions).join(', ')})` });
          return;
        }
        configurations[entry.name] = validateArguments(entry.arguments, action.arguments, `${path}.arguments`, `action "${entry.name}"`, issues, warnings);
      });
    }
  }

  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, config: Object.freeze({ actions: Object.freeze(actions), tiers: Object.freeze(tiers), configurations, warnings: Object.freeze(warnings) }) };
}

function validatePlugin(
  entry: unknown,
  path: string,
  registry: Registry,
  issues: ConfigIssue[],
  warnings: string[],
): PluginOption | undefined {
  if (!isRecord(entry) || typeof entry.name !== 'string' || entry.name === '') {
    issues.push({ path, message: 'expected a map with a "name" string' });
    return undefined;
  }
  const def = registry.plugins[entry.name];
  if (def === undefined) {
    issues.push({ path: `${path}.name`, message: `unknown plugin "${entry.name}" (known: ${Object.keys(registry.plugins).join(', ')})` });
    return undefined;
  }
  const flags: Partial<Record<PluginFlag, boolean>> = {};
  let enableHierarchy = false;
  let args = new Arguments();
  for (const [key, value] of Object.entries(entry)) {
    if (key === 'name') continue;
    if (key === 'arguments') {
      args = validateArguments(value, def.arguments, `${path}.arguments`, `plugin "${entry.name}"`, issues, warnings);
    } else if (key === 'enableHierarchy' || (PLUGIN_FLAGS as readonly string[]).includes(key)) {
      if (typeof value !== 'boolean') {
        issues.push({ path: `${path}.${key}`, message: `expected true or false, got ${JSON.stringify(value)}` });
      } else if (key === 'enableHierarchy') {
        enableHierarchy = value;
      } else {
        flags[key as PluginFlag] = value;
      }
    } else {
      issues.push({ path: `${path}.${key}`, message: `unknown field (option flags are ${PLUGIN_FLAGS.slice(0, 3).join(', ')}, ...; arguments go under "arguments")` });
    }
  }
  return Object.freeze({ name: entry.name, flags: Object.freeze(flags), enableHierarchy, arguments: args });
}

function validateArguments(
  raw: unknown,
  spec: ArgumentSpec,
  path: string,
  owner: string,
  issues: ConfigIssue[],
  warnings: string[],
): Arguments {
  if (raw === undefined || raw === null) return new Arguments();
  if (!isRecord(raw)) {
    issues.push({ path, message: 'expected a map of argument names to values' });
    return new Arguments();
  }
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    const argPath = `${path}[${JSON.stringify(name)}]`;
    const type = argumentType(spec, name);
    if (type === undefined) {
      warnings.push(`${argPath}: ${owner} has no argument "${name}"; ignored`);
      continue;
    }
    if (type === 'ignored') continue;
    const coerced = coerceArgument(type, value);
    if (coerced.ok) values[name] = coerced.value;
    else issues.push({ path: argPath, message: coerced.error });
  }
  return new Arguments(values);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
