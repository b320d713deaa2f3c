/** Opening in WAL mode retries what SQLite refuses at once to avoid a deadlock (SQLITE_BUSY), and nothing else. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isBusy, openInWalMode, retryWhileBusy } from '../../src/store/sqlite/open-wal.js';

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

test('SQLITE_BUSY is tried again until the open succeeds; other errors are not', () => {
  let calls = 0;
  assert.equal(retryWhileBusy(() => (++calls < 3 ? (() => { throw busy(); })() : 'open')), 'open');
  assert.equal(calls, 3);
  let failures = 0;
  assert.throws(() => retryWhileBusy(() => { failures++; throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' }); }), /disk I\/O error/);
  assert.equal(failures, 1, 'no retry for anything but busy');
  assert.ok(isBusy(Object.assign(new Error(), { code: 'SQLITE_BUSY_RECOVERY' })));
  assert.ok(!isBusy(new Error('database is locked')), 'by code, not by message');
});

test('a new file is opened in WAL mode with the busy timeout set', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-wal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = openInWalMode(join(dir, 'new.db'), 1234);
  try {
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('busy_timeout', { simple: true }), 1234);
  } finally {
    db.close();
  }
});
