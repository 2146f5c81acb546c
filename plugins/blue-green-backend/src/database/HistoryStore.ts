import { InputError } from '@backstage/errors';
import {
  Color,
  HistoryEntry,
  HistoryPage,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { iso, Timestamp } from './time';

type HistoryRow = {
  id: string;
  entity_ref: string;
  action: string;
  from_color: string | null;
  to_color: string | null;
  actor: string;
  reason: string | null;
  forced: boolean | number;
  outcome: string;
  error: string | null;
  details: string | null;
  instance: string | null;
  created_at: Timestamp;
  finished_at: Timestamp | null;
};

/** A new history entry: who does what to which entity. */
export type NewHistoryEntry = Pick<
  HistoryEntry,
  'entityRef' | 'action' | 'actor' | 'forced'
> &
  Partial<Pick<HistoryEntry, 'from' | 'to' | 'reason' | 'details' | 'error'>>;

/** How an operation ended. */
export type Outcome = Exclude<HistoryEntry['outcome'], 'in-progress'>;

const SWITCHES = ['promote', 'rollback', 'auto-rollback'];

function toEntry(row: HistoryRow): HistoryEntry {
  return {
    id: row.id,
    entityRef: row.entity_ref,
    action: row.action as HistoryEntry['action'],
    from: (row.from_color ?? undefined) as Color | undefined,
    to: (row.to_color ?? undefined) as Color | undefined,
    actor: row.actor,
    reason: row.reason ?? undefined,
    forced: Boolean(row.forced),
    outcome: row.outcome as HistoryEntry['outcome'],
    error: row.error ?? undefined,
    details: row.details ? JSON.parse(row.details) : undefined,
    createdAt: iso(row.created_at),
    finishedAt: row.finished_at ? iso(row.finished_at) : undefined,
  };
}

const encodeCursor = (entry: HistoryEntry) =>
  Buffer.from(`${entry.createdAt}|${entry.id}`).toString('base64url');

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [createdAt, id] = Buffer.from(cursor, 'base64url')
    .toString('utf8')
    .split('|');
  const date = new Date(createdAt);
  if (!id || Number.isNaN(date.getTime())) {
    throw new InputError('before is not a cursor returned by this endpoint');
  }
  return { createdAt: date, id };
}

/** The history of every operation on an entity, succeeded or not (table `blue_green_history`). */
export class HistoryStore {
  readonly #db: Knex;
  readonly #instance: string;

  /** `instance` names this backend in the entries it starts (see {@link staleInProgress}). */
  constructor(db: Knex, instance: string = randomUUID()) {
    this.#db = db;
    this.#instance = instance;
  }

  /** Records an operation that is starting; finish it with {@link HistoryStore.finish}. */
  async start(entry: NewHistoryEntry): Promise<HistoryEntry> {
    return this.#insert(entry, 'in-progress');
  }

  /** Records an operation that already ended (e.g. refused before any write). */
  async record(
    entry: NewHistoryEntry,
    outcome: Outcome,
  ): Promise<HistoryEntry> {
    return this.#insert(entry, outcome, new Date());
  }

  /**
   * Ends an operation recorded by {@link HistoryStore.start}, merging `result.details` into the
   * details it started with. One UPDATE: the caller holds the entry it started (or listed).
   */
  async finish(
    entry: HistoryEntry,
    result: {
      outcome: Outcome;
      error?: string;
      details?: Record<string, unknown>;
    },
  ): Promise<HistoryEntry> {
    const finishedAt = new Date();
    const details = { ...entry.details, ...result.details };
    const updated = await this.#db<HistoryRow>('blue_green_history')
      .where({ id: entry.id })
      .update({
        outcome: result.outcome,
        error: result.error ?? null,
        details: JSON.stringify(details),
        finished_at: finishedAt,
      });
    if (updated === 0) {
      throw new Error(`history entry ${entry.id} does not exist`);
    }
    return {
      ...entry,
      outcome: result.outcome,
      error: result.error,
      details,
      finishedAt: finishedAt.toISOString(),
    };
  }

