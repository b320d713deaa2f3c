/** The store contract on SQLite (real database files in temporary directories), plus SQLite-only behaviour. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/open-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { StoreOpenError } from '../../src/store/store.js';
import { DEMO, DEMO_ROWS, demoDocument, dumpTables, importDocument, knownMigrationVersions, recordedMigrationVersions, largeDocument, largeDocumentRows, storeContract } from './store-contract.js';
import { gdapStoreContract } from './gdap-store-contract.js';
import { auditStoreContract } from './audit-store-contract.js';
import { consoleStoreContract } from './console-store-contract.js';
import { exportRoundTripContract, signingKeyContract } from './store-contract.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-sqlite-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A new database file holding the demo data, closed again; its path. */
async function demoStoreFile(t: TestContext): Promise<string> {
  const file = join(tempDir(t), 'pcapi.db');
  const store = await openStore({ kind: 'sqlite', file });
  await importDocument(store, demoDocument());
  await store.close();
  return file;
}

/** A fresh, not yet initialized store on a new database file; closed and deleted after the test. */
async function openSqlite(t: TestContext): Promise<SqliteStore> {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-sqlite-store-'));
  const store = new SqliteStore(join(dir, 'pcapi.db'));
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return store;
}

storeContract('SQLite', openSqlite);
signingKeyContract('SQLite', openSqlite);
exportRoundTripContract('SQLite', openSqlite);
gdapStoreContract('SQLite', openSqlite);
auditStoreContract('SQLite', openSqlite);
consoleStoreContract('SQLite', openSqlite);

const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));
const SQLITE_STORE_MODULE = new URL('../../src/store/sqlite/sqlite-store.ts', import.meta.url).href;

/**
 * A separate Node process that, for each round, opens a SqliteStore on the file it is given (a new
 * one every round) and says "ready"; on "go <time>" it spins until that wall-clock time (so all the
 * processes start init() within the same instant), runs init(), closes the store and answers the
 * outcome. One process serves every round: starting Node and the loader took most of the test's time.
 */
