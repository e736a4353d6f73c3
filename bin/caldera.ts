#!/usr/bin/env node
/**
 * The one `caldera` executable. Each subcommand lives in its own module and is loaded on demand,
 * so `caldera get jobs` does not pay for the gateway's start-up.
 */
import { commands, usage } from '../cli/command-table.js';
import { CliError } from '../cli/cli-error.js';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`caldera: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return cmd.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => { if (code !== undefined) process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`caldera: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = err instanceof CliError ? err.exitCode : 1;
  },
);
