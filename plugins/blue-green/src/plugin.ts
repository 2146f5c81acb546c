import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { isBlueGreenEntity } from '@bluegreen-backstage/plugin-blue-green-common';
import { blueGreenApiRef, BlueGreenClient } from './api';
import { fleetRouteRef, rootRouteRef } from './routes';

/**
 * The Blue/Green frontend plugin for apps on the legacy frontend system.
 *
 * @public
 */
export const blueGreenPlugin = createPlugin({
  id: 'blue-green',
  apis: [
    createApiFactory({
      api: blueGreenApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new BlueGreenClient(deps),
    }),
  ],
  routes: { root: rootRouteRef, fleet: fleetRouteRef },
});

/**
 * The Blue/Green tab for entity pages.
 *
 * @public
 */
export const EntityBlueGreenContent = blueGreenPlugin.provide(
  createRoutableExtension({
    name: 'EntityBlueGreenContent',
    component: () =>
      import('./components/BlueGreenContent').then(m => m.BlueGreenContent),
    mountPoint: rootRouteRef,
  }),
);

/**
 * A compact Blue/Green card for the entity overview tab.
 *
 * @public
 */
export const EntityBlueGreenCard = blueGreenPlugin.provide(
  createComponentExtension({
    name: 'EntityBlueGreenCard',
    component: {
      lazy: () =>
        import('./components/EntityBlueGreenCard').then(
          m => m.EntityBlueGreenCard,
        ),
    },
  }),
);

/**
 * Whether an entity carries the Blue/Green annotations, for `EntitySwitch.Case if={...}`.
 *
 * @public
 */
export const isBlueGreenAvailable = (entity: Entity) =>
  isBlueGreenEntity(entity);

/**
 * The fleet page: every blue/green service across clusters. Mount it at a path of your choice,
 * e.g. `<Route path="/blue-green" element={<BlueGreenFleetPage />} />`, with a sidebar item
 * `<SidebarItem icon={BlueGreenIcon} to="blue-green" text="Blue/Green" />`.
 *
 * @public
 */
export const BlueGreenFleetPage = blueGreenPlugin.provide(
  createRoutableExtension({
    name: 'BlueGreenFleetPage',
    component: () => import('./components/FleetPage').then(m => m.FleetPage),
    mountPoint: fleetRouteRef,
  }),
);
