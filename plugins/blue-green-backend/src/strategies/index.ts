import { BlueGreenStrategy } from '@bluegreen-backstage/plugin-blue-green-common';
import { argoRolloutsStrategy } from './argoRollouts';
import { istioStrategy } from './istio';
import { serviceSelectorStrategy } from './serviceSelector';
import { SwitchStrategyHandler } from './types';

/** The switch mechanisms, by the value of `blue-green.backstage.io/strategy`. */
export const STRATEGIES: Record<BlueGreenStrategy, SwitchStrategyHandler> = {
  'service-selector': serviceSelectorStrategy,
  'argo-rollouts': argoRolloutsStrategy,
  istio: istioStrategy,
};

export type {
  SentRequest,
  StrategySnapshot,
  SwitchPlan,
  SwitchStrategyHandler,
  Verification,
} from './types';
