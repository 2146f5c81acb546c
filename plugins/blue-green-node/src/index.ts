/**
 * Node.js library of the Blue/Green plugins: the gateway to Kubernetes clusters, shared by the
 * backend plugin and the scaffolder module.
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
  KubeObject,
  JsonPatchOperation,
  PatchType,
} from './kubernetes/KubeClient';
export { KUBE_RESOURCES, resourceOf } from './kubernetes/resources';
export type { KubeResource } from './kubernetes/resources';
