/** A SqliteStore on a real file in a new temporary folder; closed and removed after the test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

export async function openSqliteFileStore(t: TestContext, prefix = 'pcapi-test-'): Promise<{ store: SqliteStore; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const store = new SqliteStore(join(dir, 'pcapi.db'));
  await store.init();
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, dir };
}
