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
];

export function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: caldera <command> [flags]\n\nCommands:\n${lines.join('\n')}\n\nRun "caldera <command> --help" for a command's flags.\n`;
}
