/** The table of `caldera` subcommands: name, one-line summary, and a loader for its module. */
export interface Command {
  name: string;
  summary: string;
  /** runs the command and resolves to the process exit code (long-running servers resolve when stopped) */
  run(args: string[]): Promise<number>;
}

export const commands: Command[] = [
  {
    name: 'gateway',
    summary: 'run the federation gateway (HTTP API, global scheduler, dispatch)',
    run: async (args) => (await import('../gateway/main.js')).main(args),
  },
  {
    name: 'agent',
    summary: 'run the member agent of one cluster (Volcano controllers, gang scheduler, gateway link)',
    run: async (args) => (await import('../member-agent/main.js')).main(args),
  },
  {
    name: 'sim-cluster',
    summary: 'run a simulated member cluster (Kubernetes API + simulated kubelets) for tests and demos',
    run: async (args) => (await import('../member-agent/sim/main.js')).main(args),
  },
  {
    name: 'dev',
    summary: 'start a whole federation on this machine (embedded Redis, gateway, 3 simulated clusters with agents)',
    run: async (args) => (await import('./dev-federation.js')).devCommand(args),
  },
  {
    name: 'submit',
    summary: 'submit Volcano Jobs and Queues from a file or standard input',
    run: async (args) => (await import('./commands/submit.js')).submitCommand(args),
  },
  {
    name: 'get',
    summary: 'list jobs, queues or member clusters (-o json|yaml|wide|name)',
    run: async (args) => (await import('./commands/get.js')).getCommand(args),
  },
  {
    name: 'describe',
    summary: 'show a job in detail, with why it is pending, cluster by cluster',
    run: async (args) => (await import('./commands/describe.js')).describeCommand(args),
  },
  {
    name: 'delete',
    summary: 'delete jobs (terminated in their cluster first) or queues',
    run: async (args) => (await import('./commands/delete.js')).deleteCommand(args),
  },
  {
    name: 'queue',
    summary: 'create, open or close a queue',
    run: async (args) => (await import('./commands/queue.js')).queueCommand(args),
  },
  {
    name: 'watch',
    summary: 'stream job changes live',
    run: async (args) => (await import('./commands/watch.js')).watchCommand(args),
  },
];

export function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: caldera <command> [flags]\n\nCommands:\n${lines.join('\n')}\n\nRun "caldera <command> --help" for a command's flags.\n`;
}
