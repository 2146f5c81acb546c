import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  isError,
  NotAllowedError,
} from '@backstage/errors';
import {
  FleetScaleDownRequest,
  FleetScaleDownResponse,
  FleetScaleDownResult,
} from '@bluegreen-backstage/plugin-blue-green-common';
import pLimit from 'p-limit';
import { EntityOperations } from '../operations/EntityOperations';
import { Caller } from '../operations/OperationRecorder';
import { FleetService } from './FleetService';

const message = (error: unknown) =>
  isError(error) ? error.message : String(error);

/**
 * `POST /fleet/scale-down`: scales the idle color of each entity through the same path as
 * `POST …/scale` (permission per entity, history, audit), at most four at a time; one result per
 * entity, in the order asked.
 */
export class FleetScaleDown {
  readonly #fleet: FleetService;
  readonly #operations: Pick<EntityOperations, 'scale'>;

  constructor(options: {
    fleet: FleetService;
    operations: Pick<EntityOperations, 'scale'>;
  }) {
    this.#fleet = options.fleet;
    this.#operations = options.operations;
  }

  async scaleDown(
    request: FleetScaleDownRequest,
    caller: Caller,
  ): Promise<FleetScaleDownResponse> {
    const replicas = request.replicas ?? 0;
    // The idle color is the one the caller saw; `scale` reads the cluster again and refuses if
    // that color has become live since.
    const fleet = await this.#fleet.getFleet(caller, { refresh: true });
    const touched = new Set<string>();
    const limit = pLimit(4);
    const results = await Promise.all(
      request.entityRefs.map(entityRef =>
        limit(async (): Promise<FleetScaleDownResult> => {
          let ref;
          try {
            ref = parseEntityRef(entityRef);
          } catch {
            return {
              entityRef,
              outcome: 'failed',
              message: `"${entityRef}" is not an entity ref like component:default/my-app`,
            };
          }
          const normalized = stringifyEntityRef(ref);
          const rows = fleet.rows.filter(r => r.entityRef === normalized);
          const result = { entityRef };
          if (rows.length === 0) {
            return {
              ...result,
              outcome: 'failed',
              message: `${normalized} is not a blue/green entity you can see`,
            };
          }
          if (rows.length > 1) {
            return {
              ...result,
              outcome: 'refused',
              message: `${normalized} runs on clusters ${rows
                .map(r => r.cluster)
                .join(
                  ', ',
                )}; add annotation backstage.io/kubernetes-cluster to say which one to scale`,
            };
          }
          const [row] = rows;
          if (!row.idle) {
            return {
              ...result,
              outcome: 'skipped',
              message:
                row.live === 'unknown'
                  ? `cluster ${row.cluster} is unavailable`
                  : `no single color is live (${row.live}), so no color is idle`,
            };
          }
          const color = row.idle.color;
          if (row.idle.replicas <= replicas) {
            return {
              ...result,
              outcome: 'skipped',
              color,
              replicas: row.idle.replicas,
              message: `${color} already runs ${row.idle.replicas} replica(s)`,
            };
          }
          try {
            await this.#operations.scale(
              ref,
              {
                color,
                replicas,
                reason:
                  request.reason ?? 'fleet: scale down the idle color (cost)',
              },
              caller,
            );
            if (row.cluster) touched.add(row.cluster);
            return { ...result, outcome: 'scaled', color, replicas };
          } catch (error) {
            let outcome: FleetScaleDownResult['outcome'] = 'failed';
            if (error instanceof NotAllowedError) outcome = 'denied';
            else if (
              error instanceof ConflictError ||
              error instanceof InputError
            ) {
              outcome = 'refused';
            }
            return { ...result, outcome, color, message: message(error) };
          }
        }),
      ),
    );
    for (const cluster of touched) this.#fleet.invalidate(cluster);
    return { results };
  }
}
