import { createPermission } from '@backstage/plugin-permission-common';
import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';

/**
 * Switch live traffic to the idle color.
 *
 * @public
 */
export const blueGreenPromotePermission = createPermission({
  name: 'blue-green.promote',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Switch live traffic back to the previous color.
 *
 * @public
 */
export const blueGreenRollbackPermission = createPermission({
  name: 'blue-green.rollback',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Change the replica count of one color.
 *
 * @public
 */
export const blueGreenScalePermission = createPermission({
  name: 'blue-green.scale',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Promote although the target color is not ready or required checks are not passing.
 *
 * @public
 */
export const blueGreenForcePermission = createPermission({
  name: 'blue-green.force',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Sign off (or withdraw the sign-off of) a manual checklist item.
 *
 * @public
 */
export const blueGreenSignOffPermission = createPermission({
  name: 'blue-green.sign-off',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Put a new version (image) on the idle color, the one that takes no live traffic.
 *
 * @public
 */
export const blueGreenDeployPermission = createPermission({
  name: 'blue-green.deploy',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Every permission of the plugin, for registration with the permissions registry.
 *
 * @public
 */
export const blueGreenPermissions = [
  blueGreenPromotePermission,
  blueGreenRollbackPermission,
  blueGreenScalePermission,
  blueGreenForcePermission,
  blueGreenSignOffPermission,
  blueGreenDeployPermission,
];
