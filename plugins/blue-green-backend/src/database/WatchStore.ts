import {
  Color,
  CriterionStatus,
  WatchStatus,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { iso, Timestamp } from './time';

type WatchRow = {
  id: string;
  entity_ref: string;
  history_id: string | null;
  promoted_to: string;
  promoted_workload?: string | null;
  previous: string;
  state: string;
  auto_rollback: boolean | number;
  started_at: Timestamp;
  ends_at: Timestamp;
  last_evaluated_at: Timestamp | null;
  criteria: string | null;
  streaks: string | null;
  notified: string | null;
  result: string | null;
};

/** A watch as stored, with what the evaluations carry from one run to the next. */
export type StoredWatch = WatchStatus & {
  entityRef: string;
  historyId?: string;
  /** The promoted workload (`kind/name`): where the promoted color is if the strategy renames it. */
  promotedWorkload?: string;
  /** Since when each criterion has failed without a break (ISO times). */
  failingSince: Record<string, string>;
  notified: string[];
};

/** The `streaks` column: since when each criterion fails (counts of an older release are dropped). */
function failingSinceOf(column: string | null): Record<string, string> {
  const parsed = column ? JSON.parse(column) : {};
  return Object.fromEntries(
    Object.entries(parsed).filter(([, v]) => typeof v === 'string'),
  ) as Record<string, string>;
}

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
    promotedWorkload: row.promoted_workload ?? undefined,
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
    failingSince: failingSinceOf(row.streaks),
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

/** Post-promote watches, persisted so that a restart resumes them (`blue_green_watches`). */
export class WatchStore {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  /** Starts a watch; a running one for the same entity is stopped first. */
  async start(watch: {
    entityRef: string;
    historyId?: string;
    promotedTo: Color;
    promotedWorkload?: string;
    previous: Color;
    autoRollback: boolean;
    durationMs: number;
  }): Promise<StoredWatch> {
    const now = new Date();
    await this.stop(
      watch.entityRef,
      'stopped',
      'a newer promote started another watch',
    );
    const row: WatchRow = {
      id: randomUUID(),
      entity_ref: watch.entityRef,
      history_id: watch.historyId ?? null,
      promoted_to: watch.promotedTo,
      promoted_workload: watch.promotedWorkload ?? null,
      previous: watch.previous,
      state: 'running',
      auto_rollback: watch.autoRollback,
      started_at: now,
      ends_at: new Date(now.getTime() + watch.durationMs),
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
  async stop(
    entityRef: string,
    state: 'stopped' | 'passed',
    result: string,
  ): Promise<void> {
    await this.#db('blue_green_watches')
      .where({ entity_ref: entityRef })
      .whereIn('state', ['running'])
      .update({ state, result });
  }

  async running(): Promise<StoredWatch[]> {
    const rows = await this.#db<WatchRow>('blue_green_watches')
      .where({ state: 'running' })
      .orderBy('started_at');
    return rows.map(toWatch);
  }

  /** The entity's newest watch: running, or the last that ended. */
  async latest(entityRef: string): Promise<StoredWatch | undefined> {
    const row = await this.#db<WatchRow>('blue_green_watches')
      .where({ entity_ref: entityRef })
      .orderBy('started_at', 'desc')
      .first();
    return row ? toWatch(row) : undefined;
  }

  /** The newest watch of each entity that has one, 500 entities per query. */
  async latestOf(entityRefs: string[]): Promise<Map<string, StoredWatch>> {
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
      failingSince: Record<string, string>;
      notified: string[];
      state?: 'passed' | 'stopped';
      result?: string;
    },
  ): Promise<boolean> {
    const count = await this.#db('blue_green_watches')
      .where({ id, state: 'running' })
      .update({
        criteria: JSON.stringify(update.criteria),
        streaks: JSON.stringify(update.failingSince),
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
