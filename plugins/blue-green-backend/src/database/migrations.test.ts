import { DatabaseManager } from '@backstage/backend-defaults/database';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import knexFactory from 'knex';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migratedDatabase } from './migrations';

describe('migratedDatabase', () => {
  it('puts a SQLite database file, configured the way Backstage reads it, in write-ahead-log mode', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'blue-green-wal-'));
    const database = DatabaseManager.fromConfig(
      new ConfigReader({
        backend: {
          database: { client: 'better-sqlite3', connection: { directory } },
        },
      }),
    ).forPlugin('blue-green', {
      logger: mockServices.logger.mock(),
      lifecycle: mockServices.lifecycle.mock(),
    });
    await migratedDatabase(database);
    const knex = await database.getClient();
    try {
      // A second connection sees it too: the mode is stored in the file.
      const other = knexFactory({
        client: 'better-sqlite3',
        connection: { filename: join(directory, 'blue-green.sqlite') },
        useNullAsDefault: true,
      });
      const [{ journal_mode: mode }] = await other.raw('PRAGMA journal_mode');
      await other.destroy();
      expect(mode).toBe('wal');
    } finally {
      await knex.destroy();
    }
  });
});
