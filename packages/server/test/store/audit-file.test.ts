/**
 * The audit trail's SQLite file beside a data file (`<database>-audit`): built from migrations 010 and
 * 012, and a file an older pcapi made gets the steps it lacks when opened, its events kept.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { AUDIT_SQL } from '../../src/store/audit-sql.js';
import { loadMigrations } from '../../src/store/migrations.js';
import { auditFileOf, openAuditFile } from '../../src/store/sqlite/sqlite-audit.js';

function dataFileIn(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-audit-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'pcapi.db');
}

const indexes = (db: Database.Database) => (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_batches'").all() as { name: string }[]).map((row) => row.name);
const plan = (db: Database.Database, sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((row) => row.detail).join('; ');

test('a new audit file: migrations 010 and 012, and pruning reads the batches\' spans from the covering index, not the rows', (t) => {
  const db = openAuditFile(dataFileIn(t));
  t.after(() => db.close());
  assert.equal(db.pragma('user_version', { simple: true }), 2);
  assert.deepEqual(indexes(db), ['audit_batches_span']);
  assert.match(plan(db, AUDIT_SQL.batchMeta), /USING COVERING INDEX audit_batches_span/);
});

test('an audit file an older pcapi made (010 only) gets the index when opened, and keeps its batches', (t) => {
  const dataFile = dataFileIn(t);
  const old = new Database(auditFileOf(dataFile));
  old.pragma('journal_mode = WAL');
  old.exec(loadMigrations('sqlite').find((migration) => migration.version === 10)!.doSql);
  old.pragma('user_version = 1');
  old.prepare(AUDIT_SQL.insertBatch).run(1, 2, 1, Buffer.alloc(86), '[1]', null);
  old.close();
  const before = new Database(auditFileOf(dataFile), { readonly: true });
  assert.match(plan(before, AUDIT_SQL.batchMeta), /^SCAN audit_batches$/, 'before: every row read');
  before.close();

  const db = openAuditFile(dataFile);
  t.after(() => db.close());
  assert.equal(db.pragma('user_version', { simple: true }), 2);
  assert.deepEqual(indexes(db), ['audit_batches_span']);
  assert.deepEqual(db.prepare(AUDIT_SQL.batchMeta).all(), [{ id: 1, min_at: 1, max_at: 2, count: 1 }]);
});

test('an audit file a newer pcapi made is left as it is', (t) => {
  const dataFile = dataFileIn(t);
  const newer = new Database(auditFileOf(dataFile));
  newer.exec(loadMigrations('sqlite').find((migration) => migration.version === 10)!.doSql);
  newer.pragma('user_version = 3');
  newer.close();
  const db = openAuditFile(dataFile);
  t.after(() => db.close());
  assert.equal(db.pragma('user_version', { simple: true }), 3);
  assert.deepEqual(indexes(db), [], 'no step of this version run on it');
});
