/**
 * Streamed (JSON Lines) seed files through importSeedFile on a real SQLite store: one transaction over
 * chunks of 2,000 customers, every key unique wherever its copies fall, messages by line number.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { customerLine, customerTenantIdOf, partnerLine, partnerTenantIdOf } from '../../src/seed/generate-seed.js';
import { DEMO_SEED_FILE, importSeedFile } from '../../src/seed/import-seed.js';
import { stableId } from '../../src/seed/stable-id.js';
import { SeedError } from '../../src/seed/seed-error.js';
import { readSeedFile } from '../../src/seed/validate-seed.js';
import { dumpTables } from '../store/store-contract.js';
import { DEMO } from '../helpers/demo-ids.js';
import { openSqliteFileStore } from '../helpers/sqlite-file-store.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
/** More customers than one chunk holds (2,000), so a file spans two chunks. */
const TWO_CHUNKS = 2_100;

const openStore = (t: TestContext) => openSqliteFileStore(t, 'pcapi-jsonl-');

type Line = { partner?: any; customer?: any };

/** One partner with a user, then `customers` generated customers of it (line 1 is the partner, customer i is on line i + 2). */
function generated(customers: number): Line[] {
  return [partnerLine(0, 1) as Line, ...Array.from({ length: customers }, (_, i) => customerLine(i, 1) as Line)];
}

function writeLines(dir: string, lines: Line[], name = 'seed.jsonl'): string {
  const file = join(dir, name);
  writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
  return file;
}

/** The problems of the SeedError the import must throw. */
async function problemsOf(importing: Promise<unknown>): Promise<string[]> {
  const error = await importing.then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof SeedError, `expected a SeedError, got ${error instanceof Error ? `${error.name}: ${error.message}` : 'success'}`);
  return error.problems;
}

describe('a JSON Lines file declares every key once, wherever the copies fall', () => {
  test('a customer line repeated in a later chunk is refused with both lines; nothing changes', async (t) => {
    const { store, dir } = await openStore(t);
    const lines = generated(TWO_CHUNKS);
    const copy = structuredClone(lines[2]!);
    delete copy.customer.gdapRelationships;
    lines.push(copy);
    const before = await dumpTables(store);
    const problems = await problemsOf(importSeedFile(store, writeLines(dir, lines), NOW));
    assert.deepEqual(problems, [`line ${lines.length}: $.customer.tenantId: duplicate customer of this partner (also at line 3)`]);
    assert.deepEqual(await dumpTables(store), before);
  });

  test('a relationship or assignment id reused by a customer line of a later chunk is refused with both lines', async (t) => {
    const { store, dir } = await openStore(t);
    const lines = generated(TWO_CHUNKS);
    // Generated customers 0-49 hold DAP only; customer 100 is on line 102.
    const last = lines.at(-1)!.customer;
    last.gdapRelationships[0].id = lines[101]!.customer.gdapRelationships[0].id;
    last.gdapRelationships[0].accessAssignments[0].id = lines[102]!.customer.gdapRelationships[0].accessAssignments[0].id;
    const problems = await problemsOf(importSeedFile(store, writeLines(dir, lines), NOW));
    assert.deepEqual(problems, [
      `line ${lines.length}: $.customer.gdapRelationships[0].id: duplicate relationship id (also at line 102)`,
      `line ${lines.length}: $.customer.gdapRelationships[0].accessAssignments[0].id: duplicate access assignment id (also at line 103)`,
    ]);
    assert.equal(await store.isEmpty(), true);
  });

  test('a partner line repeated after its customers is refused with both lines', async (t) => {
    const { store, dir } = await openStore(t);
    const lines = generated(10);
    lines.push(structuredClone(lines[0]!));
    const problems = await problemsOf(importSeedFile(store, writeLines(dir, lines), NOW));
    for (const [field, what] of [['tenantId', 'partner tenant id'], ['domain', 'partner domain "partner0.example"'], ['users[0].userPrincipalName', 'userPrincipalName'], ['applications[0].clientId', 'application client id']]) {
      assert.ok(problems.includes(`line 12: $.partner.${field}: duplicate ${what} (also at line 1)`), `${field} among:\n  ${problems.join('\n  ')}`);
    }
    assert.equal(await store.isEmpty(), true);
  });

  test('copies in the same chunk name both lines too', async (t) => {
    const { store, dir } = await openStore(t);
    const lines = generated(5);
    lines.push(structuredClone(lines[3]!));
    const problems = await problemsOf(importSeedFile(store, writeLines(dir, lines), NOW));
    assert.ok(problems.includes('line 7: $.customer.tenantId: duplicate customer of this partner (also at line 4)'), problems.join('\n'));
  });
});

