/** `pcapi export`: the store as a seed file that `pcapi seed` imports into an empty store, giving the same export. */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { DEMO_SEED_FILE } from '../../src/seed/import-seed.js';
import { DEMO } from '../helpers/demo-ids.js';
import { runPcapi } from '../helpers/run-cli.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-export-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const mode = (file: string) => statSync(file).mode & 0o777;

describe('pcapi export', () => {
  test('exports the demo to a 0600 file; seeding it into an empty data dir exports the same document', { timeout: 60_000 }, async (t) => {
    const dir = tempDir(t);
    const [x, y, out] = [join(dir, 'x'), join(dir, 'y'), join(dir, 'export.json')];
    const seeded = await runPcapi(['seed', DEMO_SEED_FILE, '--data-dir', x]);
    assert.equal(seeded.code, 0, seeded.stderr);

    const exported = await runPcapi(['export', '--data-dir', x, '--out', out]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(exported.stdout, '', 'the document goes to the file only');
    assert.equal(mode(out), 0o600);
    const text = readFileSync(out, 'utf8');
    const document = JSON.parse(text) as { partners: { tenantId: string; users?: { passwordHash?: string; password?: string }[] }[] };
    assert.deepEqual(document.partners.map((p) => p.tenantId).sort(), [DEMO.fabrikam, DEMO.adatum].sort());
    assert.ok(document.partners.every((p) => (p.users ?? []).every((u) => u.password === undefined && /^scrypt\$/.test(u.passwordHash ?? ''))));
    assert.ok(!text.includes(DEMO.secret), 'no secret in clear');

    const reseeded = await runPcapi(['seed', out, '--data-dir', y]);
    assert.equal(reseeded.code, 0, reseeded.stderr);
    const again = await runPcapi(['export', '--data-dir', y]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, text, 'the export of the re-imported store is identical');
  });

  test('--out replaces an existing file whole and makes it 0600; an unwritable --out fails cleanly', async (t) => {
    const dir = tempDir(t);
    const out = join(dir, 'existing.json');
    writeFileSync(out, 'old content that is longer than an empty export '.repeat(10));
    chmodSync(out, 0o644);
    writeFileSync(join(dir, 'empty.seed.json'), '{"partners": []}');
    assert.equal((await runPcapi(['seed', join(dir, 'empty.seed.json'), '--data-dir', join(dir, 'data')])).code, 0, 'an empty store');
    const result = await runPcapi(['export', '--data-dir', join(dir, 'data'), '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(mode(out), 0o600);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')).partners, []);

    const missing = await runPcapi(['export', '--data-dir', join(dir, 'data'), '--out', join(dir, 'no', 'such', 'dir', 'x.json')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^pcapi: cannot write .*x\.json: the folder .*dir does not exist; nothing was written$/m);
    assert.doesNotMatch(missing.stderr, /\.tmp/, 'the temporary file is not the user\'s concern');
    assert.doesNotMatch(missing.stderr, /^\s+at /m);
  });

  test('a data folder with no store (a mistyped --data-dir): exit 2 naming it, and nothing created', async (t) => {
    const dir = tempDir(t);
    const typo = join(dir, 'dta');
    const result = await runPcapi(['export', '--data-dir', typo]);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, new RegExp(`^pcapi: there is no store at ${join(typo, 'pcapi.db')}: check --data-dir \\(PCAPI_DATA_DIR\\) or --database, or create it with pcapi seed or pcapi serve$`, 'm'));
    assert.equal(existsSync(typo), false);
  });
});
