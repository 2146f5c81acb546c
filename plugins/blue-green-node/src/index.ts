/**
 * Node.js library of the Blue/Green plugins: the gateway to Kubernetes clusters, shared by the
 * backend plugin and the scaffolder module.
 *
 * @packageDocumentation
 */

export {
  KubernetesGateway,
  readKubernetesClusterConfig,
} from './kubernetes/KubernetesGateway';
export type { KubernetesClusterConfig } from './kubernetes/KubernetesGateway';
export type {
  KubeClient,
  KubeObject,
  JsonPatchOperation,
  PatchType,
} from './kubernetes/KubeClient';
export { KUBE_RESOURCES, resourceOf } from './kubernetes/resources';
export type { KubeResource } from './kubernetes/resources';
