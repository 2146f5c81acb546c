import { useEntityPermission } from '@backstage/plugin-catalog-react/alpha';
import {
  blueGreenDeployPermission,
  blueGreenForcePermission,
  blueGreenPromotePermission,
  blueGreenRollbackPermission,
  blueGreenScalePermission,
  blueGreenSignOffPermission,
} from '@bluegreen-backstage/plugin-blue-green-common';

/** One permission of the current user on the current entity. */
export type PermissionState = { loading: boolean; allowed: boolean };

/** What the signed-in user may do to this entity; the backend enforces the same rules. */
export type BlueGreenPermissions = {
  promote: PermissionState;
  rollback: PermissionState;
  scale: PermissionState;
  force: PermissionState;
  signOff: PermissionState;
  deploy: PermissionState;
};

export function useBlueGreenPermissions(): BlueGreenPermissions {
  const pick = ({ loading, allowed }: PermissionState) => ({
    loading,
    allowed,
  });
  return {
    promote: pick(useEntityPermission(blueGreenPromotePermission)),
    rollback: pick(useEntityPermission(blueGreenRollbackPermission)),
    scale: pick(useEntityPermission(blueGreenScalePermission)),
    force: pick(useEntityPermission(blueGreenForcePermission)),
    signOff: pick(useEntityPermission(blueGreenSignOffPermission)),
    deploy: pick(useEntityPermission(blueGreenDeployPermission)),
  };
}
