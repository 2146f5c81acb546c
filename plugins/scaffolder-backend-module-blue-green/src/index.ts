/**
 * Scaffolder actions for blue/green services: render the manifests of a strategy and the
 * catalog-info.yaml, apply them to a configured cluster, publish them for the catalog without a
 * Git host, and promote, roll back or wait for checks through the Blue/Green backend.
 *
 * @packageDocumentation
 */

export { scaffolderModuleBlueGreen as default } from './module';
export { createRenderAction } from './actions/render';
export { createApplyAction } from './actions/apply';
export { createPublishLocalAction } from './actions/publishLocal';
export { createSwitchAction } from './actions/switch';
export { createWaitForChecksAction } from './actions/waitForChecks';
export { renderService } from './manifests/render';
export type { BlueGreenServiceSpec } from './manifests/spec';