describe("a JSON Lines file cannot take over another partner's ids", () => {
  test("a customer line in a later chunk reusing Fabrikam's relationship is refused with its line and both partners; nothing changes", async (t) => {
    const { store, dir } = await openStore(t);
    await importSeedFile(store, DEMO_SEED_FILE, NOW);
    const before = await dumpTables(store);
    const contosoReaders = stableId('relationship', DEMO.fabrikam, DEMO.contoso, 'contoso readers');
    const lines = generated(TWO_CHUNKS);
    lines.at(-1)!.customer.gdapRelationships[0].id = contosoReaders;
    const problems = await problemsOf(importSeedFile(store, writeLines(dir, lines), NOW));
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.equal(problems[0], `line ${lines.length}: $.customer.gdapRelationships[0].id: relationship id ${contosoReaders} is the relationship "Contoso readers" `
      + `with customer ${DEMO.contoso} of partner "Fabrikam" (${DEMO.fabrikam}) in the store; partner "Partner 0" (${partnerTenantIdOf(0)}) cannot take it over `
      + '(ids belong to their partner: leave the id out, or use a new one)');
    assert.deepEqual(await dumpTables(store), before);
  });

  test("a partner line reusing Fabrikam's admin id and domain is refused at its line", async (t) => {
    const { store, dir } = await openStore(t);
    await importSeedFile(store, DEMO_SEED_FILE, NOW);
    const before = await dumpTables(store);
    const admin = stableId('user', DEMO.fabrikam, 'admin@fabrikam.example');
    const lines = generated(3);
    lines[0]!.partner.users[0].id = admin;
    lines[0]!.partner.domain = 'fabrikam.example';
    const problems = await problemsOf(importSeedFile(store, writeLines(dir, lines), NOW));
    assert.deepEqual(problems.map((problem) => problem.split(': ').slice(0, 2).join(': ')).sort(), ['line 1: $.partner.domain', 'line 1: $.partner.users[0].id']);
    assert.match(problems.find((problem) => problem.includes('users[0]'))!, new RegExp(`object id ${admin} is user "admin@fabrikam\\.example" of partner "Fabrikam" \\(${DEMO.fabrikam}\\)`));
    assert.deepEqual(await dumpTables(store), before);
  });

  test("a customer line changing the organization another partner's file set is refused; with the same details it serves the customer too", async (t) => {
    const { store, dir } = await openStore(t);
    await importSeedFile(store, DEMO_SEED_FILE, NOW);
    const contoso = readSeedFile(DEMO_SEED_FILE).partners[0]!.customers![0]!;
    const lines: Line[] = [partnerLine(0, 1), { customer: { partnerTenantId: partnerTenantIdOf(0), tenantId: DEMO.contoso, displayName: 'Contoso', organization: { ...contoso.organization, city: 'Seattle' } } }];
    const problems = await problemsOf(importSeedFile(store, writeLines(dir, lines), NOW));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^line 2: \$\.customer\.organization: the organization details of customer 13bba13f-\S+ were set by partner "Fabrikam" .*city: "Redmond" → "Seattle"/);
    lines[1]!.customer.organization.city = 'Redmond';
    const summary = await importSeedFile(store, writeLines(dir, lines), NOW);
    assert.equal(summary.unchanged, 1, 'the customer row, as Fabrikam set it');
    assert.equal((await store.organization(DEMO.contoso))?.city, 'Redmond');
    const links = (await dumpTables(store)).partner_customers!.filter((row) => row.includes(DEMO.contoso));
    assert.equal(links.length, 2, 'Contoso is served by Fabrikam and by the new partner');
  });
});

