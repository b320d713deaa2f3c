import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ENTRA_ROLES } from '@pcapi/contracts';
import { DEMO_SEED_FILE } from '../../src/seed/import-seed.js';
import { entriesOf, nearestRoleName, planEntries, planSeed } from '../../src/seed/plan-seed.js';
import type { SeedDocument } from '../../src/seed/seed-document.js';
import type { SeedPlan } from '../../src/seed/seed-plan.js';
import { SeedError } from '../../src/seed/seed-error.js';
import { checkSeedFile, checkSeedText, parseSeedText, readSeedFile } from '../../src/seed/validate-seed.js';

const PARTNER = '2c01706f-53f9-43ed-a5e3-50fe9b93e511';
const PARTNER_2 = '1e5fc020-fb3c-4f6a-bcbb-ad2b6564bf62';
const CUSTOMER = '13bba13f-49f8-49aa-8a22-1fe70d695fcb';
const NOW = new Date('2026-03-01T12:00:00.000Z');
const REL = '$.partners[0].customers[0].gdapRelationships[0]';

/** A small valid seed; tests change one thing and expect exactly that to be reported. */
function baseSeed(): any {
  return {
    partners: [{
      tenantId: PARTNER,
      displayName: 'Fabrikam',
      domain: 'fabrikam.example',
      securityGroups: [{ displayName: 'GDAP Readers' }],
      users: [{ userPrincipalName: 'admin@fabrikam.example', password: 'secret', agentRoles: ['AdminAgents'], memberOf: ['GDAP Readers'] }],
      customers: [{
        tenantId: CUSTOMER,
        displayName: 'Contoso',
        organization: { city: 'Redmond', countryLetterCode: 'US' },
        gdapRelationships: [{
          displayName: 'Contoso readers', status: 'active', roles: ['Global Reader'],
          accessAssignments: [{ securityGroup: 'GDAP Readers', roles: ['Global Reader'] }],
        }],
      }],
    }],
  };
}

const plan = (document: SeedDocument): Promise<SeedPlan> =>
  planSeed(document, { now: NOW, source: 'test.seed.json', existing: { credentialHashes: async () => new Map(), relationshipDates: async () => new Map() } });

/** Parses then plans; returns the problems of the SeedError it must throw. */
async function problemsOf(document: unknown): Promise<string[]> {
  try {
    await plan(parseSeedText(JSON.stringify(document), 'test.seed.json'));
  } catch (error) {
    assert.ok(error instanceof SeedError, `expected a SeedError, got ${String(error)}`);
    assert.equal(error.source, 'test.seed.json');
    assert.match(error.message, /^seed file test\.seed\.json is not valid:/);
    return error.problems;
  }
  assert.fail('the seed was accepted');
}

/** Asserts that one problem starts with the JSON path and matches the text. */
function assertProblem(problems: string[], path: string, text: RegExp) {
  const found = problems.find((problem) => problem.startsWith(`${path}: `) && text.test(problem));
  assert.ok(found, `no problem "${path}: ${text}" among:\n  ${problems.join('\n  ')}`);
}

