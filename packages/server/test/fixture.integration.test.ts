/**
 * startPcapi, the test fixture, as a partner's test suite uses it: an in-memory pcapi on a random
 * port, @pcapi/client with the fixture's credential, Graph with an app's roles, the clock, reset and
 * faults; a seed given in code; nothing written to disk.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { isAuthenticationError, PartnerCenterClient } from '@pcapi/client';
import { startPcapi } from '../src/index.js';
import { DEMO } from './helpers/demo-ids.js';

/** Runs the rest of the test in a new empty working folder, so anything written to it shows. */
function inTemporaryFolder(t: TestContext): string {
  const work = mkdtempSync(join(tmpdir(), 'pcapi-fixture-'));
  const cwd = process.cwd();
  process.chdir(work);
  t.after(() => {
    process.chdir(cwd);
    rmSync(work, { recursive: true, force: true });
  });
  return work;
}

test('startPcapi: the demo in memory, a client with the fixture\'s credential, the clock, reset and faults', async (t) => {
  const work = inTemporaryFolder(t);
  const started = performance.now();
  const pcapi = await startPcapi();
  const startMs = performance.now() - started;
  t.after(() => pcapi.close());
  // Reported, not asserted: a time bound fails on a busy machine (7 s once), and speed is the benchmark's to measure.
  t.diagnostic(`started in ${startMs.toFixed(0)} ms`);
  assert.match(pcapi.url, /^http:\/\/127\.0\.0\.1:\d+$/);

  const client = new PartnerCenterClient(pcapi.url, pcapi.credentialFor('admin@fabrikam.example'), { allowInsecureConnection: true });
  assert.equal((await client.getCustomerOrganization(DEMO.contoso))[0]?.displayName, 'Contoso');

  // Graph, with the app's seeded permissions as roles.
  const graphToken = (await pcapi.credentialFor(DEMO.fabrikamAutomation).getToken('https://graph.microsoft.com/.default')).token;
  const relationships = await fetch(`${pcapi.url}/v1.0/tenantRelationships/delegatedAdminRelationships`, { headers: { authorization: `Bearer ${graphToken}` } });
  assert.equal(relationships.status, 200);

  // The clock: Relecloud's relationship awaits approval; unapproved for 90 days, it expires.
  const relecloud = async () => {
    const listing = (await (await fetch(`${pcapi.url}/v1.0/tenantRelationships/delegatedAdminRelationships?$filter=displayName eq 'Relecloud readers'`, {
      headers: { authorization: `Bearer ${(await pcapi.credentialFor(DEMO.fabrikamAutomation).getToken('https://graph.microsoft.com/.default')).token}` },
    })).json()) as { value: { status: string }[] };
    return listing.value[0]?.status;
  };
  assert.equal(await relecloud(), 'approvalPending');
  await pcapi.clock.advance('P91D');
  assert.equal(await relecloud(), 'expired');
  await pcapi.reset();
  assert.equal((await pcapi.clock.get()).offsetMs, 0);
  assert.equal(await relecloud(), 'approvalPending');

  // Faults: one 503, retried by the client.
  await pcapi.faults.add({ route: 'GET /v1/customers/*/organization', status: 503, retryAfterSeconds: 0, count: 1 });
  assert.equal((await client.getCustomerOrganization(DEMO.contoso))[0]?.displayName, 'Contoso');

  assert.deepEqual(readdirSync(work), [], 'nothing written to disk');
});

test('startPcapi with a seed in code: only that data, and reset restores it', async (t) => {
  const pcapi = await startPcapi({
    seed: {
      partners: [{
        tenantId: '11111111-1111-4111-8111-111111111111', displayName: 'Test Partner', domain: 'test.example',
        securityGroups: [{ displayName: 'Readers' }],
        users: [{ userPrincipalName: 'agent@test.example', password: 'secret', agentRoles: ['AdminAgents'], memberOf: ['Readers'] }],
        applications: [{ clientId: '33333333-3333-4333-8333-333333333333', displayName: 'Test Automation', clientSecret: 'secret', agentRoles: ['AdminAgents'], memberOf: ['Readers'] }],
        customers: [{
          tenantId: '22222222-2222-4222-8222-222222222222', displayName: 'Test Customer',
          gdapRelationships: [{ displayName: 'Test readers', status: 'active', roles: ['Global Reader'], createdDateTime: '10 days ago', accessAssignments: [{ securityGroup: 'Readers', roles: ['Global Reader'] }] }],
        }],
      }],
    },
    clockStart: '2030-01-01T00:00:00Z',
  });
  t.after(() => pcapi.close());
  assert.match((await pcapi.clock.get()).now, /^2030-01-01T00:00:0/);
  const organization = (token: string) => fetch(`${pcapi.url}/v1/customers/22222222-2222-4222-8222-222222222222/organization`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal((await organization(await pcapi.token('agent@test.example'))).status, 200);
  await assert.rejects(pcapi.token('admin@fabrikam.example'), /no user admin@fabrikam\.example/);
  assert.equal((await fetch(pcapi.tokenEndpoint('test.example'), {
    method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: '33333333-3333-4333-8333-333333333333', client_secret: 'secret', scope: 'https://api.partnercenter.microsoft.com/.default' }),
  })).status, 200, 'the token endpoint serves the seed\'s apps');
  await pcapi.reset();
  assert.equal((await organization(await pcapi.token('agent@test.example'))).status, 200, 'the seed in code is what reset restores');
});