function initProcess(): { open(file: string): Promise<string>; go(at: number): Promise<string>; close(): void } {
  const script = `
    const { SqliteStore } = await import(process.argv[1]);
    const { createInterface } = await import('node:readline');
    const describe = (error) => 'failed: ' + error.name + ': ' + error.message;
    let store, opening;
    for await (const line of createInterface({ input: process.stdin })) {
      const [command, argument] = line.split(' ');
      if (command === 'open') {
        try { store = new SqliteStore(argument); opening = undefined; } catch (error) { store = undefined; opening = describe(error); }
        process.stdout.write('ready\\n');
      } else if (command === 'go') {
        const at = Number(argument);
        while (performance.timeOrigin + performance.now() < at) { /* spin */ }
        let outcome = opening ?? 'ok';
        if (store) {
          try { await store.init(); } catch (error) { outcome = describe(error); }
          await store.close();
        }
        process.stdout.write(outcome + '\\n');
      }
    }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, SQLITE_STORE_MODULE], { cwd: PACKAGE_DIR, stdio: ['pipe', 'pipe', 'pipe'] });
  let buffered = '';
  let err = '';
  const waiting: ((line: string) => void)[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      waiting.shift()?.(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  // A process that ends answers every pending question with why.
  child.on('close', (code) => {
    for (const answer of waiting.splice(0)) answer(`exited ${code}: ${err.trim()}`);
  });
  child.stdin.on('error', () => undefined);
  const ask = (line: string) => new Promise<string>((resolve) => {
    if (child.exitCode !== null) return resolve(`exited ${child.exitCode}: ${err.trim()}`);
    waiting.push(resolve);
    child.stdin.write(`${line}\n`);
  });
  return { open: (file) => ask(`open ${file}`), go: (at) => ask(`go ${at}`), close: () => child.stdin.end() };
}

describe('SQLite store specifics', () => {
  test('a file that is not a SQLite database is refused with StoreOpenError and left untouched', async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'notes.db');
    const content = 'this is a text file, not a database\n'.repeat(200);
    writeFileSync(file, content);
    await assert.rejects(openStore({ kind: 'sqlite', file }), (error: Error) => {
      assert.ok(error instanceof StoreOpenError, `${error.name}: ${error.message}`);
      assert.ok(error.message.includes(file), error.message);
      return true;
    });
    assert.equal(readFileSync(file, 'utf8'), content);
  });

  test('a damaged audit file beside a sound database is named in the refusal, and left untouched', async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'pcapi.db');
    const first = await openStore({ kind: 'sqlite', file });
    await first.close();
    writeFileSync(`${file}-audit`, 'garbage\n'.repeat(100));
    await assert.rejects(openStore({ kind: 'sqlite', file }), (error: Error) => {
      assert.ok(error instanceof StoreOpenError, `${error.name}: ${error.message}`);
      assert.match(error.message, new RegExp(`audit trail's SQLite file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-audit: .*not affected`));
      return true;
    });
    assert.equal(readFileSync(`${file}-audit`, 'utf8'), 'garbage\n'.repeat(100));
  });

  test('a database with a newer schema version than this pcapi knows is refused and not changed', async (t) => {
    const file = await demoStoreFile(t);
    const db = new Database(file);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(999, 'from-the-future', '2030-01-01T00:00:00.000Z');
    db.close();
    const newer = new SqliteStore(file);
    const before = await dumpTables(newer);
    try {
      await assert.rejects(newer.init(), (error: Error) => {
        assert.ok(error instanceof StoreOpenError, `${error.name}: ${error.message}`);
        assert.match(error.message, /999/);
        return true;
      });
    } finally {
      await newer.close();
    }
    await assert.rejects(openStore({ kind: 'sqlite', file }), StoreOpenError);
    assert.deepEqual(await dumpTables(newer), before);
  });

  test('several processes initializing the same new database file at the same moment all succeed', { timeout: 120_000 }, async (t) => {
    const dir = tempDir(t);
    const processes = Array.from({ length: 6 }, () => initProcess());
    t.after(() => processes.forEach((p) => p.close()));
    for (let round = 0; round < 6; round++) {
      const file = join(dir, `shared-${round}.db`);
      const opened = await Promise.all(processes.map((p) => p.open(file)));
      assert.deepEqual(opened, processes.map(() => 'ready'), `round ${round}: ${opened.join(' | ')}`);
      const at = Date.now() + 300;
      const results = await Promise.all(processes.map((p) => p.go(at)));
      assert.deepEqual(results, processes.map(() => 'ok'), `round ${round}: ${results.join(' | ')}`);
      const store = new SqliteStore(file);
      try {
        await store.init();
        assert.deepEqual(recordedMigrationVersions(await dumpTables(store)), knownMigrationVersions(store));
      } finally {
        await store.close();
      }
    }
  });

  test('committed data survives closing and reopening the file', async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'pcapi.db');
    const first = await openStore({ kind: 'sqlite', file });
    await importDocument(first, demoDocument());
    await first.close();
    const second = await openStore({ kind: 'sqlite', file });
    try {
      assert.equal((await second.findPartnerTenant('fabrikam.example'))?.tenantId, DEMO.fabrikam);
      assert.deepEqual(await importDocument(second, demoDocument()), { inserted: 0, updated: 0, unchanged: DEMO_ROWS });
    } finally {
      await second.close();
    }
  });

  test('while another process holds the write lock, a migrated store still opens and reads; an import waits its busy timeout, then says why and imports nothing', async (t) => {
    const file = await demoStoreFile(t);
    // Another process's transaction, as a long import holds it.
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    t.after(() => {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
    });
    const store = new SqliteStore(file, { busyTimeoutMs: 300 });
    t.after(() => store.close());
    await store.init();
    assert.equal((await store.findPartnerTenant('fabrikam.example'))?.tenantId, DEMO.fabrikam);
    const renamed = demoDocument();
    renamed.partners[0]!.displayName = 'Fabrikam, renamed';
    await assert.rejects(importDocument(store, renamed), (error: unknown) => {
      assert.ok(error instanceof StoreOpenError, String(error));
      assert.match(error.message, /another process held the store's write lock for 0\.3 s \(an import, or a server applying migrations\); try again when it has finished; nothing was imported$/);
      return true;
    });
    other.exec('ROLLBACK');
    assert.equal((await store.findPartnerTenant('fabrikam.example'))?.displayName, demoDocument().partners[0]!.displayName);
  });

  test('a plan of 12,000 customers imports, and re-imports with no changes', { timeout: 120_000 }, async (t) => {
    const store = await openSqlite(t);
    await store.init();
    const size = { customers: 12_000, users: 5_200, relationships: 5_200 };
    assert.deepEqual(await importDocument(store, largeDocument(size)), { inserted: largeDocumentRows(size), updated: 0, unchanged: 0 });
    assert.deepEqual(await importDocument(store, largeDocument(size)), { inserted: 0, updated: 0, unchanged: largeDocumentRows(size) });
  });

  test('a statistics refresh that fails after COMMIT (another writer holds the lock) is a warning: the import is committed and reported so', async (t) => {
    const store = await openSqlite(t);
    await store.init();
    // A second connection takes the write lock the moment the import commits, as another process's
    // import could; PRAGMA optimize then finds the database locked.
    const writer = new Database(store.file);
    writer.pragma('busy_timeout = 0');
    t.after(() => {
      if (writer.inTransaction) writer.exec('ROLLBACK');
      writer.close();
    });
    let armed = true;
    store.onDataChanged(() => {
      if (!armed) return;
      armed = false;
      writer.exec('BEGIN IMMEDIATE');
    });
    const summary = await importDocument(store, demoDocument());
    writer.exec('ROLLBACK');
    assert.deepEqual([summary.inserted, summary.updated, summary.unchanged], [DEMO_ROWS, 0, 0]);
    assert.equal(summary.warnings?.length, 1, JSON.stringify(summary));
    assert.match(summary.warnings![0]!, /^the import was committed, but refreshing the query planner's statistics \(PRAGMA optimize\) failed: database is locked/);
    assert.equal((await dumpTables(store)).partner_tenants?.length, 2, 'committed');
    assert.deepEqual(await importDocument(store, demoDocument()), { inserted: 0, updated: 0, unchanged: DEMO_ROWS });
  });

  test('a data-change listener that throws after COMMIT is a warning, not a failed import', async (t) => {
    const store = await openSqlite(t);
    await store.init();
    let calls = 0;
    // Throws once: the import's own notification comes first (the data-version poll notices later).
    store.onDataChanged(() => {
      if (++calls === 1) throw new Error('listener broke');
    });
    const summary = await importDocument(store, demoDocument());
    assert.deepEqual(summary.warnings, ['the import was committed, but a data-change listener failed: listener broke']);
    assert.equal(summary.inserted, DEMO_ROWS);
    assert.equal((await store.findPartnerTenant(DEMO.fabrikam))?.displayName, 'Fabrikam');
  });
});

