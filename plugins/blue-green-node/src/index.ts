/**
 * Node.js library of the Blue/Green plugins: the gateway to Kubernetes clusters and its shared
 * primitives (label selectors, quantities), and the switch strategy interface with the extension
 * point a backend module adds strategies through.
 *
 * @packageDocumentation
 */

export { KubernetesGateway } from './kubernetes/KubernetesGateway';
export { kubernetesPluginClustersServiceRef } from './kubernetes/KubernetesPluginClusters';
export type {
  KubernetesPluginClusters,
  KubernetesPluginMachinery,
} from './kubernetes/KubernetesPluginClusters';
export { userClusterAuthMiddleware } from './kubernetes/userClusterAuth';
export type {
  KubeClient,
  KubeWatch,
  WatchEvent,
  WatchOptions,
  KubeObject,
  JsonPatchOperation,
  ListOptions,
  PatchType,
} from './kubernetes/KubeClient';
export { KUBE_RESOURCES, resourceOf } from './kubernetes/resources';
export type { KubeResource } from './kubernetes/resources';
export {
  formatLabelSelector,
  labelSelectorOf,
  matchesLabels,
  parseLabelSelector,
} from './kubernetes/labelSelectors';
export type {
  LabelRequirement,
  LabelSelector,
  LabelSelectorObject,
} from './kubernetes/labelSelectors';
export { parseQuantity, podRequests } from './kubernetes/quantity';
export { blueGreenStrategiesExtensionPoint } from './strategies/extensionPoint';
export type { BlueGreenStrategiesExtensionPoint } from './strategies/extensionPoint';
export type {
  DeployChange,
  EntityObject,
  FleetListCall,
  MetricGroup,
  SentRequest,
  StrategySnapshot,
  SwitchPlan,
  SwitchStrategy,
  SwitchWrite,
  Verification,
} from './strategies/SwitchStrategy';
export { NamespacePolicy } from './ownership/NamespacePolicy';
export type { NamespaceRule } from './ownership/NamespacePolicy';
