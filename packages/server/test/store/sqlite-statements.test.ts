/**
 * Every SQL statement the SQLite store uses prepares against the schema its migrations build. The
 * store prepares statements when first used (prepareAll), so this is where one that no longer fits
 * the schema is found.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { AUDIT_SQL } from '../../src/store/audit-sql.js';
import { loadMigrations } from '../../src/store/migrations.js';
import * as sql from '../../src/store/sqlite/sqlite-statements.js';

const MAPS = {
  READ_SQL: sql.READ_SQL, WRITE_SQL: sql.WRITE_SQL, SIGN_IN_SQL: sql.SIGN_IN_SQL, IMPORT_LOOKUP_SQL: sql.IMPORT_LOOKUP_SQL,
  SIGNING_KEY_SQL: sql.SIGNING_KEY_SQL, CHANGE_COUNTER_SQL: sql.CHANGE_COUNTER_SQL, AUDIT_SQL,
};

function migratedDatabase(): Database.Database {
  const db = new Database(':memory:');
  for (const migration of loadMigrations('sqlite')) db.exec(migration.doSql);
  // The import's lookups read the claims table it creates for its transaction.
  db.exec(sql.CLAIMS_TABLE_SQL.create);
  return db;
}

test('every statement of every SQL map prepares against the migrated schema', () => {
  const db = migratedDatabase();
  try {
    const failures: string[] = [];
    let prepared = 0;
    for (const [mapName, map] of Object.entries(MAPS)) {
      for (const [name, text] of Object.entries(map)) {
        try {
          db.prepare(text);
          prepared++;
        } catch (error) {
          failures.push(`${mapName}.${name}: ${(error as Error).message}`);
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(prepared >= 60, `${prepared} statements`);
  } finally {
    db.close();
  }
});

test('prepareAll prepares a statement when it is first used, once', () => {
  const db = migratedDatabase();
  try {
    const statements = sql.prepareAll(db, { good: 'SELECT version FROM change_counter WHERE id = 1', broken: 'SELECT id FROM no_such_table' });
    // The broken one is not prepared until it is used, and then fails as db.prepare does.
    assert.throws(() => statements.broken, /no such table: no_such_table/);
    const first = statements.good;
    assert.equal(statements.good, first, 'the same statement every time');
    assert.deepEqual(Object.keys(statements), ['good', 'broken']);
  } finally {
    db.close();
  }
});
