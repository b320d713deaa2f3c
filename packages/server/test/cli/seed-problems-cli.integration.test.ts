/**
 * `pcapi seed` reports every problem of a file in one run, whatever stage finds it: the schema, the
 * references within the file, and conflicts with what the store holds. Exit 2, every problem named
 * with its place, and the store exactly as it was. A JSON document on SQLite and PostgreSQL, and a
 * JSON Lines file whose problems fall in different chunks.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { customerLine, partnerLine, partnerTenantIdOf } from '../../src/seed/generate-seed.js';
import { DEMO_SEED_FILE } from '../../src/seed/import-seed.js';
import { stableId } from '../../src/seed/stable-id.js';
import { openStore } from '../../src/store/open-store.js';
import { DEMO } from '../helpers/demo-ids.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { runPcapi } from '../helpers/run-cli.js';
import { dumpTables } from '../store/store-contract.js';

const NEWCOMER = '7b3e9f1c-2a4d-4e5f-8c6b-0d1e2f3a4b5c';
const HELPDESK_ADMINISTRATOR = '729827e3-9c14-49f7-bb1b-9608f156bbb8';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-seed-problems-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A seed with problems in three stages, and a few more of the references stage. */
function troubledDocument() {
  const organization = { street: '1 Main Street', countryLetterCode: 'US', city: 'Springfield' };
  return {
    partners: [{
      // Stage 3 (the store): Fabrikam's domain, taken by another partner.
      tenantId: NEWCOMER, displayName: 'Newcomer', domain: 'fabrikam.example',
      securityGroups: [{ displayName: 'Readers' }],
      users: [{ userPrincipalName: 'admin@newcomer.example', agentRoles: ['AdminAgents'], memberOf: ['Readers'] }],
      customers: [
        // Stage 1 (the schema): a status that does not exist.
        { tenantId: '11111111-1111-4111-8111-111111111111', displayName: 'Bad status', organization,
          gdapRelationships: [{ displayName: 'Broken', status: 'activ', roles: ['Global Reader'] }] },
        // Stage 2 (references): a group the partner does not have, a misspelt role, roles outside the relationship.
        { tenantId: '22222222-2222-4222-8222-222222222222', displayName: 'Dangling', organization,
          gdapRelationships: [{ displayName: 'Readers', status: 'active', roles: ['Global Reader'],
            accessAssignments: [
              { securityGroup: 'No Such Group', roles: ['Global Reader'] },
              { securityGroup: 'Readers', roles: ['Global Readers'] },
              { id: 'second', securityGroup: 'Readers', roles: ['Global Reader', 'Helpdesk Administrator'] },
            ] }] },
      ],
    }],
  };
}