describe('parseSeedText: schema errors', () => {
  test('invalid JSON is reported at $ with its line, column and what was expected', () => {
    assert.throws(() => parseSeedText('{"partners": [', 'broken.json'), (error: unknown) => {
      assert.ok(error instanceof SeedError);
      assert.deepEqual(error.problems, ['$: not valid JSON: unexpected end of file at line 1, column 15 (expected a value)']);
      assert.match(error.message, /broken\.json/);
      return true;
    });
  });

  test('arrays nested thousands deep are refused with where, not a stack overflow', () => {
    const deep = `{"partners":${'['.repeat(10_000)}0${']'.repeat(10_000)}}`;
    assert.throws(() => parseSeedText(deep, 'deep.json'), (error: unknown) => {
      assert.ok(error instanceof SeedError, String(error));
      assert.match(error.problems[0]!, /^\$\.partners(\[0\]){63}: arrays and objects nest deeper than 64 levels/);
      return true;
    });
  });

  // Checked in one pass, Ajv's error lists made this quadratic: 30,000 took 10 s, 60,000 45 s. A level at
  // a time, 60,000 take under a second. The bound only tells the two apart (a test's timeout cannot stop
  // synchronous code), with room for a loaded machine; it is not a speed figure.
  test('tens of thousands of schema errors are checked in linear time, each reported once', () => {
    const started = performance.now();
    const customers = Array.from({ length: 60_000 }, (_, i) => ({ tenantId: `bad${i}`, displayName: 'x' }));
    const text = JSON.stringify({ partners: [{ tenantId: '2c01706f-53f9-43ed-a5e3-50fe9b93e511', displayName: 'P', customers }] });
    const { problems } = checkSeedText(text, 'many.json');
    assert.equal(new Set(problems).size, problems.length);
    assert.ok(problems.length >= 60_000, `${problems.length} problems`);
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds < 15, `60,000 problems took ${seconds.toFixed(1)} s: quadratic again?`);
  });

  test('an unknown property names its object path and the misspelt property', async () => {
    const seed = baseSeed();
    seed.partners[0].users[0].pasword = 'oops';
    const problems = await problemsOf(seed);
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0]!, /^\$\.partners\[0\]\.users\[0\]/);
    assert.match(problems[0]!, /unknown property "pasword"/);
  });

  test('a bad GUID is named with its path', async () => {
    const seed = baseSeed();
    seed.partners[0].customers[0].tenantId = '13bba13f-49f8-49aa-8a22-1fe70d695fc';
    assertProblem(await problemsOf(seed), '$.partners[0].customers[0].tenantId', /must be a GUID/);
    const seed2 = baseSeed();
    seed2.partners[0].users[0].id = 'user-1';
    assertProblem(await problemsOf(seed2), '$.partners[0].users[0].id', /must be a GUID/);
  });

  test('a bad relationship id is not described as a GUID (relationship ids are not GUIDs)', async () => {
    const seed = baseSeed();
    seed.partners[0].customers[0].gdapRelationships[0].id = 'bad id!';
    const problems = await problemsOf(seed);
    assertProblem(problems, `${REL}.id`, /./);
    assert.ok(!problems.some((problem) => /must be a GUID/.test(problem)), problems.join('\n'));
  });

  test('a bad status lists the allowed values', async () => {
    const seed = baseSeed();
    seed.partners[0].customers[0].gdapRelationships[0].status = 'activ';
    assertProblem(await problemsOf(seed), `${REL}.status`, /must be one of "created", "approvalPending", .*"active".*"terminated"/);
  });

  test('a missing required property is named', async () => {
    const seed = baseSeed();
    delete seed.partners[0].customers[0].gdapRelationships[0].accessAssignments[0].securityGroup;
    assertProblem(await problemsOf(seed), `${REL}.accessAssignments[0]`, /missing required property "securityGroup"/);
  });

  test('every schema problem is reported at once', async () => {
    const seed = baseSeed();
    seed.partners[0].users[0].pasword = 'oops';
    seed.partners[0].customers[0].gdapRelationships[0].status = 'activ';
    seed.partners[0].customers[0].organization.countryLetterCode = 'usa';
    const problems = await problemsOf(seed);
    assertProblem(problems, '$.partners[0].users[0]', /pasword/);
    assertProblem(problems, `${REL}.status`, /must be one of/);
    assertProblem(problems, '$.partners[0].customers[0].organization.countryLetterCode', /\[A-Z\]\{2\}/);
  });

  test('a UTF-8 byte order mark is accepted, from text and from a file', () => {
    const text = JSON.stringify(baseSeed());
    assert.equal(parseSeedText('\uFEFF' + text, 'bom.json').partners[0]!.displayName, 'Fabrikam');
    const dir = mkdtempSync(join(tmpdir(), 'pcapi-seed-'));
    try {
      const file = join(dir, 'bom.seed.json');
      writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]));
      assert.equal(readSeedFile(file).partners[0]!.tenantId, PARTNER);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a JSON document over the size limit is refused (pointing at JSON Lines) without reading on; at the limit it is read', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'pcapi-seed-size-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'seed.json');
    const text = JSON.stringify({ partners: [] });
    writeFileSync(file, text);
    assert.deepEqual(checkSeedFile(file, text.length).problems, []);
    assert.throws(() => checkSeedFile(file, text.length - 1), (error: unknown) =>
      error instanceof SeedError && error.problems.length === 1 && /larger than .* MiB, the most a JSON document can be read whole: give larger datasets as JSON Lines/.test(error.problems[0]!));
  });

  test('a device that never ends (/dev/zero) is refused at the limit, not read forever', { skip: !existsSync('/dev/zero') && 'no /dev/zero here' }, () => {
    assert.throws(() => checkSeedFile('/dev/zero', 1024 * 1024), (error: unknown) => error instanceof SeedError && /larger than 1 MiB/.test(error.problems[0]!));
  });

  test('a missing file is a SeedError naming the file', () => {
    assert.throws(() => readSeedFile('/nonexistent/pcapi.seed.json'), (error: unknown) =>
      error instanceof SeedError && /\/nonexistent\/pcapi\.seed\.json/.test(error.message) && /cannot read the file: ENOENT/.test(error.message));
  });
});

