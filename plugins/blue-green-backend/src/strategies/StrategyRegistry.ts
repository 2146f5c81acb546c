import { InputError } from '@backstage/errors';
import { StrategyCapabilities } from '@bluegreen-backstage/plugin-blue-green-common';
import { SwitchStrategy } from '@bluegreen-backstage/plugin-blue-green-node';
import { argoRolloutsStrategy } from './argoRollouts/argoRolloutsStrategy';
import { istioStrategy } from './istio/istioStrategy';
import { serviceSelectorStrategy } from './serviceSelector/serviceSelectorStrategy';

/** The strategies the plugin ships with. */
export const BUILT_IN_STRATEGIES: SwitchStrategy[] = [
  serviceSelectorStrategy,
  argoRolloutsStrategy,
  istioStrategy,
];

/**
 * The switch strategies, by the value of `blue-green.backstage.io/strategy`: the built-in ones
 * and those backend modules added through `blueGreenStrategiesExtensionPoint`.
 */
export class StrategyRegistry {
  readonly #strategies = new Map<string, SwitchStrategy>();

  constructor(strategies: SwitchStrategy[] = BUILT_IN_STRATEGIES) {
    for (const strategy of strategies) this.add(strategy);
  }

  /** Adds a strategy; its name must be new and fit in the annotation. */
  add(strategy: SwitchStrategy): void {
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(strategy.name)) {
      throw new Error(
        `blue/green strategy name "${strategy.name}" must be lower-case letters, digits and '-'`,
      );
    }
    if (this.#strategies.has(strategy.name)) {
      throw new Error(`blue/green strategy ${strategy.name} is already added`);
    }
    this.#strategies.set(strategy.name, strategy);
  }

  /** Every strategy name, the annotation values the plugin accepts. */
  names(): string[] {
    return [...this.#strategies.keys()];
  }

  /** The names of the strategies that have a capability, for messages that say where to look. */
  supporting(capability: keyof StrategyCapabilities): string[] {
    return [...this.#strategies.values()]
      .filter(s => s.capabilities[capability])
      .map(s => s.name);
  }

  get(name: string): SwitchStrategy {
    const strategy = this.#strategies.get(name);
    if (!strategy) {
      throw new InputError(
        `strategy "${name}" is not one of ${this.names().join(', ')}`,
      );
    }
    return strategy;
  }
}
