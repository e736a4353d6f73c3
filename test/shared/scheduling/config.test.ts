// Scheduler configuration: Volcano's YAML, its default, validation errors with paths, and
// extending the registry with a custom plugin and action.
import t from 'tap';
import { DEFAULT_SCHEDULER_CONF, SchedulerConfigError, parseSchedulerConfig, validateSchedulerConfig } from '../../../shared/scheduling/config.js';
import type { Action, PluginDefinition } from '../../../shared/scheduling/plugin.js';
import { defaultRegistry, extendRegistry } from '../../../shared/scheduling/registry.js';
import { defaultSchedulerConfig } from '../../../shared/scheduling/run-cycle.js';
import { bindsOf, cycle, evictionsOf, makeJob, makeNode, nodes4Cpu8Gi, snapshotOf } from '../../support/scheduling-builders.js';

const registry = defaultRegistry;

function issuesOf(text: string): { path: string; message: string }[] {
  try {
    parseSchedulerConfig(text, { registry });
  } catch (err) {
    if (err instanceof SchedulerConfigError) return err.issues.map((i) => ({ path: i.path, message: i.message }));
    throw err;
  }
  throw new Error('configuration was accepted');
}

t.test('the default configuration is Volcano\'s compiled-in default', async (t) => {
  const c = defaultSchedulerConfig();
  t.same(c.actions, ['enqueue', 'allocate', 'backfill']);
  t.same(c.tiers.map((tier) => tier.plugins.map((p) => p.name)), [
    ['priority', 'gang', 'conformance'],
    ['overcommit', 'drf', 'predicates', 'proportion', 'nodeorder'],
  ]);
  t.equal(c.configurations.allocate?.boolean('predicateErrorCacheEnable', false), true);
  t.same(c.warnings, []);
  t.match(DEFAULT_SCHEDULER_CONF, /^actions: "enqueue, allocate, backfill"/);
});

t.test('a Helm-style configuration with flags and typed arguments parses', async (t) => {
  const c = parseSchedulerConfig(`
actions: "enqueue, allocate, backfill, preempt, reclaim"
tiers:
- plugins:
  - name: priority
  - name: gang
    enablePreemptable: false
  - name: conformance
- plugins:
  - name: overcommit
    arguments: { overcommit-factor: "1.5" }
  - name: drf
    enablePreemptable: false
  - name: predicates
    arguments: { predicate.GPUSharingEnable: true }
  - name: proportion
  - name: nodeorder
    arguments: { leastrequested.weight: 2 }
  - name: binpack
    arguments: { binpack.weight: 10, binpack.resources: "nvidia.com/gpu", binpack.resources.nvidia.com/gpu: 5 }
`, { registry });
  t.same(c.actions, ['enqueue', 'allocate', 'backfill', 'preempt', 'reclaim']);
  const gang = c.tiers[0]!.plugins[1]!;
  t.same(gang.flags, { enablePreemptable: false });
  const overcommit = c.tiers[1]!.plugins[0]!;
  t.equal(overcommit.arguments.number('overcommit-factor', 0), 1.5, 'numeric strings become numbers');
  t.equal(c.tiers[1]!.plugins[5]!.arguments.number('binpack.resources.nvidia.com/gpu', 0), 5);
  t.same(c.warnings, []);
});

