/**
 * The seed's sign-in fields: apps' redirectUris and publicClient, users' accountEnabled, and partners'
 * consents, through validation, planning, import (SQLite) and JSON Lines.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { DEMO_SEED_FILE, importSeedDocument, importSeedFile } from '../../src/seed/import-seed.js';
import { planSeed } from '../../src/seed/plan-seed.js';
import type { SeedDocument } from '../../src/seed/seed-document.js';
import type { SeedPlan } from '../../src/seed/seed-plan.js';
import { stableId } from '../../src/seed/stable-id.js';
import { SeedError } from '../../src/seed/seed-error.js';
import { parseSeedText, readSeedFile, redirectUriProblem } from '../../src/seed/validate-seed.js';
import { DEMO } from '../helpers/demo-ids.js';
import { openSqliteFileStore } from '../helpers/sqlite-file-store.js';
import { dumpTables } from '../store/store-contract.js';

const PARTNER = '2c01706f-53f9-43ed-a5e3-50fe9b93e511';
const PARTNER_2 = '1e5fc020-fb3c-4f6a-bcbb-ad2b6564bf62';
const APP = '5cb9b94d-825a-47d7-830b-7226f428175e';
const OTHER_APP = '8dc207ca-4053-40ab-a2c9-c938c55a0ebc';
const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const AZURE_POWERSHELL = '1950a258-227b-4e31-a9cf-717495945fc2';
const USER_ID = '0b9a4c62-3d0e-4f7c-9a51-6c2d8e1f4a70';
const PC_SCOPE = 'https://api.partnercenter.microsoft.com/user_impersonation';
const NOW = new Date('2026-03-01T12:00:00.000Z');
const LATER = new Date('2026-09-01T12:00:00.000Z');

/** A small valid seed with every sign-in field; tests change one thing. */
function baseSeed(): any {
  return {
    partners: [{
      tenantId: PARTNER, displayName: 'Fabrikam', domain: 'fabrikam.example',
      users: [
        { userPrincipalName: 'admin@fabrikam.example', password: 'secret', agentRoles: ['AdminAgents'] },
        { id: USER_ID, userPrincipalName: 'sales@fabrikam.example', agentRoles: ['SalesAgents'] },
        { userPrincipalName: 'gone@fabrikam.example', accountEnabled: false },
      ],
      applications: [{
        clientId: APP, displayName: 'Fabrikam Automation', clientSecret: 'secret', publicClient: true,
        redirectUris: ['https://app.fabrikam.example/signin', 'http://localhost', 'http://127.0.0.1:8400/', 'http://[::1]:5000/cb',
          'ms-appx-web://Microsoft.AAD.BrokerPlugin/5cb9b94d-825a-47d7-830b-7226f428175e', 'urn:ietf:wg:oauth:2.0:oob', `msal${APP}://auth`],
      }],
      consents: [
        { clientId: APP, scopes: [PC_SCOPE] },
        { clientId: APP.toUpperCase(), user: 'Admin@Fabrikam.example', scopes: [PC_SCOPE, 'https://graph.microsoft.com/User.Read'] },
        { clientId: AZURE_CLI, user: USER_ID.toUpperCase(), scopes: [PC_SCOPE] },
        { clientId: AZURE_POWERSHELL, scopes: ['fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd/user_impersonation'] },
      ],
    }],
  };
}

const noneStored = { credentialHashes: async () => new Map(), relationshipDates: async () => new Map() };
const plan = (document: SeedDocument, now = NOW): Promise<SeedPlan> => planSeed(document, { now, source: 'test.seed.json', existing: noneStored });