  /** One page of an entity's history, newest first; `before` is a cursor from a previous page. */
  async list(
    entityRef: string,
    options: { limit: number; before?: string },
  ): Promise<HistoryPage> {
    const base = this.#db<HistoryRow>('blue_green_history').where({
      entity_ref: entityRef,
    });
    const page = base.clone();
    if (options.before) {
      const { createdAt, id } = decodeCursor(options.before);
      page.where(q =>
        q
          .where('created_at', '<', createdAt)
          .orWhere(q2 =>
            q2.where('created_at', '=', createdAt).andWhere('id', '<', id),
          ),
      );
    }
    const [rows, [{ count }]] = await Promise.all([
      page
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(options.limit + 1),
      base.clone().count<{ count: number | string }[]>({ count: '*' }),
    ]);
    const items = rows.slice(0, options.limit).map(toEntry);
    return {
      items,
      total: Number(count),
      nextCursor:
        rows.length > options.limit
          ? encodeCursor(items[items.length - 1])
          : undefined,
    };
  }

  /** One entry, by id. */
  async get(id: string): Promise<HistoryEntry | undefined> {
    const row = await this.#db<HistoryRow>('blue_green_history')
      .where({ id })
      .first();
    return row && toEntry(row);
  }

  /** The operation running on the entity, if any. */
  async inProgress(entityRef: string): Promise<HistoryEntry | undefined> {
    const row = await this.#db<HistoryRow>('blue_green_history')
      .where({ entity_ref: entityRef, outcome: 'in-progress' })
      .orderBy('created_at', 'desc')
      .first();
    return row && toEntry(row);
  }

  /**
   * The last succeeded switch (promote, rollback or automatic rollback); with `attempts`, the last
   * one that wrote or may have written to the cluster (succeeded, failed or interrupted) — where a
   * shift that stopped half-way was heading.
   */
  async lastSwitch(
    entityRef: string,
    options: { attempts?: boolean } = {},
  ): Promise<HistoryEntry | undefined> {
    const row = await this.#db<HistoryRow>('blue_green_history')
      .where({ entity_ref: entityRef })
      .whereIn(
        'outcome',
        options.attempts
          ? ['succeeded', 'failed', 'interrupted']
          : ['succeeded'],
      )
      .whereIn('action', SWITCHES)
      .orderBy('created_at', 'desc')
      .first();
    return row && toEntry(row);
  }

  /**
   * The last succeeded switch of every entity that has one, and every operation in progress, by
   * entity ref: the fleet's history facts in two queries, however many entities there are.
   */
  async fleetFacts(): Promise<{
    lastSwitches: Map<string, HistoryEntry>;
    inProgress: Map<string, HistoryEntry>;
  }> {
    const switched = (q: Knex.QueryBuilder) =>
      q.where({ outcome: 'succeeded' }).whereIn('action', SWITCHES);
    const latest = switched(this.#db('blue_green_history'))
      .select('entity_ref')
      .max({ at: 'created_at' })
      .groupBy('entity_ref')
      .as('latest');
    const [last, running] = await Promise.all([
      switched(this.#db<HistoryRow>('blue_green_history as h'))
        .join(latest, join =>
          join
            .on('h.entity_ref', '=', 'latest.entity_ref')
            .andOn('h.created_at', '=', 'latest.at'),
        )
        .select('h.*'),
      this.#db<HistoryRow>('blue_green_history')
        .where({ outcome: 'in-progress' })
        .orderBy('created_at', 'asc'),
    ]);
    const byRef = (rows: HistoryRow[]) =>
      new Map(rows.map(row => [row.entity_ref, toEntry(row)]));
    return { lastSwitches: byRef(last), inProgress: byRef(running) };
  }

  /**
   * Entries left in progress by another backend instance (one that stopped mid-operation) for
   * longer than `graceMs`; the interrupted-operation sweep marks them.
   */
  async staleInProgress(graceMs: number): Promise<HistoryEntry[]> {
    const rows = await this.#db<HistoryRow>('blue_green_history')
      .where({ outcome: 'in-progress' })
      .andWhere('created_at', '<', new Date(Date.now() - graceMs))
      .andWhere(q =>
        q.whereNot({ instance: this.#instance }).orWhereNull('instance'),
      );
    return rows.map(toEntry);
  }

  async #insert(
    entry: NewHistoryEntry,
    outcome: HistoryEntry['outcome'],
    finishedAt?: Date,
  ): Promise<HistoryEntry> {
    const row: HistoryRow = {
      id: randomUUID(),
      entity_ref: entry.entityRef,
      action: entry.action,
      from_color: entry.from ?? null,
      to_color: entry.to ?? null,
      actor: entry.actor,
      reason: entry.reason ?? null,
      forced: entry.forced,
      outcome,
      error: entry.error ?? null,
      details: entry.details ? JSON.stringify(entry.details) : null,
      instance: this.#instance,
      created_at: new Date(),
      finished_at: finishedAt ?? null,
    };
    await this.#db<HistoryRow>('blue_green_history').insert(row);
    return toEntry(row);
  }
}
