/*
 * The demo backend: Backstage's catalog, Kubernetes, permissions, scaffolder, notifications and
 * signals, guest sign-in for local use, and the Blue/Green plugin.
 */

import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// auth: guest sign-in for local use (https://backstage.io/docs/auth/guest/provider)
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

// catalog
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

// scaffolder
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-notifications'),
);
backend.add(
  import('@bluegreen-backstage/plugin-scaffolder-backend-module-blue-green'),
);

// permissions
backend.add(import('@backstage/plugin-permission-backend'));
// Owners may switch their own services; the platform team may also force (see the module).
backend.add(import('./modules/permissionPolicy'));

// search
backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-pg'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
backend.add(import('@backstage/plugin-search-backend-module-techdocs'));
backend.add(import('@backstage/plugin-techdocs-backend'));

// events: lets signals and notifications reach every backend instance
backend.add(import('@backstage/plugin-events-backend'));

// kubernetes
backend.add(import('@backstage/plugin-kubernetes-backend'));

// user settings, notifications and signals
backend.add(import('@backstage/plugin-user-settings-backend'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// MCP actions
backend.add(import('@backstage/plugin-mcp-actions-backend'));

// Blue/Green
backend.add(import('@bluegreen-backstage/plugin-blue-green-backend'));

backend.start();
