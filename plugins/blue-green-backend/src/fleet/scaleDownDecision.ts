import { parseEntityRef } from '@backstage/catalog-model';
import {
  FleetRow,
  FleetRowScaleDown,
} from '@bluegreen-backstage/plugin-blue-green-common';

/** Owners as people say them: `team-checkout`, `group:other/x`. */
function ownerNames(owners: string[]): string {
  return owners
    .map(ref => {
      const { kind, namespace, name } = parseEntityRef(ref);
      return kind === 'group' && namespace === 'default'
        ? name
        : `${kind}:${namespace}/${name}`;
    })
    .join(', ');
}

function noIdleColor(row: FleetRow): string {
  if (row.live !== 'unknown') {
    return `no single color is live (${row.live}), so no color is idle`;
  }
  return row.status === 'unavailable'
    ? `cluster ${row.cluster ?? '(default)'} is unavailable`
    : row.problems[0] ?? 'its objects could not be read';
}

/**
 * Whether scaling a row's idle color down to `replicas` may happen now, and if not, why: the row
 * must be the entity's only one, have an idle color with more replicas than that, and the caller
 * must hold the scale permission on the entity. Decided the same way for the fleet's rows (before
 * anyone selects them) and for `POST /fleet/scale-down`.
 */
export function scaleDownDecision(
  row: FleetRow,
  options: {
    /** How many rows the entity has (one per cluster it runs on). */
    rowsOfEntity: number;
    /** The caller's scale permission on the entity. */
    permitted: boolean;
    replicas?: number;
  },
): FleetRowScaleDown {
  const replicas = options.replicas ?? 0;
  if (options.rowsOfEntity > 1) {
    return {
      allowed: false,
      outcome: 'refused',
      reason: `runs on several clusters; add annotation backstage.io/kubernetes-cluster to say which one to scale`,
    };
  }
  if (!row.idle) {
    return {
      allowed: false,
      outcome: 'skipped',
      reason: noIdleColor(row),
    };
  }
  if (row.idle.replicas <= replicas) {
    return {
      allowed: false,
      outcome: 'skipped',
      reason: `${row.idle.color} already runs ${row.idle.replicas} replica(s)`,
    };
  }
  if (!options.permitted) {
    return {
      allowed: false,
      outcome: 'denied',
      reason: `you may not scale ${
        row.entityRef
      } (permission blue-green.scale)${
        row.owners.length ? `; its owners may: ${ownerNames(row.owners)}` : ''
      }`,
    };
  }
  return { allowed: true };
}
