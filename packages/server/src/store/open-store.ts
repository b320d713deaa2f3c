/** Chooses the store from the configured location: SQLite by default, PostgreSQL for a postgres:// URL. */
import type { DatabaseLocation } from '../config.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** Opens and migrates the store; throws StoreOpenError with a clear message when it cannot. */
export async function openStore(location: DatabaseLocation): Promise<Store> {
  // PostgreSQL's driver is loaded only when it is used, to keep the embedded default's start-up short.
  const store = location.kind === 'postgres'
    ? new (await import('./postgres/postgres-store.js')).PostgresStore(location.url)
    : new SqliteStore(location.file);
  try {
    await store.init();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