describe('what a streamed import reports', () => {
  test('a first import counts only inserts (partners are not written again with each chunk); the same file again changes nothing', async (t) => {
    const { store, dir } = await openStore(t);
    const file = writeLines(dir, generated(TWO_CHUNKS));
    const first = await importSeedFile(store, file, NOW);
    assert.equal(first.updated, 0);
    assert.equal(first.unchanged, 0, 'a partner written by its own line is not counted again with each chunk');
    const second = await importSeedFile(store, file, NOW);
    assert.deepEqual(second, { inserted: 0, updated: 0, unchanged: first.inserted });
    const customers = (await dumpTables(store)).customer_tenants!.length;
    assert.equal(customers, TWO_CHUNKS);
    assert.ok(await store.organization(customerTenantIdOf(TWO_CHUNKS - 1)));
  });

  test('a JSON document and the same data as JSON Lines import the same rows', async (t) => {
    const { store: fromDocument } = await openStore(t);
    const { store: fromLines, dir } = await openStore(t);
    const lines = generated(30);
    const document = { partners: [{ ...lines[0]!.partner, customers: lines.slice(1).map(({ customer: { partnerTenantId: _, ...customer } }) => customer) }] };
    writeFileSync(join(dir, 'seed.json'), JSON.stringify(document));
    const [a, b] = [await importSeedFile(fromDocument, join(dir, 'seed.json'), NOW), await importSeedFile(fromLines, writeLines(dir, lines), NOW)];
    assert.deepEqual(a, b);
    const withoutHashes = (dump: Record<string, string[]>) => ({ ...dump, principals: dump.principals!.map((row) => row.replace(/"credential_hash":"[^"]*"/, '')), schema_migrations: [] });
    assert.deepEqual(withoutHashes(await dumpTables(fromLines)), withoutHashes(await dumpTables(fromDocument)));
  });
});

describe('a JSON Lines file with many problems', () => {
  test('every bad line is reported, up to 1,000 problems; then reading stops, and nothing is imported', async (t) => {
    const { store, dir } = await openStore(t);
    const lines = generated(1_500);
    for (const line of lines.slice(1)) line.customer.displayName = '';
    const problems = await problemsOf(importSeedFile(store, writeLines(dir, lines), NOW));
    assert.equal(problems.length, 1_001);
    assert.equal(problems[0], 'line 2: $.customer.displayName: must NOT have fewer than 1 characters');
    assert.equal(problems[999], 'line 1001: $.customer.displayName: must NOT have fewer than 1 characters');
    assert.equal(problems[1_000], '... stopped reading at line 1001 after 1000 problems');
    assert.equal(await store.isEmpty(), true);
  });

  test('a first line that is not a JSON object stops at once: not a seed file', async (t) => {
    const { store, dir } = await openStore(t);
    const file = join(dir, 'table.jsonl');
    writeFileSync(file, 'name,tenant\nContoso,13bba13f\n');
    const problems = await problemsOf(importSeedFile(store, file, NOW));
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0]!, /^line 1: not valid JSON/);
  });

  test("a partner line that fails the schema: its customers' lines are checked alone, not reported as orphans", async (t) => {
    const { store, dir } = await openStore(t);
    const lines = generated(3);
    lines[0]!.partner.colour = 'blue';
    lines[2]!.customer.dap = 'yes';
    const problems = await problemsOf(importSeedFile(store, writeLines(dir, lines), NOW));
    assert.deepEqual(problems, ['line 1: $.partner: unknown property "colour"', 'line 3: $.customer.dap: must be boolean']);
  });
});
