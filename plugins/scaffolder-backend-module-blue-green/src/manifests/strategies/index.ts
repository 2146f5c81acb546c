import type { BlueGreenStrategy } from '@bluegreen-backstage/plugin-blue-green-common';
import type { ManifestStrategy } from '../spec';
import { argoRolloutsManifests } from './argoRollouts';
import { istioManifests } from './istio';
import { serviceSelectorManifests } from './serviceSelector';

/** The manifests of each switch mechanism. */
export const MANIFEST_STRATEGIES: Record<BlueGreenStrategy, ManifestStrategy> =
  {
    'service-selector': serviceSelectorManifests,
    'argo-rollouts': argoRolloutsManifests,
    istio: istioManifests,
  };
