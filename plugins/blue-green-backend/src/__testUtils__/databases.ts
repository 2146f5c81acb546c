import { TestDatabases } from '@backstage/backend-test-utils';
import { Knex } from 'knex';
import { migratedDatabase } from '../database/migrations';

/** SQLite always; PostgreSQL too when a connection string is configured (see scripts/postgres.sh). */
export const databases = TestDatabases.create({
  ids: process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING
    ? ['SQLITE_3', 'POSTGRES_15']
    : ['SQLITE_3'],
});

/** A fresh database of that kind, with the plugin's migrations applied. */
export async function migrated(
  id: Parameters<typeof databases.init>[0],
): Promise<Knex> {
  const knex = await databases.init(id);
  return migratedDatabase({ getClient: async () => knex } as any);
}