describe('planSeed: semantic errors', () => {
  test('an unknown role name', async () => {
    const seed = baseSeed();
    seed.partners[0].customers[0].gdapRelationships[0].roles = ['Global Reader', 'Global Reeder'];
    assertProblem(await problemsOf(seed), `${REL}.roles[1]`, /unknown role "Global Reeder"/);
  });

  test('memberOf naming a missing group', async () => {
    const seed = baseSeed();
    seed.partners[0].users[0].memberOf = ['GDAP Readers', 'GDAP Writers'];
    assertProblem(await problemsOf(seed), '$.partners[0].users[0].memberOf[1]', /no security group named "GDAP Writers"/);
  });

  test('an assignment to a missing security group', async () => {
    const seed = baseSeed();
    seed.partners[0].customers[0].gdapRelationships[0].accessAssignments[0].securityGroup = 'Contoso Admins';
    assertProblem(await problemsOf(seed), `${REL}.accessAssignments[0].securityGroup`, /no security group named "Contoso Admins"/);
  });

  test('assignment roles must be a subset of the relationship roles', async () => {
    const seed = baseSeed();
    seed.partners[0].customers[0].gdapRelationships[0].accessAssignments[0].roles = ['Global Reader', 'Directory Writers'];
    assertProblem(await problemsOf(seed), `${REL}.accessAssignments[0].roles`, new RegExp(`subset.*${ENTRA_ROLES['Directory Writers']}`));
  });

  test('Global Administrator cannot auto-extend', async () => {
    const seed = baseSeed();
    Object.assign(seed.partners[0].customers[0].gdapRelationships[0], { roles: ['Global Administrator'], autoExtendDuration: 'P180D' });
    seed.partners[0].customers[0].gdapRelationships[0].accessAssignments[0].roles = ['Global Administrator'];
    assertProblem(await problemsOf(seed), `${REL}.autoExtendDuration`, /Global Administrator cannot auto-extend/);
  });

  test('a duplicate userPrincipalName (case-insensitive) names both places', async () => {
    const seed = baseSeed();
    seed.partners[0].users.push({ userPrincipalName: 'Admin@Fabrikam.example' });
    assertProblem(await problemsOf(seed), '$.partners[0].users[1].userPrincipalName', /duplicate userPrincipalName \(also at \$\.partners\[0\]\.users\[0\]\.userPrincipalName\)/);
  });

  test('the same customer under two partners with different organization details', async () => {
    const seed = baseSeed();
    seed.partners.push({
      tenantId: PARTNER_2, displayName: 'Adatum',
      customers: [{ tenantId: CUSTOMER, displayName: 'Contoso', organization: { city: 'Seattle', countryLetterCode: 'US' } }],
    });
    assertProblem(await problemsOf(seed), '$.partners[1].customers[0].organization', /also appears at \$\.partners\[0\]\.customers\[0\]/);
    // The same details under both partners are fine and give one customer row.
    seed.partners[1].customers[0].organization.city = 'Redmond';
    const result = await plan(parseSeedText(JSON.stringify(seed), 'test.seed.json'));
    assert.equal(result.customers.length, 1);
    assert.equal(result.partnerCustomers.length, 2);
  });

  test('dates past 9999 or before year 1, and durations too long for a date, are problems of the file, never a crash', async () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ createdDateTime: 'in 999999 years' }, 'createdDateTime', /not a date: .*within the years 0001-9999/],
      [{ endDateTime: '999999 weeks ago' }, 'endDateTime', /not a date: .*within the years 0001-9999/],
      [{ duration: 'P999999999999D' }, 'duration', /between P1D and P2Y/],
      [{ createdDateTime: '9999-12-01T00:00:00Z' }, 'duration', /would end after 9999-12-31 \(activation \+ duration\); give an endDateTime/],
    ];
    for (const [change, field, text] of cases) {
      const seed = baseSeed();
      Object.assign(seed.partners[0].customers[0].gdapRelationships[0], change);
      const problems = await problemsOf(seed);
      assertProblem(problems, `${REL}.${field}`, text);
      assert.equal(problems.length, 1, problems.join('\n'));
    }
  });

  for (const duration of ['P3Y', 'P731D', 'P0D']) {
    test(`duration ${duration} is out of range`, async () => {
      const seed = baseSeed();
      seed.partners[0].customers[0].gdapRelationships[0].duration = duration;
      assertProblem(await problemsOf(seed), `${REL}.duration`, /between P1D and P2Y/);
    });
  }

  test('a bad relative date', async () => {
    const seed = baseSeed();
    seed.partners[0].customers[0].gdapRelationships[0].activatedDateTime = 'tomorrow';
    assertProblem(await problemsOf(seed), `${REL}.activatedDateTime`, /not a date: use ISO 8601 with a time zone/);
  });

  test('a security group named like an agent group, a group in itself, a partner as its own customer', async () => {
    const seed = baseSeed();
    seed.partners[0].securityGroups.push({ displayName: 'adminagents' }, { displayName: 'Loop', memberOf: ['Loop'] });
    seed.partners[0].customers.push({ tenantId: PARTNER, displayName: 'Myself' });
    const problems = await problemsOf(seed);
    assertProblem(problems, '$.partners[0].securityGroups[1].displayName', /is an agent group/);
    assertProblem(problems, '$.partners[0].securityGroups[2].memberOf', /cannot be a member of itself/);
    assertProblem(problems, '$.partners[0].customers[1].tenantId', /cannot be its own customer/);
  });

  test('semantic problems are all reported at once', async () => {
    const seed = baseSeed();
    seed.partners[0].users[0].memberOf = ['Nope'];
    seed.partners[0].customers[0].gdapRelationships[0].duration = 'P3Y';
    seed.partners[0].customers[0].gdapRelationships[0].createdDateTime = 'yesterday';
    assert.equal((await problemsOf(seed)).length, 3);
  });
});