const bad: { name: string; text: string; want: { path: string; message: RegExp }[] }[] = [
  {
    name: 'unknown action',
    text: 'actions: "enqueue, alocate"\ntiers: []\n',
    want: [{ path: 'actions', message: /^unknown action "alocate" \(known: enqueue, allocate, backfill, preempt, reclaim\)$/ }],
  },
  {
    name: 'unknown plugin, with its path',
    text: 'actions: "allocate"\ntiers:\n- plugins:\n  - name: gang\n  - name: gnag\n',
    want: [{ path: 'tiers[0].plugins[1].name', message: /^unknown plugin "gnag"/ }],
  },
  {
    name: 'argument of the wrong type',
    text: 'actions: "allocate"\ntiers:\n- plugins:\n  - name: gang\n- plugins:\n  - name: binpack\n    arguments: { binpack.weight: heavy }\n',
    want: [{ path: 'tiers[1].plugins[0].arguments["binpack.weight"]', message: /^expected a number, got "heavy"$/ }],
  },
  {
    name: 'duration argument that is not a duration',
    text: 'actions: "allocate"\ntiers:\n- plugins:\n  - name: sla\n    arguments: { sla-waiting-time: soon }\n',
    want: [{ path: 'tiers[0].plugins[0].arguments["sla-waiting-time"]', message: /expected a duration/ }],
  },
  {
    name: 'enum argument out of range',
    text: 'actions: "allocate"\ntiers:\n- plugins:\n  - name: domain\n    arguments: { domain.strategy: scatter }\n',
    want: [{ path: 'tiers[0].plugins[0].arguments["domain.strategy"]', message: /expected one of "pack", "spread"/ }],
  },
  {
    name: 'misspelt option flag',
    text: 'actions: "allocate"\ntiers:\n- plugins:\n  - name: gang\n    enableJobOrdr: false\n',
    want: [{ path: 'tiers[0].plugins[0].enableJobOrdr', message: /^unknown field/ }],
  },
  {
    name: 'flag that is not a boolean',
    text: 'actions: "allocate"\ntiers:\n- plugins:\n  - name: gang\n    enableJobOrder: "no"\n',
    want: [{ path: 'tiers[0].plugins[0].enableJobOrder', message: /^expected true or false/ }],
  },
  {
    name: 'a plugin configured twice',
    text: 'actions: "allocate"\ntiers:\n- plugins:\n  - name: gang\n- plugins:\n  - name: gang\n',
    want: [{ path: 'tiers[1].plugins[0].name', message: /already configured at tiers\[0\].plugins\[0\]/ }],
  },
  {
    name: 'capacity together with proportion',
    text: 'actions: "allocate"\ntiers:\n- plugins:\n  - name: proportion\n  - name: capacity\n',
    want: [{ path: 'tiers[0].plugins[1]', message: /cannot be configured together/ }],
  },
  {
    name: 'hierarchical drf in the same tier as proportion',
    text: 'actions: "allocate"\ntiers:\n- plugins:\n  - name: drf\n    enableHierarchy: true\n  - name: proportion\n',
    want: [{ path: 'tiers[0]', message: /enableHierarchy and proportion/ }],
  },
  {
    name: 'actions as a list and tiers missing',
    text: 'actions: [allocate]\n',
    want: [
      { path: 'actions', message: /comma-separated string/ },
      { path: 'tiers', message: /is required/ },
    ],
  },
  {
    name: 'configurations for an unknown action, and a bad action argument',
    text: 'actions: "allocate"\ntiers: []\nconfigurations:\n- name: shuffle\n- name: allocate\n  arguments: { predicateErrorCacheEnable: maybe }\n',
    want: [
      { path: 'configurations[0].name', message: /unknown action "shuffle"/ },
      { path: 'configurations[1].arguments["predicateErrorCacheEnable"]', message: /expected a boolean/ },
    ],
  },
];

for (const c of bad) {
  t.test(`invalid configuration is reported with its path: ${c.name}`, async (t) => {
    const issues = issuesOf(c.text);
    t.equal(issues.length, c.want.length, JSON.stringify(issues));
    c.want.forEach((w, i) => {
      t.equal(issues[i]?.path, w.path);
      t.match(issues[i]?.message, w.message);
    });
  });
}

t.test('YAML syntax errors are configuration errors, and the error message lists every issue', async (t) => {
  t.throws(() => parseSchedulerConfig('actions: "allocate\ntiers: [', { registry }), SchedulerConfigError);
  try {
    parseSchedulerConfig('actions: "nope"\ntiers:\n- plugins:\n  - name: nada\n', { registry });
    t.fail('accepted');
  } catch (err) {
    t.match((err as Error).message, /invalid scheduler configuration:\n {2}actions: unknown action "nope".*\n {2}tiers\[0\]\.plugins\[0\]\.name: unknown plugin "nada"/s);
  }
});

