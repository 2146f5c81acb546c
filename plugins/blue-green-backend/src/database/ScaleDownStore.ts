import { Color } from '@bluegreen-backstage/plugin-blue-green-common';
import { Knex } from 'knex';

/** A scale-down of the idle color, due at a time. */
export type ScheduledScaleDown = {
  entityRef: string;
  color: Color;
  replicas: number;
  dueAt: Date;
  historyId?: string;
};

type ScaleDownRow = {
  entity_ref: string;
  color: string;
  replicas: number;
  due_at: Date | string | number;
  history_id: string | null;
};

const toScaleDown = (row: ScaleDownRow): ScheduledScaleDown => ({
  entityRef: row.entity_ref,
  color: row.color as Color,
  replicas: row.replicas,
  dueAt: new Date(row.due_at),
  historyId: row.history_id ?? undefined,
});

/** Idle colors to scale down after a promote, at most one per entity (`blue_green_scale_downs`). */
export class ScaleDownStore {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  /** Schedules a scale-down, replacing the entity's previous one. */
  async schedule(scaleDown: ScheduledScaleDown): Promise<void> {
    await this.#db<ScaleDownRow>('blue_green_scale_downs')
      .insert({
        entity_ref: scaleDown.entityRef,
        color: scaleDown.color,
        replicas: scaleDown.replicas,
        due_at: scaleDown.dueAt,
        history_id: scaleDown.historyId ?? null,
      })
      .onConflict('entity_ref')
      .merge();
  }

  async cancel(entityRef: string): Promise<void> {
    await this.#db('blue_green_scale_downs')
      .where({ entity_ref: entityRef })
      .delete();
  }

  async scheduled(entityRef: string): Promise<ScheduledScaleDown | undefined> {
    const row = await this.#db<ScaleDownRow>('blue_green_scale_downs')
      .where({ entity_ref: entityRef })
      .first();
    return row && toScaleDown(row);
  }

  async due(now: Date): Promise<ScheduledScaleDown[]> {
    const rows = await this.#db<ScaleDownRow>('blue_green_scale_downs').where(
      'due_at',
      '<=',
      now,
    );
    return rows.map(toScaleDown);
  }
}
