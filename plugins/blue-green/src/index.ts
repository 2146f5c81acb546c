/**
 * Blue/Green frontend plugin: the entity tab (legacy frontend system here, new frontend system in
 * `/alpha`).
 *
 * @packageDocumentation
 */
export {
  blueGreenPlugin,
  EntityBlueGreenCard,
  EntityBlueGreenContent,
  isBlueGreenAvailable,
} from './plugin';
export { blueGreenApiRef, BlueGreenClient } from './api';
export type { BlueGreenApi } from './api';
