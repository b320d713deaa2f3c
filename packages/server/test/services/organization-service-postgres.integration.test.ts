/** The invalidation race on PostgreSQL, where the read and the change notification travel on different connections. */
import { test, type TestContext } from 'node:test';
import { plannedDemo } from '../helpers/inject-app.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { raceScenario } from './invalidation-race.js';

test('PostgreSQL: an answer read before another process\'s change is not cached after its NOTIFY', async (t: TestContext) => {
  const database = await createTestDatabase(t);
  const serving = new PostgresStore(database.url);
  const importer = new PostgresStore(database.url);
  for (const store of [serving, importer]) {
    await store.init();
    t.after(() => store.close());
  }
  await importer.importSeed(await plannedDemo());
  await raceScenario(serving, importer);
});
