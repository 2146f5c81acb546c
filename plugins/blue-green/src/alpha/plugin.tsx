import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { isBlueGreenEntity } from '@bluegreen-backstage/plugin-blue-green-common';
import { blueGreenApiRef, BlueGreenClient } from '../api';
import { BlueGreenIcon } from '../components/BlueGreenIcon';
import { fleetRouteRef, rootRouteRef } from '../routes';

/** @alpha */
export const blueGreenApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: blueGreenApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new BlueGreenClient(deps),
    }),
});

/** @alpha */
export const entityBlueGreenContent = EntityContentBlueprint.make({
  params: {
    path: '/blue-green',
    title: 'Blue/Green',
    routeRef: rootRouteRef,
    filter: isBlueGreenEntity,
    loader: () =>
      import('../components/BlueGreenContent').then(m => (
        <m.BlueGreenContent />
      )),
  },
});

/** @alpha */
export const entityBlueGreenCard = EntityCardBlueprint.make({
  name: 'overview',
  params: {
    type: 'info',
    filter: isBlueGreenEntity,
    loader: () =>
      import('../components/EntityBlueGreenCard').then(m => (
        <m.EntityBlueGreenCard />
      )),
  },
});

/**
 * The fleet page, with a nav item: every blue/green service across clusters.
 *
 * @alpha
 */
export const blueGreenFleetPage = PageBlueprint.make({
  params: {
    path: '/blue-green',
    title: 'Blue/Green',
    icon: <BlueGreenIcon />,
    routeRef: fleetRouteRef,
    // The page has its own header, as in the legacy app.
    noHeader: true,
    loader: () => import('../components/FleetPage').then(m => <m.FleetPage />),
  },
});

/**
 * The Blue/Green frontend plugin for apps on the new frontend system.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'blue-green',
  title: 'Blue/Green',
  info: { packageJson: () => import('../../package.json') },
  extensions: [
    blueGreenApi,
    entityBlueGreenContent,
    entityBlueGreenCard,
    blueGreenFleetPage,
  ],
  routes: { root: rootRouteRef, fleet: fleetRouteRef },
});
