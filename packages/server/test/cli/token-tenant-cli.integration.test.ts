/**
 * `pcapi token` the way the README uses it: a real `pcapi serve` child process, and the token CLI on
 * the same store with neither --tenant nor --public-url. The app's (or user's) tenant is found in the
 * store, the issuer is the URL that server recorded, stderr names the store (never a password), and
 * stdout holds the token alone, so `T=$(npx pcapi token ...)` works. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { decodeJwt } from 'jose';
import { createTestDatabase } from '../helpers/postgres.js';
import { runPcapi } from '../helpers/run-cli.js';
import { CONTOSO_BODY, DEMO } from '../helpers/test-server.js';
import { serve } from './serve-child.js';

const OTHER_PARTNER = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-token-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function getContoso(url: string, token: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/v1/customers/${DEMO.contoso}/organization`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, text: await response.text() };
}

/** The same multi-tenant app (Fabrikam Automation's client id) registered in a second partner tenant. */
function secondTenantSeed(dir: string): string {
  const file = join(dir, 'second-tenant.seed.json');
  writeFileSync(file, JSON.stringify({ partners: [{
    tenantId: OTHER_PARTNER, displayName: 'Other Partner', domain: 'other.example',
    applications: [{ clientId: DEMO.fabrikamAutomation, displayName: 'Fabrikam Automation (multi-tenant)', agentRoles: ['AdminAgents'] }],
  }] }));
  return file;
}

function storeSuite(name: string, setUp: (t: TestContext) => Promise<{ storeArgs: string[]; storeLine: RegExp; secret?: string }>) {
  describe(`pcapi token on ${name}`, () => {
    test('--app without --tenant or --public-url: the tenant is found, the issuer is the running server\u2019s, and the server answers 200', async (t) => {
      const { storeArgs, storeLine, secret } = await setUp(t);
      const url = await serve(t, storeArgs);

      const app = await runPcapi(['token', '--app', DEMO.fabrikamAutomation, ...storeArgs]);
      assert.equal(app.code, 0, app.stderr);
      const token = app.stdout.trim();
      assert.equal(app.stdout, `${token}\n`, 'stdout holds the token alone');
      assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
      const [storeText, issuerText, ...rest] = app.stderr.split('\n');
      assert.match(storeText!, storeLine);
      assert.equal(issuerText, `pcapi: issuer ${url} (recorded by pcapi serve on this store at ${issuerText!.match(/at (\S+)\)$/)?.[1]})`);
      assert.deepEqual(rest, ['']);
      if (secret) assert.ok(!app.stderr.includes(secret), 'no password on stderr');
      const claims = decodeJwt(token);
      assert.deepEqual([claims.iss, claims.tid, claims.appid, claims.idtyp], [`${url}/${DEMO.fabrikam}/v2.0`, DEMO.fabrikam, DEMO.fabrikamAutomation, 'app']);
      assert.deepEqual(await getContoso(url, token), { status: 200, text: CONTOSO_BODY });

      // --user finds its tenant the same way.
      const user = await runPcapi(['token', '--user', 'admin@fabrikam.example', ...storeArgs]);
      assert.equal(user.code, 0, user.stderr);
      assert.deepEqual(await getContoso(url, user.stdout.trim()), { status: 200, text: CONTOSO_BODY });

      // --public-url (or PCAPI_PUBLIC_URL) still wins, and says so.
      const elsewhere = await runPcapi(['token', '--app', DEMO.fabrikamAutomation, '--public-url', 'https://pcapi.example', ...storeArgs]);
      assert.equal(elsewhere.code, 0, elsewhere.stderr);
      assert.equal(decodeJwt(elsewhere.stdout.trim()).iss, `https://pcapi.example/${DEMO.fabrikam}/v2.0`);
      assert.match(elsewhere.stderr, /^pcapi: issuer https:\/\/pcapi\.example \(--public-url\)$/m);
      assert.equal((await getContoso(url, elsewhere.stdout.trim())).status, 401);
    });

    test('a client id registered in two tenants: exit 2 listing both, and --tenant picks one', async (t) => {
      const { storeArgs, secret } = await setUp(t);
      const url = await serve(t, storeArgs);
      const imported = await runPcapi(['seed', secondTenantSeed(tempDir(t)), ...storeArgs]);
      assert.equal(imported.code, 0, imported.stderr);

      const ambiguous = await runPcapi(['token', '--app', DEMO.fabrikamAutomation, ...storeArgs]);
      assert.equal(ambiguous.code, 2, ambiguous.stderr);
      assert.equal(ambiguous.stdout, '');
      assert.match(ambiguous.stderr, new RegExp(`app ${DEMO.fabrikamAutomation} is registered in 2 partner tenants of .*: `
        + `"Other Partner" \\(${OTHER_PARTNER}, other\\.example\\), "Fabrikam" \\(${DEMO.fabrikam}, fabrikam\\.example\\); give --tenant <tenant id or domain> to pick one`));
      if (secret) assert.ok(!ambiguous.stderr.includes(secret), 'no password on stderr');

      for (const tenant of ['fabrikam.example', DEMO.fabrikam]) {
        const picked = await runPcapi(['token', '--app', DEMO.fabrikamAutomation, '--tenant', tenant, ...storeArgs]);
        assert.equal(picked.code, 0, picked.stderr);
        assert.equal(decodeJwt(picked.stdout.trim()).tid, DEMO.fabrikam);
        assert.deepEqual(await getContoso(url, picked.stdout.trim()), { status: 200, text: CONTOSO_BODY });
      }
      const other = await runPcapi(['token', '--app', DEMO.fabrikamAutomation, '--tenant', 'other.example', ...storeArgs]);
      assert.equal(other.code, 0, other.stderr);
      assert.equal(decodeJwt(other.stdout.trim()).tid, OTHER_PARTNER);

      // A tenant that does not hold the app says where it is.
      const wrong = await runPcapi(['token', '--app', DEMO.adatumAutomation, '--tenant', 'fabrikam.example', ...storeArgs]);
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, new RegExp(`no app ${DEMO.adatumAutomation} in partner "Fabrikam" .*\\(it is in "Adatum" \\(${DEMO.adatum}, adatum\\.example\\): leave --tenant out\\)`));
    });
  });
}

storeSuite('SQLite', async (t) => {
  const dir = tempDir(t);
  return { storeArgs: ['--data-dir', dir], storeLine: new RegExp(`^pcapi: store sqlite ${join(dir, 'pcapi.db').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) };
});

storeSuite('PostgreSQL', async (t) => {
  const dir = tempDir(t);
  const database = await createTestDatabase(t);
  // Trust auth ignores the password; it is here to show it never reaches stderr.
  const url = new URL(database.url);
  url.password = 'never-printed-s3cret';
  return {
    storeArgs: ['--data-dir', dir, '--database', url.toString()],
    storeLine: new RegExp(`^pcapi: store postgres postgres://${url.username}@${url.host}/${database.name}$`),
    secret: 'never-printed-s3cret',
  };
});