test('other connections are told of imports and key writes, not of sign-in writes (grants, consents)', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'pcapi.db');
  const reader = new SqliteStore(file);
  const writer = new SqliteStore(file);
  await reader.init();
  await writer.init();
  t.after(async () => {
    await reader.close();
    await writer.close();
  });
  let told = 0;
  reader.onDataChanged(() => told++);
  // Longer than the poll interval, so a change would have been seen.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

  await importDocument(writer, demoDocument());
  await settle();
  assert.equal(told, 1, 'an import by another connection is seen');

  await writer.putGrant({ id: 'g1', kind: 'refresh_token', userCode: null, state: 'active', payload: { a: 1 }, expiresAtMs: Date.now() + 60_000 });
  await writer.updateGrant('g1', 'active', 'spent');
  await writer.putConsent({ tenantId: DEMO.fabrikam, clientId: DEMO.fabrikamAutomation, principalObjectId: '', scopes: ['https://graph.microsoft.com/User.Read'], grantedAtMs: 1 });
  await writer.deleteConsent(DEMO.fabrikam, DEMO.fabrikamAutomation, '');
  await writer.purgeGrants(Date.now() + 120_000);
  await settle();
  assert.equal(told, 1, 'sign-in writes change nothing cached: no flush');
  assert.equal((await reader.findGrant('g1')), undefined, 'though the reader sees them');

  await writer.insertSigningKey({ kid: 'k-test', privateJwk: { kty: 'RSA' }, certificate: '', createdAtMs: 1, signsFromMs: 1, publishedUntilMs: null });
  await settle();
  assert.equal(told, 2, 'a key write is seen');
});
