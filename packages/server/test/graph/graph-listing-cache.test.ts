/**
 * The relationship listing is kept between calls (a partner's whole list is slow to read at 1M
 * customers), but never shown stale: a write through Graph or a seed import, and a derived status
 * change as the clock passes an end date, each show on the very next listing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildInjectApp, DEMO, type InjectApp } from '../helpers/inject-app.js';

const RELS = '/v1.0/tenantRelationships/delegatedAdminRelationships';
const GLOBAL_READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';

async function graph(pcapi: InjectApp) {
  const principal = (await pcapi.store.findAppByClientId(DEMO.fabrikam, DEMO.fabrikamAutomation))!;
  // Tokens live a year here, so the clock can move far without minting new ones.
  const { token } = await pcapi.issuer.mintAccessToken(principal, { audience: 'https://graph.microsoft.com', roles: ['DelegatedAdminRelationship.ReadWrite.All'], lifetimeSeconds: 366 * 86_400 });
  return async (method: string, path: string, body?: unknown) => {
    const response = await pcapi.fetch(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: response.status, body: JSON.parse(await response.text()) as any };
  };
}

const names = (listing: { body: { value: { displayName: string; status: string }[] } }) => listing.body.value.map((r) => `${r.displayName}:${r.status}`).sort();

test('a listing is never stale: writes, imports and the clock show on the next call', async (t) => {
  const pcapi = await buildInjectApp(t);
  const call = await graph(pcapi);
  const first = names(await call('GET', RELS));
  assert.deepEqual(names(await call('GET', RELS)), first, 'the same listing again');

  const created = await call('POST', RELS, { displayName: 'Short one', duration: 'P1D', customer: { tenantId: DEMO.litware }, accessDetails: { unifiedRoles: [{ roleDefinitionId: GLOBAL_READER }] } });
  assert.equal(created.status, 201);
  assert.ok(names(await call('GET', RELS)).includes('Short one:created'), 'a Graph write shows at once');

  // Made active directly in the store (what a customer's approval does), then past its one day.
  const [row] = await pcapi.store.gdapRelationships(DEMO.fabrikam, { id: created.body.id });
  await pcapi.store.writeGdap({ kind: 'updateRelationship', relationship: { ...row!, status: 'approved', statusSinceMs: pcapi.clock.now() }, expectedVersion: row!.version });
  assert.ok(names(await call('GET', RELS)).includes('Short one:active'));
  pcapi.clock.advance(86_400_000 + 1);
  assert.ok(names(await call('GET', RELS)).includes('Short one:expired'), 'the end date passing shows, with no write at all');
});

test('delegated Graph tokens: the scp decides, as roles do for apps; a user of another partner sees none of it', async (t) => {
  const pcapi = await buildInjectApp(t);
  const mint = async (upn: string, tenant: string, scp: string) => {
    const user = (await pcapi.store.findUserByName(tenant, upn))!;
    return (await pcapi.issuer.mintAccessToken(user, { audience: 'https://graph.microsoft.com', clientId: DEMO.fabrikamAutomation, scp })).token;
  };
  const list = async (token: string) => pcapi.fetch(RELS, { headers: { authorization: `Bearer ${token}` } });
  const reader = await list(await mint('admin@fabrikam.example', DEMO.fabrikam, 'DelegatedAdminRelationship.Read.All User.Read'));
  assert.equal(reader.status, 200);
  assert.ok(((await reader.json()) as { value: unknown[] }).value.length > 0);
  const userOnly = await list(await mint('admin@fabrikam.example', DEMO.fabrikam, 'User.Read'));
  assert.equal(userOnly.status, 403);
  assert.match(await userOnly.text(), /DelegatedAdminRelationship\.Read\.All.*\(scp: User\.Read\)/);
  const write = await pcapi.fetch(RELS, {
    method: 'POST', headers: { authorization: `Bearer ${await mint('admin@fabrikam.example', DEMO.fabrikam, 'DelegatedAdminRelationship.Read.All')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ displayName: 'Not allowed', duration: 'P1D', customer: { tenantId: DEMO.litware }, accessDetails: { unifiedRoles: [{ roleDefinitionId: GLOBAL_READER }] } }),
  });
  assert.equal(write.status, 403, 'Read.All does not write');
  const adatum = (await (await list(await mint('admin@adatum.example', DEMO.adatum, 'DelegatedAdminRelationship.ReadWrite.All'))).json()) as { value: { customer: { tenantId: string } }[] };
  assert.ok(adatum.value.every((r) => r.customer.tenantId === DEMO.litware), 'Adatum sees only its own relationships');
});