describe('checkSeedText and planEntries: every stage goes on past the others\' problems', () => {
  test('schema problems skip only their part: a partner failing the schema with its customers, a customer alone; the rest is planned and its problems reported too', async () => {
    const seed = baseSeed();
    seed.partners[0].customers.push({ tenantId: '22222222-2222-4222-8222-222222222222', displayName: 'Typo', dapp: true });
    seed.partners[0].customers.push({ tenantId: '33333333-3333-4333-8333-333333333333', displayName: 'Dangling',
      gdapRelationships: [{ displayName: 'R', status: 'active', roles: ['Global Reader'], accessAssignments: [{ securityGroup: 'Nope', roles: ['Global Reader'] }] }] });
    seed.partners.push({ tenantId: PARTNER_2, displayName: 'Adatum', users: [{ userPrincipalName: 'no-at-sign' }], customers: [{ tenantId: CUSTOMER, displayName: 'Contoso', organization: { city: 'Elsewhere' } }] });
    const checked = checkSeedText(JSON.stringify(seed), 'test.seed.json');
    assert.deepEqual([...checked.skipped.partners], [1]);
    assert.deepEqual([...checked.skipped.customers], ['0/1']);
    assertProblem(checked.problems, '$.partners[0].customers[1]', /unknown property "dapp"/);
    assertProblem(checked.problems, '$.partners[1].users[0].userPrincipalName', /does not match/);
    const { problems } = await planEntries(entriesOf(checked.document, checked.skipped), { now: NOW, source: 'test.seed.json', existing: { credentialHashes: async () => new Map(), relationshipDates: async () => new Map() } });
    // Adatum (skipped) would have clashed over Contoso's organization: not reported, its part was not planned.
    assert.deepEqual(problems, ['$.partners[0].customers[2].gdapRelationships[0].accessAssignments[0].securityGroup: no security group named "Nope" in partner "Fabrikam"']);
  });

  test('not JSON, or not an object with a partners list, stops at once', () => {
    for (const text of ['{', '[]', '{"partners": 3}', '{"partner": []}']) {
      assert.throws(() => checkSeedText(text, 'x.json'), SeedError, text);
    }
    assert.deepEqual(checkSeedText('{"partners": [], "comment": 1}', 'x.json').problems, ['$: unknown property "comment"']);
  });

  test('two partners of one file giving the same domain: both partners named', async () => {
    const seed = baseSeed();
    seed.partners.push({ tenantId: PARTNER_2, displayName: 'Adatum', domain: 'FABRIKAM.example' });
    const problems = await problemsOf(seed);
    assert.deepEqual(problems, [`$.partners[1].domain: domain "fabrikam.example" is given to partner "Adatum" (${PARTNER_2}) here and to partner "Fabrikam" (${PARTNER}) at $.partners[0].domain; a domain names one partner: give one of them another`]);
  });

  test('a misspelt role name gets a suggestion; a role far from any does not', async () => {
    assert.equal(nearestRoleName('global readers'), 'Global Reader');
    assert.equal(nearestRoleName('Directory Writer'), 'Directory Writers');
    assert.equal(nearestRoleName('Pizza Administrator'), undefined);
    const seed = baseSeed();
    seed.partners[0].customers[0].gdapRelationships[0].roles = ['Global Readers', 'Pizza Administrator'];
    const problems = await problemsOf(seed);
    assertProblem(problems, `${REL}.roles[0]`, /unknown role "Global Readers" \(did you mean "Global Reader"\? /);
    assertProblem(problems, `${REL}.roles[1]`, /unknown role "Pizza Administrator" \(use a Microsoft Entra role name/);
  });
});

describe('planSeed: valid seeds', () => {
  test('the demo seed validates and plans cleanly', async () => {
    const document = readSeedFile(DEMO_SEED_FILE);
    const result = await plan(document);
    assert.equal(result.partners.length, 2);
    assert.equal(result.customers.length, 6);
    assert.equal(result.relationships.length, 5);
    assert.equal(result.assignments.length, 5);
    assert.equal(result.principals.length, 9);
    // three agent groups per partner plus the security groups
    assert.equal(result.groups.length, 3 + 4 + 3 + 1);
    for (const principal of result.principals) assert.match(principal.credentialHash ?? '', /^scrypt\$/);
    const contoso = result.relationships.find((r) => r.displayName === 'Contoso readers')!;
    assert.equal(contoso.endDateTime?.value, new Date(NOW.getTime() + 300 * 86_400_000).toISOString());
    assert.equal(contoso.autoExtendDuration, 'P180D');
    const relecloud = result.relationships.find((r) => r.displayName === 'Relecloud readers')!;
    assert.equal(relecloud.endDateTime, null, 'a relationship pending approval has no end date');
  });

  test('ids derived from names are the same on every plan', async () => {
    const text = readFileSync(DEMO_SEED_FILE, 'utf8');
    const [a, b] = [await plan(parseSeedText(text, 'a')), await plan(parseSeedText(text, 'b'))];
    assert.deepEqual(a.principals.map((p) => p.objectId), b.principals.map((p) => p.objectId));
    assert.deepEqual(a.relationships.map((r) => r.id), b.relationships.map((r) => r.id));
    assert.deepEqual(a.assignments.map((x) => x.id), b.assignments.map((x) => x.id));
  });

  test('role names resolve case-insensitively and role ids are accepted', async () => {
    const seed = baseSeed();
    seed.partners[0].customers[0].gdapRelationships[0].roles = ['global reader', ENTRA_ROLES['Directory Writers']!.toUpperCase()];
    const result = await plan(parseSeedText(JSON.stringify(seed), 'x'));
    assert.deepEqual(result.relationships[0]!.roleIds, [ENTRA_ROLES['Global Reader'], ENTRA_ROLES['Directory Writers']]);
  });
});
