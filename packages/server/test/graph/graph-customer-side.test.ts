/**
 * The customer's side of GDAP through the Graph surface (inject()): its Global Administrator, signed in
 * at the customer's own tenant, approves, rejects and terminates the partner's requests; the partner's
 * agents see the outcome on the organization endpoint at once. Anyone else in the customer tenant is
 * refused, and nothing changes.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { buildInjectApp, DEMO, type InjectApp } from '../helpers/inject-app.js';

const RELS = '/v1.0/tenantRelationships/delegatedAdminRelationships';
const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const LITWARE_ADMIN = 'admin@litware.example';
const LITWARE_READER = 'reader@litware.example';
const ADATUM_AGENT = 'admin@adatum.example';

/** Sends to Graph as a user of the Litware tenant, signed in there with the password grant. */
async function litwareUser(pcapi: InjectApp, username: string) {
  const response = await pcapi.fetch(`/${DEMO.litware}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({
    grant_type: 'password', client_id: AZURE_CLI, username, password: DEMO.secret, scope: 'https://graph.microsoft.com/.default',
  }) });
  assert.equal(response.status, 200, await response.clone().text());
  const { access_token: token } = (await response.json()) as { access_token: string };
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const reply = await pcapi.fetch(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await reply.text();
    return { status: reply.status, body: text ? JSON.parse(text) : undefined };
  };
}

/** The seeded "Litware readers" relationship: Adatum's, active, its readers assigned Directory Writers. */
async function setup(t: TestContext) {
  const pcapi = await buildInjectApp(t);
  const [relationship] = (await pcapi.store.gdapRelationships(DEMO.adatum)).filter((r) => r.displayName === 'Litware readers');
  assert.ok(relationship);
  const agentStatus = async () => (await pcapi.getOrganization(DEMO.litware, { token: await pcapi.tokenFor(ADATUM_AGENT) })).status;
  const status = async () => (await pcapi.store.gdapRelationshipById(relationship.id))!.status;
  return { pcapi, path: `${RELS}/${relationship.id}`, agentStatus, status };
}

test("the customer's Global Administrator terminates an active relationship: the partner's agents are denied at once", async (t) => {
  const { pcapi, path, agentStatus } = await setup(t);
  assert.equal(await agentStatus(), 200);
  const admin = await litwareUser(pcapi, LITWARE_ADMIN);
  const made = await admin('POST', `${path}/requests`, { action: 'terminate' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.equal(made.body.action, 'terminate');
  assert.equal(made.body.status, 'succeeded');
  assert.equal(await agentStatus(), 403, 'the very next call is denied');
  assert.equal((await admin('GET', path)).body.status, 'terminated', 'immediate delays: terminated at once');
  const again = await admin('POST', `${path}/requests`, { action: 'terminate' });
  assert.equal(again.status, 400, 'a terminated relationship cannot be terminated again');
  assert.match(again.body.error.message, /requires status 'active'/);
});

test('in the customer tenant only its Global Administrator acts, and only on its own side: refusals change nothing', async (t) => {
  const { pcapi, path, agentStatus, status } = await setup(t);
  const before = await status();
  const reader = await litwareUser(pcapi, LITWARE_READER);
  const refused = await reader('POST', `${path}/requests`, { action: 'terminate' });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, 'Authorization_RequestDenied');
  assert.match(refused.body.error.message, /Global Administrator/);

  const admin = await litwareUser(pcapi, LITWARE_ADMIN);
  const lock = await admin('POST', `${path}/requests`, { action: 'lockForApproval' });
  assert.equal(lock.status, 403);
  assert.match(lock.body.error.message, /the partner does/);
  // Another customer's relationship is as unknown to Litware as a made-up id.
  const [contosos] = await pcapi.store.gdapRelationships(DEMO.fabrikam, { customerTenantId: DEMO.contoso });
  assert.ok(contosos);
  assert.equal((await admin('POST', `${RELS}/${contosos.id}/requests`, { action: 'terminate' })).status, 404);

  assert.equal(await status(), before);
  assert.equal(await agentStatus(), 200);
});
