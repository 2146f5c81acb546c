/**
 * Blue/Green frontend plugin: the entity tab and the fleet page (legacy frontend system here, new frontend system in
 * `/alpha`).
 *
 * @packageDocumentation
 */
export {
  BlueGreenFleetPage,
  blueGreenPlugin,
  EntityBlueGreenCard,
  EntityBlueGreenContent,
  isBlueGreenAvailable,
} from './plugin';
export { blueGreenApiRef, BlueGreenClient } from './api';
export type { BlueGreenApi, MonitoringArtifact } from './api';
export { BlueGreenIcon } from './components/BlueGreenIcon';
