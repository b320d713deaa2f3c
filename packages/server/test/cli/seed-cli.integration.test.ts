import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { customerLine, partnerLine } from '../../src/seed/generate-seed.js';
import { DEMO_SEED_FILE } from '../../src/seed/import-seed.js';
import { stableId } from '../../src/seed/stable-id.js';
import { DEMO } from '../helpers/demo-ids.js';
import { runPcapi } from '../helpers/run-cli.js';


const pcapi = (args: string[]) => runPcapi(args);

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function dump(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
    return Object.fromEntries(tables.map(({ name }) => [name, (db.prepare(`SELECT * FROM "${name}"`).all() as object[]).map((r) => JSON.stringify(r)).sort()]));
  } finally {
    db.close();
  }
}

const COUNTS = /: (\d+) inserted, (\d+) updated, (\d+) unchanged$/m;
const assertNoStack = (text: string) => assert.doesNotMatch(text, /^\s+at .+[:(]\d+/m, `stack trace in:\n${text}`);

describe('pcapi seed', () => {
  test('imports a file, prints the counts, and a second run changes nothing', async (t) => {
    const dir = tempDir(t);
    const first = await pcapi(['seed', DEMO_SEED_FILE, '--data-dir', dir]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stderr, `pcapi: store sqlite ${join(dir, 'pcapi.db')}\n`, 'stderr names the store, and only that');
    assert.match(first.stdout, new RegExp(`^imported ${DEMO_SEED_FILE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} into ${join(dir, 'pcapi.db')}`));
    const [, inserted, updated, unchanged] = COUNTS.exec(first.stdout)!.map(Number);
    assert.ok(inserted! > 0);
    assert.deepEqual([updated, unchanged], [0, 0]);
    assert.match(first.stdout, /\n  counted in rows \(partners, users, apps, groups, memberships, customers, relationships, assignments, consents\): inserted are new, updated were changed by this file, unchanged were already stored as the file gives them and were left alone\n$/);
    assert.ok(existsSync(join(dir, 'pcapi.db')));

    const second = await pcapi(['seed', DEMO_SEED_FILE, '--data-dir', dir]);
    assert.equal(second.code, 0, second.stderr);
    const counts = COUNTS.exec(second.stdout)!.slice(1).map(Number);
    assert.deepEqual(counts, [0, 0, inserted]);
    assert.match(second.stdout, /\n  nothing changed: the store already held every row of this file as written \(importing a file again changes nothing\)\n$/);
  });

  test('a relative seed path and --database are resolved from the working directory', async (t) => {
    const dir = tempDir(t);
    const database = join(dir, 'custom', 'store.db');
    const run = await pcapi(['seed', 'packages/server/seeds/demo.seed.json', '--database', database]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`into ${database.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:`));
    assert.equal((dump(database).partner_tenants as unknown[]).length, 2);
  });

  test('a bad file exits 2, names the JSON path on stderr, and leaves the database as it was', async (t) => {
    const dir = tempDir(t);
    assert.equal((await pcapi(['seed', DEMO_SEED_FILE, '--data-dir', dir])).code, 0);
    const before = dump(join(dir, 'pcapi.db'));

    const seed = JSON.parse(readFileSync(DEMO_SEED_FILE, 'utf8'));
    seed.partners[0].displayName = 'Renamed';
    seed.partners[0].customers[0].gdapRelationships[0].accessAssignments[0].securityGroup = 'No Such Group';
    const bad = join(dir, 'bad.seed.json');
    writeFileSync(bad, JSON.stringify(seed));
    const run = await pcapi(['seed', bad, '--data-dir', dir]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /bad\.seed\.json/);
    assert.match(run.stderr, /\$\.partners\[0\]\.customers\[0\]\.gdapRelationships\[0\]\.accessAssignments\[0\]\.securityGroup: no security group named "No Such Group"/);
    assertNoStack(run.stderr);
    assert.deepEqual(dump(join(dir, 'pcapi.db')), before);
  });

  test('a schema error exits 2 with the path of the unknown property', async (t) => {
    const dir = tempDir(t);
    const bad = join(dir, 'typo.seed.json');
    writeFileSync(bad, JSON.stringify({ partners: [{ tenantId: '2c01706f-53f9-43ed-a5e3-50fe9b93e511', displayName: 'F', users: [{ userPrincipalName: 'a@b.example', pasword: 'x' }] }] }));
    const run = await pcapi(['seed', bad, '--data-dir', dir]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /\$\.partners\[0\]\.users\[0\]: unknown property "pasword"/);
    assertNoStack(run.stderr);
  });

  test('a seed clashing with the stored data is rolled back and reported without a stack trace', async (t) => {
    const dir = tempDir(t);
    assert.equal((await pcapi(['seed', DEMO_SEED_FILE, '--data-dir', dir])).code, 0);
    const before = dump(join(dir, 'pcapi.db'));
    const clash = join(dir, 'clash.seed.json');
    writeFileSync(clash, JSON.stringify({ partners: [{
      tenantId: '2c01706f-53f9-43ed-a5e3-50fe9b93e511', displayName: 'Renamed',
      users: [{ id: '0b9a4c62-3d0e-4f7c-9a51-6c2d8e1f4a70', userPrincipalName: 'admin@fabrikam.example' }],
    }] }));
    const run = await pcapi(['seed', clash, '--data-dir', dir]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^pcapi: /);
    assert.match(run.stderr, /\$\.partners\[0\]\.users\[0\]\.userPrincipalName: userPrincipalName "admin@fabrikam\.example" already belongs to another user id/);
    assertNoStack(run.stderr);
    assert.deepEqual(dump(join(dir, 'pcapi.db')), before);
  });

  test("a file taking over another partner's user exits 2 naming the id, both partners and the place, and changes nothing", async (t) => {
    const dir = tempDir(t);
    assert.equal((await pcapi(['seed', DEMO_SEED_FILE, '--data-dir', dir])).code, 0);
    const before = dump(join(dir, 'pcapi.db'));
    const admin = stableId('user', DEMO.fabrikam, 'admin@fabrikam.example');
    const takeover = join(dir, 'takeover.seed.json');
    writeFileSync(takeover, JSON.stringify({ partners: [{ tenantId: '7b3e9f1c-2a4d-4e5f-8c6b-0d1e2f3a4b5c', displayName: 'Newcomer', users: [{ id: admin, userPrincipalName: 'boss@newcomer.example' }] }] }));
    const run = await pcapi(['seed', takeover, '--data-dir', dir]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, '');
    assert.ok(run.stderr.includes(`$.partners[0].users[0].id: object id ${admin} is user "admin@fabrikam.example" of partner "Fabrikam" (${DEMO.fabrikam}) in the store; `
      + 'partner "Newcomer" (7b3e9f1c-2a4d-4e5f-8c6b-0d1e2f3a4b5c) cannot take it over'), run.stderr);
    assertNoStack(run.stderr);
    assert.deepEqual(dump(join(dir, 'pcapi.db')), before);
  });

  test('a JSON Lines file with one customer on two lines in different chunks exits 2 naming both lines, and imports nothing', async (t) => {
    const dir = tempDir(t);
    const lines = [partnerLine(0, 1), ...Array.from({ length: 2_050 }, (_, i) => customerLine(i, 1)), customerLine(7, 1)];
    const file = join(dir, 'big.seed.jsonl');
    writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n'));
    const run = await pcapi(['seed', file, '--data-dir', dir]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /line 2052: \$\.customer\.tenantId: duplicate customer of this partner \(also at line 9\)/);
    assertNoStack(run.stderr);
    // A first import refused: not even the empty store it began with is left.
    assert.equal(existsSync(join(dir, 'pcapi.db')), false);
  });

  test('a binary file exits 2 with a description; none of its bytes reach the terminal', async (t) => {
    const dir = tempDir(t);
    for (const name of ['picture.seed.json', 'picture.seed.jsonl']) {
      const file = join(dir, name);
      // A PNG signature, then an escape sequence that would clear a terminal.
      writeFileSync(file, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x1b, 0x5b, 0x32, 0x4a]));
      const run = await pcapi(['seed', file, '--data-dir', dir]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /not valid JSON: unexpected byte 0x89 at (line 1, )?column 1 \(not UTF-8 text\); is this a seed file\?/);
      assert.doesNotMatch(run.stderr, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\ufffd]/, JSON.stringify(run.stderr));
    }
  });

  test('a missing file exits 2 with a clear message', async (t) => {
    const dir = tempDir(t);
    const missing = join(dir, 'missing.seed.json');
    const run = await pcapi(['seed', missing, '--data-dir', dir]);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^pcapi: /);
    assert.ok(run.stderr.includes(missing), run.stderr);
    assert.match(run.stderr, /cannot read the file: ENOENT/);
    assertNoStack(run.stderr);
  });

  test('a refused first import leaves no store and no folder behind; a refused import into an existing store keeps it', async (t) => {
    const dir = tempDir(t);
    const typo = join(dir, 'typo.seed.json');
    writeFileSync(typo, '{"partners":[{"tenantId":"not-a-guid"}]}');
    const fresh = join(dir, 'new-data');
    const refused = await pcapi(['seed', typo, '--data-dir', fresh]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.equal(existsSync(fresh), false, 'no folder, no empty store for later commands to answer from');
    // A later command on that folder says there is no store, as before the typo.
    assert.equal((await pcapi(['audit', '--data-dir', fresh])).code, 2);
    const kept = join(dir, 'kept');
    assert.equal((await pcapi(['seed', DEMO_SEED_FILE, '--data-dir', kept])).code, 0);
    assert.equal((await pcapi(['seed', typo, '--data-dir', kept])).code, 2);
    assert.ok(existsSync(join(kept, 'pcapi.db')), 'an existing store is never removed');
  });

  test('pcapi serve refusing its seed file leaves no new store behind either; an existing store is kept', async (t) => {
    const dir = tempDir(t);
    const typo = join(dir, 'typo.seed.json');
    writeFileSync(typo, '{"partners":[{"tenantId":"not-a-guid"}]}');
    const fresh = join(dir, 'new-data');
    const refused = await pcapi(['serve', '--seed', typo, '--data-dir', fresh, '--port', '0']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /tenantId: must be a GUID/);
    assert.equal(existsSync(fresh), false, 'no folder, no store');
    const kept = join(dir, 'kept');
    assert.equal((await pcapi(['seed', DEMO_SEED_FILE, '--data-dir', kept])).code, 0);
    assert.equal((await pcapi(['serve', '--seed', typo, '--data-dir', kept, '--port', '0'])).code, 2);
    assert.ok(existsSync(join(kept, 'pcapi.db')), 'an existing store is never removed');
  });

  test('no file argument is a usage error (exit 2)', async (t) => {
    const run = await pcapi(['seed', '--data-dir', tempDir(t)]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /missing required argument 'file'/);
  });
});
