/**
 * startPcapi, the test fixture, as a partner's test suite uses it: an in-memory pcapi on a random
 * port, @pcapi/client with the fixture's credential, Graph with an app's roles, the clock, reset and
 * faults; a seed given in code; nothing written to disk.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PartnerCenterClient } from '@pcapi/client';
import { startPcapi } from '../src/index.js';
import { DEMO } from './helpers/demo-ids.js';

test('startPcapi: the demo in memory, a client with the fixture\'s credential, the clock, reset and faults', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'pcapi-fixture-'));
  const cwd = process.cwd();
  process.chdir(work);
  t.after(() => {
    process.chdir(cwd);
    rmSync(work, { recursive: true, force: true });
  });
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
