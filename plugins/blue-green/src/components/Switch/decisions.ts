import {
  ActionDecision,
  EntityStatus,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { BlueGreenPermissions } from '../../hooks/useBlueGreenPermissions';

export type SwitchAction = 'promote' | 'rollback';

/** Whether a switch button is enabled for this user now, and if not, every reason why. */
export type ActionAvailability = {
  enabled: boolean;
  /** Enabled only by overriding the reasons with `force` (the user holds the force permission). */
  needsForce: boolean;
  reasons: string[];
};

/**
 * Combines the backend's decision (readiness, checks, a running switch) with the user's
 * permissions. The backend checks both again; this only explains a disabled button up front.
 */
export function availability(
  action: SwitchAction | 'deploy',
  decision: ActionDecision,
  permissions: BlueGreenPermissions,
  busy: boolean,
): ActionAvailability {
  const permission = permissions[action];
  if (busy) {
    return {
      enabled: false,
      needsForce: false,
      reasons: [
        `a ${action === 'deploy' ? 'switch or deploy' : 'switch'} is running`,
      ],
    };
  }
  if (permission.loading) {
    return {
      enabled: false,
      needsForce: false,
      reasons: ['checking your permissions…'],
    };
  }
  if (!permission.allowed) {
    return {
      enabled: false,
      needsForce: false,
      reasons: [
        `you do not have permission to ${
          { promote: 'promote', rollback: 'roll back', deploy: 'deploy to' }[
            action
          ]
        } this entity (blue-green.${action})`,
        ...decision.reasons,
      ],
    };
  }
  if (decision.allowed) {
    return { enabled: true, needsForce: false, reasons: [] };
  }
  if (decision.forceable && permissions.force.allowed) {
    return { enabled: true, needsForce: true, reasons: decision.reasons };
  }
  return {
    enabled: false,
    needsForce: false,
    reasons: [
      ...decision.reasons,
      ...(decision.forceable && !permissions.force.loading
        ? ['only someone with the force permission may override this']
        : []),
    ],
  };
}

/** "blue", "green", or the split, as the dialog names the current state. */
export function fromLabel(status: EntityStatus): string {
  if (status.live === 'split') {
    return `the split (blue ${status.colors.blue.weight} %, green ${status.colors.green.weight} %)`;
  }
  return status.live;
}
