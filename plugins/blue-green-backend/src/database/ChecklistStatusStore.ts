import {
  CheckStatus,
  Color,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { Knex } from 'knex';
import { iso, Timestamp } from './time';

/** The last pre-deploy checklist result of an entity: which version of which color, and how it did. */
export type ChecklistResult = {
  entityRef: string;
  color: Color;
  /** The version key the checklist was evaluated for. */
  version: string;
  status: CheckStatus;
  evaluatedAt: string;
};

type ResultRow = {
  entity_ref: string;
  color: string;
  version: string;
  status: string;
  evaluated_at: Timestamp;
};

/**
 * The last pre-deploy result of each entity (`blue_green_checklist_status`), written where a
 * checklist is evaluated and read by the fleet, which never evaluates one itself: every replica
 * answers the same.
 */
export class ChecklistStatusStore {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  async save(result: Omit<ChecklistResult, 'evaluatedAt'>): Promise<void> {
    await this.#db<ResultRow>('blue_green_checklist_status')
      .insert({
        entity_ref: result.entityRef,
        color: result.color,
        version: result.version,
        status: result.status,
        evaluated_at: new Date(),
      })
      .onConflict('entity_ref')
      .merge();
  }

  /** The results of many entities, 500 per query. */
  async forEntities(
    entityRefs: string[],
  ): Promise<Map<string, ChecklistResult>> {
    const result = new Map<string, ChecklistResult>();
    for (let i = 0; i < entityRefs.length; i += 500) {
      const rows = await this.#db<ResultRow>(
        'blue_green_checklist_status',
      ).whereIn('entity_ref', entityRefs.slice(i, i + 500));
      for (const row of rows) {
        result.set(row.entity_ref, {
          entityRef: row.entity_ref,
          color: row.color as Color,
          version: row.version,
          status: row.status as CheckStatus,
          evaluatedAt: iso(row.evaluated_at),
        });
      }
    }
    return result;
  }
}
