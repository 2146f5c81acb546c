/** A timestamp column as knex returns it (Date on PostgreSQL, number or string on SQLite). */
export type Timestamp = Date | string | number;

/** A timestamp column as ISO 8601 text. */
export const iso = (value: Timestamp) => new Date(value).toISOString();
