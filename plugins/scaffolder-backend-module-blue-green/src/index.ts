/**
 * Scaffolder actions for blue/green services: render the manifests of a strategy and the
 * catalog-info.yaml, apply them to a configured cluster, publish them for the catalog without a
 * Git host, and promote, roll back or wait for checks through the Blue/Green backend.
 *
 * @packageDocumentation
 */

export { scaffolderModuleBlueGreen as default } from './module';
export { renderService } from './manifests/render';
export type { RenderedService } from './manifests/render';
export type { BlueGreenServiceSpec, ServiceNames } from './manifests/spec';
