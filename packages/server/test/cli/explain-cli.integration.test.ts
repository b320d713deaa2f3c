/**
 * `pcapi explain` end to end through the CLI, on SQLite and on PostgreSQL: the decision with its
 * checks as the server decides it, now or at an instant (--at), for users and apps, as text or JSON;
 * exit 0 allowed, 1 denied, 2 for what cannot be explained.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { DEMO_SEED_FILE } from '../../src/seed/import-seed.js';
import { DEMO } from '../helpers/demo-ids.js';
import { pcapiCommand } from '../helpers/pcapi-command.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { runProgram } from '../helpers/run-cli.js';

async function pcapi(args: string[]) {
  const [node, bundle] = await pcapiCommand();
  return runProgram(node, [bundle, ...args]);
}

/** A store with the demo seeded, named by the options that reach it. */
type StoreArgs = (t: TestContext) => Promise<string[]>;

const stores: Record<string, StoreArgs> = {
  SQLite: async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'pcapi-explain-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    return ['--data-dir', dir];
  },
  PostgreSQL: async (t) => ['--database', (await createTestDatabase(t)).url],
};

for (const [name, storeArgs] of Object.entries(stores)) {
  describe(`pcapi explain on ${name}`, () => {
    test('users and apps, allowed and denied, now and at an instant, text and JSON', async (t) => {
      const where = await storeArgs(t);
      const seeded = await pcapi(['seed', DEMO_SEED_FILE, ...where]);
      assert.equal(seeded.code, 0, seeded.stderr);

      const allowed = await pcapi(['explain', '--principal', 'admin@fabrikam.example', '--customer', DEMO.contoso, ...where]);
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.match(allowed.stderr, /^pcapi: store (sqlite \/\S+\/pcapi\.db|postgres postgres:\/\/\S+)\n/, 'stderr names the store first, as every command that opens one');
      assert.match(allowed.stdout, /^user admin@fabrikam\.example of Fabrikam, customer 13bba13f/);
      assert.match(allowed.stdout, /\nallowed: 200, until \d{4}-/);
      assert.match(allowed.stdout, /passed: user admin@fabrikam\.example is in group "GDAP Readers", which holds Global Reader/);

      const expired = await pcapi(['explain', '--principal', 'admin@fabrikam.example', '--customer', DEMO.tailspin, ...where]);
      assert.equal(expired.code, 1);
      assert.match(expired.stdout, /denied: 403 gdapAccessInsufficient \(code 900308\)/);
      assert.match(expired.stdout, /failed: relationship "Tailspin admins" \([0-9a-f-]+\) expired on/);

      // Relecloud's request awaits approval now; unapproved for 90 days, it has expired.
      const pending = await pcapi(['explain', '--principal', 'admin@fabrikam.example', '--customer', DEMO.relecloud, '--json', ...where]);
      const later = await pcapi(['explain', '--principal', 'admin@fabrikam.example', '--customer', DEMO.relecloud, '--json', '--at', new Date(Date.now() + 100 * 86_400_000).toISOString(), ...where]);
      assert.equal(pending.code, 1);
      const [now, then] = [JSON.parse(pending.stdout), JSON.parse(later.stdout)] as { allowed: boolean; status: number; reason: string; checks: string[] }[];
      assert.equal(now!.status, 403);
      assert.match(now!.checks.join('\n'), /is approvalPending, not active/);
      assert.match(then!.checks.join('\n'), /expired on/);

      const app = await pcapi(['explain', '--principal', DEMO.fabrikamReporting, '--tenant', 'fabrikam.example', '--customer', DEMO.contoso, ...where]);
      assert.equal(app.code, 1);
      assert.match(app.stdout, /^application Fabrikam Reporting of Fabrikam/);
      assert.match(app.stdout, /failed: application Fabrikam Reporting is in no security group assigned/);

      const unknown = await pcapi(['explain', '--principal', 'nobody@fabrikam.example', '--customer', DEMO.contoso, ...where]);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /no user nobody@fabrikam\.example in partner Fabrikam/);
      // A client id one partner holds needs no --tenant, as with pcapi token --app.
      const noTenant = await pcapi(['explain', '--principal', DEMO.fabrikamReporting, '--customer', DEMO.contoso, ...where]);
      assert.equal(noTenant.code, 1, noTenant.stderr);
      const afterTime = (text: string) => text.replace(/ at \S+ /, ' at … ');
      assert.equal(afterTime(noTenant.stdout), afterTime(app.stdout));
      const unknownApp = await pcapi(['explain', '--principal', '00000000-0000-4000-8000-000000000000', '--customer', DEMO.contoso, ...where]);
      assert.equal(unknownApp.code, 2);
      assert.match(unknownApp.stderr, /no application 00000000-0000-4000-8000-000000000000 in any partner tenant/);
    });
  });
}
