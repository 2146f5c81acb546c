/**
 * A local Kubernetes sandbox for the Blue/Green demo and tests.
 *
 * @packageDocumentation
 */
export { startSandbox } from './sandbox';
export { kubernetesConfig } from './backstageConfig';
export type { Sandbox, SandboxOptions, SandboxAddress } from './sandbox';
export { startPrometheus } from './prometheus';
export type { PrometheusOptions, RunningPrometheus } from './prometheus';
export { ApiFaults } from './api/faults';
export type { FaultRule, FaultKind, FaultState } from './api/faults';
export { ApiRequestLog } from './api/requestLog';
export type { LoggedRequest } from './api/requestLog';
export {
  attributeKey,
  grants,
  rbacAttributes,
  readManifests,
} from './api/rbac';
export type { PolicyRule, RbacAttributes } from './api/rbac';
export { FAULT_ANNOTATIONS, FAULT_PREFIX } from './runtime/faultAnnotations';
export { KNOWN_REPOSITORIES, KNOWN_TAG } from './runtime/images';
export { LOOPBACK_ANNOTATION, TRAFFIC_RPS_ANNOTATION } from './runtime/network';
export {
  ENTITY_ANNOTATION,
  fixture,
  FIXTURES_DIR,
  SEED_BINDINGS,
} from './scenarios';
export type { Scenario } from './scenarios';
export { startControlPlane, loadSeeds, KubeApi } from './controlPlane';
export type { ControlPlane } from './controlPlane';