test('a client made once keeps working while the clock moves: credentialFor hands out a token of the current time at each use', async (t) => {
  const pcapi = await startPcapi();
  t.after(() => pcapi.close());
  const client = new PartnerCenterClient(pcapi.url, pcapi.credentialFor('admin@fabrikam.example'), { allowInsecureConnection: true });
  const contoso = async () => (await client.getCustomerOrganization(DEMO.contoso))[0]?.displayName;
  assert.equal(await contoso(), 'Contoso');
  await pcapi.clock.advance('PT2H'); // past the first token's lifetime
  assert.equal(await contoso(), 'Contoso');
  await pcapi.clock.set('2027-03-01T00:00:00Z');
  await pcapi.clock.reset(); // back: a token minted in 2027 would not be valid yet
  assert.equal(await contoso(), 'Contoso');
});

test('bad fixture options are refused with what is wrong, and nothing is started or written', async (t) => {
  const work = inTemporaryFolder(t);
  const refusals: [Parameters<typeof startPcapi>[0], RegExp][] = [
    [{ seed: {} as never }, /^the seed given to startPcapi is not valid[\s\S]*partners/],
    [{ seed: { partners: [], bogus: 1 } as never }, /bogus/],
    [{ seed: 42 as never }, /the seed given to startPcapi/],
    [{ seed: null as never }, /the seed given to startPcapi/],
    [{ store: 'mysql://app:S3cret@db.example/x' }, /^startPcapi: store "mysql:\/\/…" is not 'memory', a SQLite file's path or a postgres:\/\/ URL$/],
    [{ options: { nonsense: 1 } as never }, /options nonsense is not a pcapi serve setting/],
    [{ clockStart: 'not a date' }, /clockStart "not a date" is not a date/],
  ];
  for (const [options, mentions] of refusals) {
    await assert.rejects(startPcapi(options), (error: Error) => {
      assert.match(error.message, mentions, JSON.stringify(options));
      return true;
    });
  }
  assert.deepEqual(readdirSync(work), [], 'nothing written');
});

test("the fixture's helpers refuse bad input in their own words: a TypeError naming the helper, an AuthenticationError from a credential", async (t) => {
  const pcapi = await startPcapi();
  t.after(() => pcapi.close());
  const refused = async (call: () => Promise<unknown>, kind: 'TypeError' | 'AuthenticationError', mentions: RegExp) => {
    await assert.rejects(call(), (error: Error) => {
      assert.equal(kind === 'AuthenticationError' ? isAuthenticationError(error) : error instanceof TypeError, true, `${kind}: ${error.name} ${error.message}`);
      assert.match(error.message, mentions);
      assert.doesNotMatch(error.message, /innerError|\{"error"/, 'no raw error body');
      return true;
    });
  };
  await refused(() => pcapi.faults.add({ route: 'nonsense', status: 999 as never }), 'TypeError', /^startPcapi: faults\.add: The fault rule is not valid/);
  await refused(() => pcapi.clock.advance('30 days'), 'TypeError', /^startPcapi: clock\.advance: /);
  // Each resource by its URI or its application id, with or without a permission.
  const audiences = { 'https://api.partnercenter.microsoft.com/user_impersonation': 'https://api.partnercenter.microsoft.com', 'fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd/.default': 'https://api.partnercenter.microsoft.com', 'https://api.partnercenter.microsoft.com/': 'https://api.partnercenter.microsoft.com', '00000003-0000-0000-c000-000000000000/.default': 'https://graph.microsoft.com', 'https://graph.microsoft.com': 'https://graph.microsoft.com' };
  for (const [scope, audience] of Object.entries(audiences)) {
    const token = await pcapi.token('admin@fabrikam.example', { scope });
    assert.equal((JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { aud: string }).aud, audience, scope);
  }
  // Look-alikes of the two resources name neither: the resource is matched whole, not by its prefix.
  for (const scope of ['https://example.com/.default', 'https://api.partnercenter.microsoft.comX/.default', 'https://api.partnercenter.microsoft.com.example/.default', 'https://graph.microsoft.com.example/.default', 'User.Read']) {
    await refused(() => pcapi.token('admin@fabrikam.example', { scope }), 'AuthenticationError', /names neither Partner Center .* nor Microsoft Graph/);
  }
  const client = new PartnerCenterClient(pcapi.url, pcapi.credentialFor('nobody@fabrikam.example'), { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
  await refused(() => client.getCustomerOrganization(DEMO.contoso), 'AuthenticationError', /no user nobody@fabrikam\.example in the seed/);

  await pcapi.close();
  for (const call of [() => pcapi.reset(), () => pcapi.token('admin@fabrikam.example'), () => pcapi.clock.get()]) {
    await assert.rejects(call(), /this pcapi was closed/);
  }
});

test('close() does not wait for a client that left a request half sent', async (t) => {
  const pcapi = await startPcapi();
  const { port } = new URL(pcapi.url);
  const { connect } = await import('node:net');
  const socket = connect(Number(port), '127.0.0.1');
  t.after(() => socket.destroy());
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(`GET /v1/customers/${DEMO.contoso}/organization HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const started = performance.now();
  await pcapi.close();
  const closeMs = performance.now() - started;
  t.diagnostic(`closed in ${closeMs.toFixed(0)} ms`);
  // The request timeout is 30 s; the fixture cuts such connections after one.
  assert.ok(closeMs < 10_000, `${closeMs.toFixed(0)} ms`);
});
