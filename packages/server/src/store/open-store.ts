/** Chooses the store from the configured location: SQLite by default, PostgreSQL for a postgres:// URL. */
import type { DatabaseLocation } from '../config.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** Opens and migrates the store; throws StoreOpenError with a clear message when it cannot. */
export async function openStore(location: DatabaseLocation): Promise<Store> {
  const store = location.kind === 'postgres' ? new PostgresStore(location.url) : new SqliteStore(location.file);
  try {
    await store.init();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
