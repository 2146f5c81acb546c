import {
  createFrontendPlugin,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';

import { rootRouteRef } from './routes';

export const page = PageBlueprint.make({
  params: {
    path: '/blue-green',
    routeRef: rootRouteRef,
    loader: () =>
      import('./components/TodoPage').then(m => (
        <m.TodoPage />
      )),
  },
});

export const blueGreenPlugin = createFrontendPlugin({
  pluginId: 'blue-green',
  extensions: [page],
  routes: {
    root: rootRouteRef,
  }
});
