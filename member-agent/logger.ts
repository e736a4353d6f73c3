/**
 * The logging surface the agent's parts take: pino's call shape (`log.info({ job, epoch }, 'msg')`),
 * so the process passes a pino logger and tests pass nothing.
 */
export interface AgentLogger {
  debug(obj: Record<string, unknown>, msg?: string): void;
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

const noop = (): void => {};

export const silentLogger: AgentLogger = { debug: noop, info: noop, warn: noop, error: noop };

/** Error details for a log line. */
export function errorFields(err: unknown): Record<string, unknown> {
  return err instanceof Error ? { err: err.message } : { err: String(err) };
}
