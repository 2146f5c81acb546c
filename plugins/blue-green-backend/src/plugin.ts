import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { blueGreenPermissions } from '@bluegreen-backstage/plugin-blue-green-common';
import { createRouter } from './router';

/**
 * The Blue/Green backend plugin, mounted at `/api/blue-green`.
 *
 * @public
 */
export const blueGreenPlugin = createBackendPlugin({
  pluginId: 'blue-green',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        permissionsRegistry: coreServices.permissionsRegistry,
      },
      async init({ httpRouter, permissionsRegistry }) {
        permissionsRegistry.addPermissions(blueGreenPermissions);
        httpRouter.use(await createRouter());
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
