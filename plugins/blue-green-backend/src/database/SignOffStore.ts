import { Color } from '@bluegreen-backstage/plugin-blue-green-common';
import { Knex } from 'knex';
import { iso } from './time';

/** A person's sign-off of a manual checklist item. */
export type SignOff = { by: string; at: string; note?: string };

/** The sign-offs of one version of one color, by item id. */
export type SignOffs = Map<string, SignOff>;

/** A color's version, as sign-offs are kept: a new version starts unsigned. */
export type VersionOf = { color: Color; version: string };

type SignOffKey = VersionOf & { entityRef: string; itemId: string };

/** Manual checklist sign-offs per version of a color (`blue_green_sign_offs`). */
export class SignOffStore {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  /** The sign-offs of each asked version, in one query; a version without any maps to an empty map. */
  async forVersions(
    entityRef: string,
    versions: VersionOf[],
  ): Promise<Map<Color, SignOffs>> {
    const result = new Map<Color, SignOffs>(
      versions.map(v => [v.color, new Map()]),
    );
    if (versions.length === 0) return result;
    const rows = await this.#db('blue_green_sign_offs')
      .where({ entity_ref: entityRef })
      .andWhere(q => {
        for (const v of versions) {
          q.orWhere({ color: v.color, version: v.version });
        }
      });
    for (const row of rows) {
      result.get(row.color as Color)?.set(row.item_id as string, {
        by: row.signed_by,
        at: iso(row.signed_at),
        note: row.note ?? undefined,
      });
    }
    return result;
  }

  /**
   * The sign-offs of one item for every version of the entity, by `color|version`: few rows (one
   * per version it was signed for), read before the versions are known.
   */
  async ofItem(
    entityRef: string,
    itemId: string,
  ): Promise<Map<string, SignOff>> {
    const rows = await this.#db('blue_green_sign_offs').where({
      entity_ref: entityRef,
      item_id: itemId,
    });
    return new Map(
      rows.map(row => [
        `${row.color}|${row.version}`,
        {
          by: row.signed_by,
          at: iso(row.signed_at),
          note: row.note ?? undefined,
        },
      ]),
    );
  }

  async signOff(
    key: SignOffKey,
    signOff: { by: string; note?: string },
  ): Promise<void> {
    await this.#db('blue_green_sign_offs')
      .insert({
        entity_ref: key.entityRef,
        color: key.color,
        version: key.version,
        item_id: key.itemId,
        signed_by: signOff.by,
        note: signOff.note ?? null,
        signed_at: new Date(),
      })
      .onConflict(['entity_ref', 'color', 'version', 'item_id'])
      .merge(['signed_by', 'note', 'signed_at']);
  }

  /** Withdraws every sign-off of one version; returns the item ids that were signed off. */
  async withdrawVersion(
    entityRef: string,
    version: VersionOf,
  ): Promise<string[]> {
    const where = {
      entity_ref: entityRef,
      color: version.color,
      version: version.version,
    };
    return this.#db.transaction(async tx => {
      const rows = await tx('blue_green_sign_offs')
        .where(where)
        .select('item_id');
      await tx('blue_green_sign_offs').where(where).delete();
      return rows.map(row => row.item_id as string);
    });
  }

  /** Returns whether there was a sign-off to withdraw. */
  async withdraw(key: SignOffKey): Promise<boolean> {
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
}
