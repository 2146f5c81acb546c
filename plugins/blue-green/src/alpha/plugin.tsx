import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { isBlueGreenEntity } from '@bluegreen-backstage/plugin-blue-green-common';
import { blueGreenApiRef, BlueGreenClient } from '../api';
import { rootRouteRef } from '../routes';

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
 * The Blue/Green frontend plugin for apps on the new frontend system.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'blue-green',
  title: 'Blue/Green',
  info: { packageJson: () => import('../../package.json') },
  extensions: [blueGreenApi, entityBlueGreenContent, entityBlueGreenCard],
  routes: { root: rootRouteRef },
});