/** Parses then plans; returns the problems of the SeedError it must throw. */
async function problemsOf(document: unknown): Promise<string[]> {
  try {
    await plan(parseSeedText(JSON.stringify(document), 'test.seed.json'));
  } catch (error) {
    assert.ok(error instanceof SeedError, `expected a SeedError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('the seed was accepted');
}

function assertProblem(problems: string[], path: string, text: RegExp) {
  const found = problems.find((problem) => problem.startsWith(`${path}: `) && text.test(problem));
  assert.ok(found, `no problem "${path}: ${text}" among:\n  ${problems.join('\n  ')}`);
}

const openStore = (t: TestContext) => openSqliteFileStore(t, 'pcapi-seed-sign-in-');

const adminId = stableId('user', PARTNER, 'admin@fabrikam.example');

describe('sign-in fields: planning a valid seed', () => {
  test('redirect URIs, public client and account state go into the principal rows, with defaults', async () => {
    const result = await plan(parseSeedText(JSON.stringify(baseSeed()), 'test.seed.json'));
    const app = result.principals.find((p) => p.kind === 'app')!;
    assert.deepEqual([app.redirectUris, app.publicClient, app.accountEnabled], [baseSeed().partners[0].applications[0].redirectUris, true, true]);
    const byName = (upn: string) => result.principals.find((p) => p.userPrincipalName === upn)!;
    assert.deepEqual([byName('admin@fabrikam.example').accountEnabled, byName('gone@fabrikam.example').accountEnabled], [true, false]);
    for (const user of result.principals.filter((p) => p.kind === 'user')) assert.deepEqual([user.redirectUris, user.publicClient], [[], false]);

    const seed = baseSeed();
    delete seed.partners[0].applications[0].redirectUris;
    delete seed.partners[0].applications[0].publicClient;
    const bare = (await plan(parseSeedText(JSON.stringify(seed), 'x'))).principals.find((p) => p.kind === 'app')!;
    assert.deepEqual([bare.redirectUris, bare.publicClient], [[], false]);
  });

  test('consents resolve the app (lower case), the user by id or UPN, tenant-wide without a user; scopes sorted; granted at the import time', async () => {
    const result = await plan(parseSeedText(JSON.stringify(baseSeed()), 'test.seed.json'));
    assert.deepEqual(result.consents, [
      { tenantId: PARTNER, clientId: APP, principalObjectId: '', scopes: [PC_SCOPE], grantedAtMs: NOW.getTime() },
      { tenantId: PARTNER, clientId: APP, principalObjectId: adminId, scopes: ['https://api.partnercenter.microsoft.com/user_impersonation', 'https://graph.microsoft.com/User.Read'], grantedAtMs: NOW.getTime() },
      { tenantId: PARTNER, clientId: AZURE_CLI, principalObjectId: USER_ID, scopes: [PC_SCOPE], grantedAtMs: NOW.getTime() },
      { tenantId: PARTNER, clientId: AZURE_POWERSHELL, principalObjectId: '', scopes: ['fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd/user_impersonation'], grantedAtMs: NOW.getTime() },
    ]);
    assert.ok(result.claims.some((claim) => claim.key === `consent:${PARTNER}:${APP}:${adminId}` && claim.place === '$.partners[0].consents[1]'));
  });

  test('the demo seed: both Fabrikam apps have redirect URIs, Fabrikam Automation allows public client flows, no consents', async () => {
    const result = await plan(readSeedFile(DEMO_SEED_FILE));
    const app = (clientId: string) => result.principals.find((p) => p.clientId === clientId)!;
    assert.deepEqual([app(DEMO.fabrikamAutomation).redirectUris, app(DEMO.fabrikamAutomation).publicClient], [['http://localhost', 'https://localhost/callback'], true]);
    assert.deepEqual([app(DEMO.fabrikamReporting).redirectUris, app(DEMO.fabrikamReporting).publicClient], [['http://localhost', 'https://localhost/callback'], false]);
    assert.deepEqual(result.consents, []);
    assert.ok(result.principals.every((p) => p.accountEnabled));
  });
});

describe('sign-in fields: problems of the file', () => {
  test('redirectUriProblem accepts https, loopback http and custom schemes', () => {
    for (const uri of baseSeed().partners[0].applications[0].redirectUris) assert.equal(redirectUriProblem(uri), undefined, uri);
    assert.equal(redirectUriProblem('HTTP://LOCALHOST:3000/callback?x=1'), undefined);
    assert.equal(redirectUriProblem('myapp://auth'), undefined);
  });

  test('bad redirect URIs are each named with their path and the reason', async () => {
    const seed = baseSeed();
    seed.partners[0].applications[0].redirectUris = [
      'http://app.fabrikam.example/cb', 'localhost/callback', 'https://app.fabrikam.example/cb#done', 'javascript:alert(1)', 'https:///nohost',
      'http://localhost.evil.example/', 'https://app.fabrikam.example/a b', 'c:\\apps\\callback', 'https://localhost/callback',
    ];
    const problems = await problemsOf(seed);
    const at = (index: number) => `$.partners[0].applications[0].redirectUris[${index}]`;
    assertProblem(problems, at(0), /^\S+: "http:\/\/app\.fabrikam\.example\/cb" uses http, which is allowed only for localhost, 127\.0\.0\.1 and \[::1\] \(use https\)$/);
    assertProblem(problems, at(1), /"localhost\/callback" is not an absolute URI \(use https:\/\/\.\.\., http:\/\/localhost\.\.\., or a custom scheme such as ms-appx-web:\/\/\.\.\. or urn:ietf:wg:oauth:2\.0:oob\)/);
    assertProblem(problems, at(2), /has a fragment/);
    assertProblem(problems, at(3), /uses the javascript: scheme, which cannot be a redirect URI/);
    assertProblem(problems, at(4), /is not a URL with a host \(https:\/\/host\/path\)/);
    assertProblem(problems, at(5), /uses http/);
    assertProblem(problems, at(6), /contains white space/);
    assertProblem(problems, at(7), /is not an absolute URI/);
    assert.equal(problems.length, 8, problems.join('\n'));
  });

  test('schema problems of the new fields: types, duplicates, a missing or malformed scope', async () => {
    const seed = baseSeed();
    seed.partners[0].applications[0].publicClient = 'yes';
    seed.partners[0].applications[0].redirectUris.push('http://localhost');
    seed.partners[0].users[0].accountEnabled = 0;
    seed.partners[0].consents[0].scopes = ['user_impersonation', 'https://api.partnercenter.microsoft.com/', `${PC_SCOPE} `, '/user_impersonation'];
    seed.partners[0].consents[1].scopes = [];
    delete seed.partners[0].consents[2].scopes;
    seed.partners[0].consents[3].scope = [PC_SCOPE];
    const problems = await problemsOf(seed);
    assertProblem(problems, '$.partners[0].applications[0].publicClient', /must be boolean/);
    assertProblem(problems, '$.partners[0].applications[0].redirectUris', /duplicate/);
    assertProblem(problems, '$.partners[0].users[0].accountEnabled', /must be boolean/);
    for (let i = 0; i < 4; i++) {
      assertProblem(problems, `$.partners[0].consents[0].scopes[${i}]`, /must be a scope of the form <resource>\/<permission>, e\.g\. "https:\/\/api\.partnercenter\.microsoft\.com\/user_impersonation"/);
    }
    assertProblem(problems, '$.partners[0].consents[1].scopes', /must NOT have fewer than 1 items/);
    assertProblem(problems, '$.partners[0].consents[2]', /missing required property "scopes"/);
    assertProblem(problems, '$.partners[0].consents[3]', /unknown property "scope"/);
  });

  test("a consent names one of the partner's apps or a first-party public client, and one of its users", async () => {
    const seed = baseSeed();
    seed.partners.push({ tenantId: PARTNER_2, displayName: 'Adatum', applications: [{ clientId: OTHER_APP, displayName: 'Adatum Automation' }] });
    seed.partners[0].consents.push(
      { clientId: OTHER_APP, scopes: [PC_SCOPE] },
      { clientId: APP, user: 'nobody@fabrikam.example', scopes: [PC_SCOPE] },
      { clientId: APP, user: stableId('user', PARTNER, 'nobody@fabrikam.example'), scopes: [PC_SCOPE] },
    );
    seed.partners[1].consents = [{ clientId: OTHER_APP, user: 'admin@fabrikam.example', scopes: [PC_SCOPE] }];
    const problems = await problemsOf(seed);
    assertProblem(problems, '$.partners[0].consents[4].clientId', new RegExp(`^\\S+: no application with client id ${OTHER_APP} in partner "Fabrikam" \\(a consent names one of the partner's applications, or a Microsoft first-party public client: Microsoft Azure CLI ${AZURE_CLI}, Microsoft Azure PowerShell ${AZURE_POWERSHELL}\\)$`));
    assertProblem(problems, '$.partners[0].consents[5].user', /no user with id or userPrincipalName "nobody@fabrikam\.example" in partner "Fabrikam" in this file/);
    assertProblem(problems, '$.partners[0].consents[6].user', /no user with id or userPrincipalName/);
    assertProblem(problems, '$.partners[1].consents[0].user', /no user .* in partner "Adatum"/);
    assert.equal(problems.length, 4, problems.join('\n'));
  });

  test('the same consent twice (a user named by id and by UPN, or two tenant-wide ones) names both places', async () => {
    const seed = baseSeed();
    seed.partners[0].consents.push(
      { clientId: AZURE_CLI, user: 'SALES@fabrikam.example', scopes: [PC_SCOPE] },
      { clientId: APP, scopes: ['https://graph.microsoft.com/User.Read'] },
    );
    const problems = await problemsOf(seed);
    assert.deepEqual(problems, [
      '$.partners[0].consents[4]: duplicate consent of this application for this user (also at $.partners[0].consents[2])',
      '$.partners[0].consents[5]: duplicate tenant-wide consent of this application (also at $.partners[0].consents[0])',
    ]);
  });
});

