import {
  Color,
  FailedVersion,
} from '@bluegreen-backstage/plugin-blue-green-common';
import { Knex } from 'knex';
import { iso, Timestamp } from './time';

/** A failed version as stored, with the key it is found by. */
export type FailedVersionRecord = FailedVersion & { versionKey: string };

type FailedVersionRow = {
  entity_ref: string;
  version_key: string;
  color: string;
  version: string | null;
  images: string;
  reason: string;
  history_id: string;
  failed_by: string;
  failed_at: Timestamp;
};

const toRecord = (row: FailedVersionRow): FailedVersionRecord => ({
  versionKey: row.version_key,
  color: row.color as Color,
  version: row.version ?? undefined,
  images: JSON.parse(row.images),
  reason: row.reason,
  historyId: row.history_id,
  by: row.failed_by,
  at: iso(row.failed_at),
});

/** Versions that were rolled back, per entity (`blue_green_failed_versions`). */
export class FailedVersionStore {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  /** Marks a version failed; a later rollback of the same version replaces the mark. */
  async mark(entityRef: string, failed: FailedVersionRecord): Promise<void> {
    await this.#db<FailedVersionRow>('blue_green_failed_versions')
      .insert({
        entity_ref: entityRef,
        version_key: failed.versionKey,
        color: failed.color,
        version: failed.version ?? null,
        images: JSON.stringify(failed.images),
        reason: failed.reason,
        history_id: failed.historyId,
        failed_by: failed.by,
        failed_at: new Date(failed.at),
      })
      .onConflict(['entity_ref', 'version_key'])
      .merge();
  }

  /** The entity's failed versions, newest first (few: one per version rolled back). */
  async ofEntity(entityRef: string): Promise<FailedVersionRecord[]> {
    const rows = await this.#db<FailedVersionRow>('blue_green_failed_versions')
      .where({ entity_ref: entityRef })
      .orderBy('failed_at', 'desc');
    return rows.map(toRecord);
  }

  /** Forgets a mark: the version was promoted (forced) and its watch passed. */
  async clear(entityRef: string, versionKey: string): Promise<boolean> {
    const deleted = await this.#db('blue_green_failed_versions')
      .where({ entity_ref: entityRef, version_key: versionKey })
      .delete();
    return deleted > 0;
  }
}
