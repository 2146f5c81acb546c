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
import { scaleDownDecision } from './scaleDownDecision';

const message = (error: unknown) =>
  isError(error) ? error.message : String(error);

/**
 * `POST /fleet/scale-down`: scales the idle color of each entity through the same path as
 * `POST …/scale` (permission per entity, history, audit), at most four at a time; one result per
 * entity, in the order asked. A dry run answers, from the same fleet rows and permission
 * decision, what each would get, and changes nothing.
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
    // that color has become live since. A dry run takes the lists as cached (changes through
    // the plugin drop them).
    const fleet = await this.#fleet.getFleet(caller, {
      refresh: !request.dryRun,
    });
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
          const [row] = rows;
          const denied =
            row.scaleDown?.allowed === false &&
            row.scaleDown.outcome === 'denied';
          const decision = scaleDownDecision(row, {
            rowsOfEntity: rows.length,
            // A refusal by the policy is for `scale` to record; a dry run foretells it.
            permitted: !request.dryRun || !denied,
            replicas,
          });
          const color = row.idle?.color;
          if (!decision.allowed) {
            return {
              ...result,
              outcome: decision.outcome,
              ...(color && { color }),
              ...(decision.outcome === 'skipped' &&
                row.idle && { replicas: row.idle.replicas }),
              message: decision.reason,
            };
          }
          if (request.dryRun) {
            return { ...result, outcome: 'scaled', color, replicas };
          }
          try {
            await this.#operations.scale(
              ref,
              {
                color: color!,
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
    return { results, ...(request.dryRun && { dryRun: true }) };
  }
}