describe('sign-in fields: importing', () => {
  test('principals and consents are stored; granted_at is kept while the scopes are unchanged; a change is one update', async (t) => {
    const { store } = await openStore(t);
    const first = await importSeedDocument(store, parseSeedText(JSON.stringify(baseSeed()), 'a.json'), 'a.json', NOW);
    assert.equal(first.updated, 0);
    const app = await store.findAppByClientId(PARTNER, APP);
    assert.deepEqual([app?.redirectUris, app?.publicClient, app?.accountEnabled], [baseSeed().partners[0].applications[0].redirectUris, true, true]);
    assert.equal((await store.findUserByName(PARTNER, 'gone@fabrikam.example'))?.accountEnabled, false);
    assert.deepEqual(await store.consents(PARTNER, APP, adminId), [
      { tenantId: PARTNER, clientId: APP, principalObjectId: '', scopes: [PC_SCOPE], grantedAtMs: NOW.getTime() },
      { tenantId: PARTNER, clientId: APP, principalObjectId: adminId, scopes: [PC_SCOPE, 'https://graph.microsoft.com/User.Read'], grantedAtMs: NOW.getTime() },
    ]);

    const again = await importSeedDocument(store, parseSeedText(JSON.stringify(baseSeed()), 'a.json'), 'a.json', LATER);
    assert.deepEqual(again, { inserted: 0, updated: 0, unchanged: first.inserted });
    assert.equal((await store.consents(PARTNER, APP, adminId))[1]?.grantedAtMs, NOW.getTime(), 'unchanged scopes keep their grant time');

    const seed = baseSeed();
    seed.partners[0].consents[1].scopes = [PC_SCOPE];
    seed.partners[0].consents[0].scopes = [PC_SCOPE];
    seed.partners[0].users[2].accountEnabled = true;
    seed.partners[0].applications[0].redirectUris = ['https://app.fabrikam.example/signin'];
    const changed = await importSeedDocument(store, parseSeedText(JSON.stringify(seed), 'b.json'), 'b.json', LATER);
    assert.deepEqual({ inserted: changed.inserted, updated: changed.updated }, { inserted: 0, updated: 3 });
    assert.deepEqual((await store.consents(PARTNER, APP, adminId)).map((c) => [c.principalObjectId, c.scopes, c.grantedAtMs]), [
      ['', [PC_SCOPE], NOW.getTime()], [adminId, [PC_SCOPE], LATER.getTime()],
    ]);
    assert.equal((await store.findUserByName(PARTNER, 'gone@fabrikam.example'))?.accountEnabled, true);
    assert.deepEqual((await store.findAppByClientId(PARTNER, APP))?.redirectUris, ['https://app.fabrikam.example/signin']);
  });

  test('consents the file does not list are left alone (merge), including consents granted at run time', async (t) => {
    const { store } = await openStore(t);
    await importSeedDocument(store, parseSeedText(JSON.stringify(baseSeed()), 'a.json'), 'a.json', NOW);
    await store.putConsent({ tenantId: PARTNER, clientId: APP, principalObjectId: USER_ID, scopes: [PC_SCOPE], grantedAtMs: NOW.getTime() + 5 });
    const seed = baseSeed();
    seed.partners[0].consents = [];
    const summary = await importSeedDocument(store, parseSeedText(JSON.stringify(seed), 'b.json'), 'b.json', LATER);
    assert.deepEqual({ inserted: summary.inserted, updated: summary.updated }, { inserted: 0, updated: 0 });
    assert.equal((await dumpTables(store)).consents?.length, 5);
  });

  test('a file with a bad consent or redirect URI changes nothing, though its other changes are fine', async (t) => {
    const { store, dir } = await openStore(t);
    await importSeedDocument(store, parseSeedText(JSON.stringify(baseSeed()), 'a.json'), 'a.json', NOW);
    const before = await dumpTables(store);
    const cases: [(seed: any) => void, RegExp][] = [
      [(seed) => seed.partners[0].consents.push({ clientId: OTHER_APP, scopes: [PC_SCOPE] }), /^\$\.partners\[0\]\.consents\[4\]\.clientId: no application/],
      [(seed) => seed.partners[0].consents.push({ clientId: APP, user: 'nobody@fabrikam.example', scopes: [PC_SCOPE] }), /^\$\.partners\[0\]\.consents\[4\]\.user: no user/],
      [(seed) => seed.partners[0].applications[0].redirectUris.push('http://example.com/cb'), /^\$\.partners\[0\]\.applications\[0\]\.redirectUris\[7\]: "http:\/\/example\.com\/cb" uses http/],
      [(seed) => (seed.partners[0].consents[0].scopes = ['nope']), /^\$\.partners\[0\]\.consents\[0\]\.scopes\[0\]: must be a scope/],
    ];
    for (const [change, expected] of cases) {
      const seed = baseSeed();
      seed.partners[0].displayName = 'Fabrikam Renamed';
      seed.partners[0].consents[1].scopes = [PC_SCOPE];
      seed.partners[0].users[2].accountEnabled = true;
      change(seed);
      const file = join(dir, 'bad.seed.json');
      writeFileSync(file, JSON.stringify(seed));
      const problems = await importSeedFile(store, file, LATER).then(() => [], (error: SeedError) => error.problems);
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0]!, expected);
      assert.deepEqual(await dumpTables(store), before);
    }
  });

  test('JSON Lines: consents on a partner line import; a bad one is reported with its line; the same data as a document imports the same rows', async (t) => {
    const { store: fromLines, dir } = await openStore(t);
    const { store: fromDocument } = await openStore(t);
    const partner = baseSeed().partners[0];
    const customer = { partnerTenantId: PARTNER, tenantId: DEMO.contoso, displayName: 'Contoso' };
    const write = (lines: unknown[]) => {
      const file = join(dir, 'seed.jsonl');
      writeFileSync(file, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
      return file;
    };
    const bad = structuredClone(partner);
    bad.consents[0].clientId = OTHER_APP;
    bad.applications[0].redirectUris.push('http://example.com/cb');
    const problems = await importSeedFile(fromLines, write([{ partner: bad }, { customer }]), NOW).then(() => [], (error: SeedError) => error.problems);
    assert.deepEqual(problems, [`line 1: $.partner.applications[0].redirectUris[7]: "http://example.com/cb" uses http, which is allowed only for localhost, 127.0.0.1 and [::1] (use https)`]);
    const badConsent = structuredClone(partner);
    badConsent.consents[0].clientId = OTHER_APP;
    const consentProblems = await importSeedFile(fromLines, write([{ partner: badConsent }, { customer }]), NOW).then(() => [], (error: SeedError) => error.problems);
    assert.equal(consentProblems.length, 1);
    assert.match(consentProblems[0]!, /^line 1: \$\.partner\.consents\[0\]\.clientId: no application with client id/);
    assert.equal(await fromLines.isEmpty(), true);

    const lines = await importSeedFile(fromLines, write([{ partner }, { customer }]), NOW);
    const { partnerTenantId: _, ...ownCustomer } = customer;
    writeFileSync(join(dir, 'seed.json'), JSON.stringify({ partners: [{ ...partner, customers: [ownCustomer] }] }));
    assert.deepEqual(await importSeedFile(fromDocument, join(dir, 'seed.json'), NOW), lines);
    const withoutHashes = (dump: Record<string, string[]>) => ({ ...dump, principals: dump.principals!.map((row) => row.replace(/"credential_hash":"[^"]*"/, '')), schema_migrations: [] });
    assert.deepEqual(withoutHashes(await dumpTables(fromLines)), withoutHashes(await dumpTables(fromDocument)));
    assert.equal((await dumpTables(fromLines)).consents?.length, 4);
  });
});
