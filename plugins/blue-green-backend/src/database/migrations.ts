import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

const migrationsDir = resolvePackagePath(
  '@bluegreen-backstage/plugin-blue-green-backend',
  'migrations',
);

/**
 * A SQLite database file in write-ahead-log mode: a commit appends to the log instead of rewriting
 * and syncing a rollback journal (a switch writes history twice on its way), and readers no longer
 * wait for a writer. The mode is stored in the file; an in-memory database stays in memory mode.
 */
async function useWriteAheadLog(db: Knex): Promise<void> {
  if (String(db.client.config.client ?? '').includes('sqlite')) {
    await db.raw('PRAGMA journal_mode = WAL');
  }
}

/**
 * The plugin's database, migrated: called once at start-up, before any store is made on it.
 */
export async function migratedDatabase(
  database: DatabaseService,
): Promise<Knex> {
  const db = await database.getClient();
  if (!database.migrations?.skip) {
    await db.migrate.latest({ directory: migrationsDir });
  }
  await useWriteAheadLog(db);
  return db;
}
