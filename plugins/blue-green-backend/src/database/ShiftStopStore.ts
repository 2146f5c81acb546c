import { Knex } from 'knex';
import { iso, Timestamp } from './time';

/** A request to stop a running stepped shift. */
export type ShiftStop = {
  /** The promote being shifted. */
  historyId: string;
  /** cancel: back to where it started; rollback: the same, and the version is marked failed. */
  kind: 'cancel' | 'rollback';
  requestedBy: string;
  reason?: string;
  at: string;
};

type ShiftStopRow = {
  history_id: string;
  kind: string;
  requested_by: string;
  reason: string | null;
  created_at: Timestamp;
};

/**
 * Requests to stop a running shift (`blue_green_shift_stops`): the shift runs in the request of
 * whichever backend replica received the promote, and looks here between its steps.
 */
export class ShiftStopStore {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  /** Asks the shift to stop; the first request wins, and is the one returned. */
  async request(stop: Omit<ShiftStop, 'at'>): Promise<ShiftStop> {
    await this.#db<ShiftStopRow>('blue_green_shift_stops')
      .insert({
        history_id: stop.historyId,
        kind: stop.kind,
        requested_by: stop.requestedBy,
        reason: stop.reason ?? null,
        created_at: new Date(),
      })
      .onConflict('history_id')
      .ignore();
    return (await this.get(stop.historyId))!;
  }

  async get(historyId: string): Promise<ShiftStop | undefined> {
    const row = await this.#db<ShiftStopRow>('blue_green_shift_stops')
      .where({ history_id: historyId })
      .first();
    return (
      row && {
        historyId: row.history_id,
        kind: row.kind as ShiftStop['kind'],
        requestedBy: row.requested_by,
        reason: row.reason ?? undefined,
        at: iso(row.created_at),
      }
    );
  }

  /** Forgets the requests of a shift that ended. */
  async clear(historyId: string): Promise<void> {
    await this.#db('blue_green_shift_stops')
      .where({ history_id: historyId })
      .delete();
  }
}