t.test('arguments a plugin does not know are accepted with a warning', async (t) => {
  const c = parseSchedulerConfig('actions: "allocate"\ntiers:\n- plugins:\n  - name: binpack\n    arguments: { binpack.wieght: 3 }\nmetricz: {}\n', { registry });
  t.same(c.warnings, ['metricz: unknown field, ignored', 'tiers[0].plugins[0].arguments["binpack.wieght"]: plugin "binpack" has no argument "binpack.wieght"; ignored']);
  t.equal(validateSchedulerConfig('nope', { registry }).ok, false);
});

// A custom plugin is one definition and one registry entry: this one keeps tasks off nodes in maintenance.
const maintenancePlugin: PluginDefinition = {
  name: 'maintenance',
  description: 'avoids nodes labelled maintenance=true',
  arguments: { known: { 'maintenance.label': 'string' } },
  create: (option) => {
    const label = option.arguments.string('maintenance.label', 'maintenance');
    return {
      name: 'maintenance',
      onSessionOpen(ssn) {
        ssn.add('maintenance', 'predicate', (_shape, node) => (node.labels[label] === 'true' ? 'node(s) were in maintenance' : undefined));
      },
    };
  },
};

// A custom action: evicts every running task of jobs annotated drain=true.
const drainAction: Action = {
  name: 'drain',
  description: 'evicts running tasks of jobs annotated drain=true',
  arguments: {},
  execute(ssn) {
    const stmt = ssn.statement();
    for (const job of ssn.jobs) {
      if (job.annotations.drain !== 'true') continue;
      for (const task of job.tasks) if (task.status === 'Running') stmt.evict(task, 'drained');
    }
    stmt.commit();
  },
};

t.test('a custom plugin and a custom action join through the registry', async (t) => {
  const custom = extendRegistry(defaultRegistry, { plugins: [maintenancePlugin], actions: [drainAction] });
  const config = 'actions: "allocate, drain"\ntiers:\n- plugins:\n  - name: gang\n  - name: maintenance\n    arguments: { maintenance.label: repair }\n- plugins:\n  - name: predicates\n  - name: nodeorder\n';
  t.throws(() => parseSchedulerConfig(config, { registry }), SchedulerConfigError, 'unknown to the default registry');
  const r = cycle(snapshotOf({
    nodes: [makeNode('a').cpu('4').memory('8Gi').label('repair', 'true').build(), makeNode('b').cpu('4').memory('8Gi').otherUsed({ cpu: '2' }).build()],
    jobs: [
      makeJob('j').phase('Inqueue').tasks(1, { cpu: '1' }),
      makeJob('old').phase('Running').annotation('drain', 'true').placed('Running', 'b', { cpu: '0.5' }),
    ],
  }), { config, registry: custom });
  t.same(bindsOf(r), ['default/j/worker-0->b']);
  t.same(evictionsOf(r), ['default/old/worker-0@b']);
  const blocked = cycle(snapshotOf({ nodes: [makeNode('a').cpu('4').memory('8Gi').label('repair', 'true').build()], jobs: [makeJob('j').phase('Inqueue').tasks(1, { cpu: '1' })] }), { config, registry: custom });
  t.match(blocked.diagnostics[0]?.message, /1 node\(s\) were in maintenance/);
});

t.test('the shipped registry holds the documented actions and plugins', async (t) => {
  t.same(Object.keys(defaultRegistry.actions), ['enqueue', 'allocate', 'backfill', 'preempt', 'reclaim']);
  t.same(Object.keys(defaultRegistry.plugins).sort(), ['binpack', 'capacity', 'conformance', 'domain', 'drf', 'gang', 'nodeorder', 'overcommit', 'predicates', 'priority', 'proportion', 'sla']);
  t.equal(bindsOf(cycle(snapshotOf({ nodes: nodes4Cpu8Gi(1), jobs: [makeJob('j').tasks(1, { cpu: '1' })] }))).length, 1);
});
