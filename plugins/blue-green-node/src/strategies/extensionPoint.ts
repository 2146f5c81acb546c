import { createExtensionPoint } from '@backstage/backend-plugin-api';
import type { SwitchStrategy } from './SwitchStrategy';

/**
 * Adds switch strategies to the Blue/Green backend plugin.
 *
 * @public
 */
export interface BlueGreenStrategiesExtensionPoint {
  /** Makes `strategy.name` a valid value of the strategy annotation. */
  addStrategy(strategy: SwitchStrategy): void;
}

/**
 * The extension point of the Blue/Green backend plugin's switch strategies: a backend module
 * registers a strategy (say, a cloud load balancer's target groups) and entities annotated with
 * its name are read, switched, checked and shown in the fleet like the built-in ones.
 *
 * @public
 */
export const blueGreenStrategiesExtensionPoint =
  createExtensionPoint<BlueGreenStrategiesExtensionPoint>({
    id: 'blue-green.strategies',
  });
