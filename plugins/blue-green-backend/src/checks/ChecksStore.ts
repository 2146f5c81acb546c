import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import {
  Color,
  CriterionStatus,
  WatchStatus,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { SignOff } from './items';

const migrationsDir = resolvePackagePath(
  '@bluegreen-backstage/plugin-blue-green-backend',
  'migrations',
);

type WatchRow = {
  id: string;
  entity_ref: string;
  history_id: string | null;
  promoted_to: string;
  previous: string;
  state: string;
  auto_rollback: boolean | number;
  started_at: Date | string | number;
  ends_at: Date | string | number;
  last_evaluated_at: Date | string | number | null;
  criteria: string | null;
  streaks: string | null;
  notified: string | null;
  result: string | null;
};

/** A watch as stored, with what the evaluations carry from one run to the next. */
export type StoredWatch = WatchStatus & {
  entityRef: string;
  historyId?: string;
  streaks: Record<string, number>;
  notified: string[];
};

const iso = (value: Date | string | number) => new Date(value).toISOString();

function toWatch(row: WatchRow): StoredWatch {
  return {
    id: row.id,
    entityRef: row.entity_ref,
    historyId: row.history_id ?? undefined,
    // 'rolling-back' is internal: the rollback is under way.
    state: (row.state === 'rolling-back'
      ? 'running'
      : row.state) as WatchStatus['state'],
    promotedTo: row.promoted_to as Color,
    previous: row.previous as Color,
    startedAt: iso(row.started_at),
    endsAt: iso(row.ends_at),
    autoRollback: Boolean(row.auto_rollback),
    criteria: row.criteria
      ? (JSON.parse(row.criteria) as CriterionStatus[])
      : [],
    lastEvaluatedAt: row.last_evaluated_at
      ? iso(row.last_evaluated_at)
      : undefined,
    result: row.result ?? undefined,
    streaks: row.streaks ? JSON.parse(row.streaks) : {},
    notified: row.notified ? JSON.parse(row.notified) : [],
  };
}

/** The API shape of a stored watch. */
export function toWatchStatus(watch: StoredWatch): WatchStatus {
  return {
    id: watch.id,
    state: watch.state,
    promotedTo: watch.promotedTo,
    previous: watch.previous,
    startedAt: watch.startedAt,
    endsAt: watch.endsAt,
    autoRollback: watch.autoRollback,
    criteria: watch.criteria,
    lastEvaluatedAt: watch.lastEvaluatedAt,
    result: watch.result,
  };
}

/** Sign-offs and post-promote watches, in the plugin database. */
export class ChecksStore {
  readonly #db: Knex;

  static async create(options: {
    database: DatabaseService;
  }): Promise<ChecksStore> {
    const db = await options.database.getClient();
    if (!options.database.migrations?.skip) {
      await db.migrate.latest({ directory: migrationsDir });
    }
    return new ChecksStore(db);
  }

  private constructor(db: Knex) {
    this.#db = db;
  }

  async signOffs(
    entityRef: string,
    color: Color,
    version: string,
  ): Promise<Map<string, SignOff>> {
    const rows = await this.#db('blue_green_sign_offs').where({
      entity_ref: entityRef,
      color,
      version,
    });
    return new Map(
      rows.map(r => [
        r.item_id as string,
        { by: r.signed_by, at: iso(r.signed_at), note: r.note ?? undefined },
      ]),
    );
  }

  async signOff(
    key: { entityRef: string; color: Color; version: string; itemId: string },
    signOff: { by: string; note?: string },
  ): Promise<void> {
    const row = {
      entity_ref: key.entityRef,
      color: key.color,
      version: key.version,
      item_id: key.itemId,
      signed_by: signOff.by,
      note: signOff.note ?? null,
      signed_at: new Date(),
    };
    await this.#db('blue_green_sign_offs')
      .insert(row)
      .onConflict(['entity_ref', 'color', 'version', 'item_id'])
      .merge(['signed_by', 'note', 'signed_at']);
  }

  /** Returns whether there was a sign-off to withdraw. */
  async withdraw(key: {
    entityRef: string;
    color: Color;
    version: string;
    itemId: string;
  }): Promise<boolean> {
    const deleted = await this.#db('blue_green_sign_offs')
      .where({
        entity_ref: key.entityRef,
        color: key.color,
        version: key.version,
        item_id: key.itemId,
      })
      .delete();
    return deleted > 0;
  }

  /** Starts a watch; a running one for the same entity is stopped first. */
  async startWatch(watch: {
    entityRef: string;
    historyId?: string;
    promotedTo: Color;
    previous: Color;
    autoRollback: boolean;
    windowSeconds: number;
  }): Promise<StoredWatch> {
    const now = new Date();
    await this.stopWatches(
      watch.entityRef,
      'stopped',
      'a newer promote started another watch',
    );
    const row: WatchRow = {
      id: randomUUID(),
      entity_ref: watch.entityRef,
      history_id: watch.historyId ?? null,
      promoted_to: watch.promotedTo,
      previous: watch.previous,
      state: 'running',
      auto_rollback: watch.autoRollback,
      started_at: now,
      ends_at: new Date(now.getTime() + watch.windowSeconds * 1000),
      last_evaluated_at: null,
      criteria: null,
      streaks: null,
      notified: null,
      result: null,
    };
    await this.#db('blue_green_watches').insert(row);
    return toWatch(row);
  }

  /** Ends the running watches of an entity (a manual rollback, a newer promote). */
  async stopWatches(
    entityRef: string,
    state: 'stopped' | 'passed',
    result: string,
  ): Promise<void> {
    await this.#db('blue_green_watches')
      .where({ entity_ref: entityRef })
      .whereIn('state', ['running'])
      .update({ state, result });
  }

  async runningWatches(): Promise<StoredWatch[]> {
    const rows = await this.#db<WatchRow>('blue_green_watches')
      .where({ state: 'running' })
      .orderBy('started_at');
    return rows.map(toWatch);
  }

  /** The entity's newest watch: running, or the last that ended. */
  async latestWatch(entityRef: string): Promise<StoredWatch | undefined> {
    const row = await this.#db<WatchRow>('blue_green_watches')
      .where({ entity_ref: entityRef })
      .orderBy('started_at', 'desc')
      .first();
    return row ? toWatch(row) : undefined;
  }

  async latestWatches(entityRefs: string[]): Promise<Map<string, StoredWatch>> {
    const result = new Map<string, StoredWatch>();
    for (let i = 0; i < entityRefs.length; i += 500) {
      const rows = await this.#db<WatchRow>('blue_green_watches')
        .whereIn('entity_ref', entityRefs.slice(i, i + 500))
        .orderBy('started_at', 'asc');
      for (const row of rows) result.set(row.entity_ref, toWatch(row));
    }
    return result;
  }

  /** Saves an evaluation of a running watch; false when it is no longer running. */
  async saveEvaluation(
    id: string,
    update: {
      criteria: CriterionStatus[];
      streaks: Record<string, number>;
      notified: string[];
      state?: 'passed';
      result?: string;
    },
  ): Promise<boolean> {
    const count = await this.#db('blue_green_watches')
      .where({ id, state: 'running' })
      .update({
        criteria: JSON.stringify(update.criteria),
        streaks: JSON.stringify(update.streaks),
        notified: JSON.stringify(update.notified),
        last_evaluated_at: new Date(),
        ...(update.state && { state: update.state }),
        ...(update.result && { result: update.result }),
      });
    return count > 0;
  }

  /**
   * Claims a watch's rollback: only one caller (backend replica, evaluation) wins; the others get
   * false and do nothing.
   */
  async claimRollback(id: string): Promise<boolean> {
    const count = await this.#db('blue_green_watches')
      .where({ id, state: 'running' })
      .update({ state: 'rolling-back' });
    return count > 0;
  }

  async finishRollback(
    id: string,
    state: 'rolled-back' | 'stopped',
    result: string,
  ): Promise<void> {
    await this.#db('blue_green_watches')
      .where({ id })
      .update({ state, result });
  }
}