function assertThreeStages(stderr: string): void {
  const expected = [
    // schema
    '$.partners[0].customers[0].gdapRelationships[0].status: must be one of "created", "approvalPending"',
    // references
    '$.partners[0].customers[1].gdapRelationships[0].accessAssignments[0].securityGroup: no security group named "No Such Group" in partner "Newcomer"',
    '$.partners[0].customers[1].gdapRelationships[0].accessAssignments[1].roles[0]: unknown role "Global Readers" (did you mean "Global Reader"? ',
    `$.partners[0].customers[1].gdapRelationships[0].accessAssignments[2].roles: roles must be a subset of the relationship's; not in it: Helpdesk Administrator (${HELPDESK_ADMINISTRATOR})`,
    // the store
    `$.partners[0].domain: domain "fabrikam.example" already belongs to partner "Fabrikam" (${DEMO.fabrikam}) in the store; partner "Newcomer" (${NEWCOMER}) cannot take it`,
  ];
  for (const text of expected) assert.ok(stderr.includes(text), `missing:\n  ${text}\nin:\n${stderr}`);
  assert.match(stderr, /^pcapi: seed file .* is not valid:$/m);
  assert.doesNotMatch(stderr, /^\s+at .+[:(]\d+/m, 'no stack trace');
}

function storeSuite(name: string, setUp: (t: TestContext) => Promise<string[]>) {
  test(`a JSON document with a schema error, dangling references and a conflict with the store: all reported in one run, exit 2, ${name} unchanged`, async (t) => {
    const storeArgs = await setUp(t);
    const seeded = await runPcapi(['seed', DEMO_SEED_FILE, ...storeArgs]);
    assert.equal(seeded.code, 0, seeded.stderr);
    const before = await dump(storeArgs);

    const file = join(tempDir(t), 'troubled.seed.json');
    writeFileSync(file, JSON.stringify(troubledDocument(), null, 2));
    const run = await runPcapi(['seed', file, ...storeArgs]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stdout, '');
    assertThreeStages(run.stderr);
    assert.equal(run.stderr.split('\n').filter((line) => line.startsWith('  $.')).length, 5, run.stderr);
    assert.deepEqual(await dump(storeArgs), before, 'the store is unchanged');

    // Fixed, the same file imports.
    const fixed = troubledDocument();
    fixed.partners[0]!.domain = 'newcomer.example';
    fixed.partners[0]!.customers[0]!.gdapRelationships[0]!.status = 'active';
    (fixed.partners[0]!.customers[1]!.gdapRelationships[0] as { accessAssignments: object[] }).accessAssignments = [{ securityGroup: 'Readers', roles: ['Global Reader'] }];
    writeFileSync(file, JSON.stringify(fixed));
    const again = await runPcapi(['seed', file, ...storeArgs]);
    assert.equal(again.code, 0, again.stderr);
  });
}

/** Every table of the store the arguments name, through a store of this process. */
async function dump(storeArgs: string[]) {
  const database = storeArgs[storeArgs.indexOf('--database') + 1] ?? '';
  const store = await openStore(database.startsWith('postgres') ? { kind: 'postgres', url: database } : { kind: 'sqlite', file: join(storeArgs[storeArgs.indexOf('--data-dir') + 1]!, 'pcapi.db') });
  try {
    return await dumpTables(store);
  } finally {
    await store.close();
  }
}

describe('pcapi seed reports every problem at once', () => {
  storeSuite('SQLite', async (t) => ['--data-dir', tempDir(t)]);
  storeSuite('PostgreSQL', async (t) => ['--data-dir', tempDir(t), '--database', (await createTestDatabase(t)).url]);

  test('a JSON Lines file: a schema error on line 3, an orphan customer, a dangling reference, and a conflict two chunks later, all in one run', async (t) => {
    const dir = tempDir(t);
    assert.equal((await runPcapi(['seed', DEMO_SEED_FILE, '--data-dir', dir])).code, 0);
    const before = await dump(['--data-dir', dir]);

    type CustomerLine = { customer: { status?: string; partnerTenantId: string; gdapRelationships: { id: string; status: string; accessAssignments: { securityGroup: string }[] }[] } };
    const lines: object[] = [partnerLine(0, 1), ...Array.from({ length: 4_500 }, (_, i) => customerLine(200 + i, 1))];
    (lines[2] as CustomerLine).customer.gdapRelationships[0]!.status = 'activ';
    (lines[4] as CustomerLine).customer.gdapRelationships[0]!.accessAssignments[0]!.securityGroup = 'No Such Group';
    (lines[6] as CustomerLine).customer.partnerTenantId = NEWCOMER;
    const contosoReaders = stableId('relationship', DEMO.fabrikam, DEMO.contoso, 'contoso readers');
    (lines[4_400] as CustomerLine).customer.gdapRelationships[0]!.id = contosoReaders;
    const file = join(dir, 'troubled.seed.jsonl');
    writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n'));

    const run = await runPcapi(['seed', file, '--data-dir', dir]);
    assert.equal(run.code, 2, run.stderr);
    for (const text of [
      'line 3: $.customer.gdapRelationships[0].status: must be one of',
      'line 5: $.customer.gdapRelationships[0].accessAssignments[0].securityGroup: no security group named "No Such Group" in partner "Partner 0"',
      `line 7: $.customer.partnerTenantId: no partner ${NEWCOMER} on an earlier line`,
      `line 4401: $.customer.gdapRelationships[0].id: relationship id ${contosoReaders} is the relationship "Contoso readers" with customer ${DEMO.contoso} of partner "Fabrikam" (${DEMO.fabrikam}) in the store; partner "Partner 0" (${partnerTenantIdOf(0)}) cannot take it over`,
    ]) assert.ok(run.stderr.includes(text), `missing:\n  ${text}\nin:\n${run.stderr}`);
    assert.equal(run.stderr.split('\n').filter((line) => line.startsWith('  line ')).length, 4, run.stderr);
    assert.deepEqual(await dump(['--data-dir', dir]), before, 'the store is unchanged');
    assert.ok(readFileSync(file, 'utf8').length > 0);
  });
});
