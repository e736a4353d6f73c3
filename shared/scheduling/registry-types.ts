// The shape of a registry of actions and plugins (the registry itself is registry.ts).

import type { Action, PluginDefinition } from './plugin.js';

export interface Registry {
  readonly actions: Readonly<Record<string, Action>>;
  readonly plugins: Readonly<Record<string, PluginDefinition>>;
}
