/**
 * A real Kubernetes control plane for tests: see scripts/control-plane.sh.
 */
export { startControlPlane, CONTROL_PLANE_SCRIPT } from './startControlPlane';
export type { ControlPlane } from './startControlPlane';
export { loadSeeds } from './seeds';
export { KubeApi } from './kubeApi';
