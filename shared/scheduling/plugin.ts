// What a plugin and an action are. A plugin registers typed callbacks on the session when it
// opens; an action walks the session and decides through statements.

import type { ArgumentSpec, Arguments } from './arguments.js';
import type { PluginFlag } from './extension-points.js';
import type { Session } from './session.js';

/** One plugin entry of a tier, as configured. */
export interface PluginOption {
  readonly name: string;
  /** Option flags given in the configuration; an absent flag means true. */
  readonly flags: Readonly<Partial<Record<PluginFlag, boolean>>>;
  readonly enableHierarchy: boolean;
  readonly arguments: Arguments;
}

export interface SchedulerPlugin {
  readonly name: string;
  /** Registers callbacks with `ssn.add(this.name, point, fn)` and builds per-cycle state. */
  onSessionOpen(ssn: Session): void;
  /** Writes what the plugin reports at the end of the cycle (conditions, queue shares, ...). */
  onSessionClose?(ssn: Session): void;
}

export interface PluginDefinition {
  readonly name: string;
  /** One line for documentation and `--help`. */
  readonly description: string;
  readonly arguments: ArgumentSpec;
  /** A fresh plugin instance for one cycle. */
  create(option: PluginOption): SchedulerPlugin;
}

export interface Action {
  readonly name: string;
  readonly description: string;
  /** Arguments accepted under `configurations: [{name: <action>, arguments: {...}}]`. */
  readonly arguments: ArgumentSpec;
  execute(ssn: Session): void;
}
