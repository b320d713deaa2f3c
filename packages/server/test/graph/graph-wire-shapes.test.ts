/**
 * What Graph's GDAP answers carry beyond the properties (inject()): `@odata.type` and `@odata.etag`
 * on every object, the evolvable `reject` action shown only with `Prefer: include-unknown-enum-members`,
 * serviceManagementDetails (delegated tokens only), the operations list's documented options, the
 * challenge on a 401, and any visible client-request-id echoed.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { buildInjectApp, DEMO, TEST_PUBLIC_URL, type InjectApp } from '../helpers/inject-app.js';

const RELS = '/v1.0/tenantRelationships/delegatedAdminRelationships';
const CUSTOMERS = '/v1.0/tenantRelationships/delegatedAdminCustomers';
const GRAPH = 'https://graph.microsoft.com';
const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

async function setup(t: TestContext) {
  const pcapi = await buildInjectApp(t);
  const delegated = await pcapi.tokenFor('admin@fabrikam.example', { audience: GRAPH, scp: 'DelegatedAdminRelationship.ReadWrite.All' });
  const appOnly = await pcapi.tokenFor(DEMO.fabrikamAutomation, { audience: GRAPH, roles: ['DelegatedAdminRelationship.ReadWrite.All'] });
  const send = async (token: string | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await pcapi.fetch(path, {
      method, body: body === undefined ? undefined : JSON.stringify(body),
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  return { pcapi, delegated, appOnly, send };
}

/** The id of a relationship of Fabrikam's with the given display name. */
async function relationshipId(pcapi: InjectApp, displayName: string): Promise<string> {
  const found = (await pcapi.store.gdapRelationships(DEMO.fabrikam)).find((r) => r.displayName === displayName);
  assert.ok(found, displayName);
  return found.id;
}

test('every GDAP object carries its @odata.type and @odata.etag, first, as Graph lists them', async (t) => {
  const { pcapi, delegated, send } = await setup(t);
  const contosos = await relationshipId(pcapi, 'Contoso readers');
  const terminated = await send(delegated, 'POST', `${RELS}/${contosos}/requests`, { action: 'terminate' });
  assert.equal(terminated.status, 201);
  const lists: [string, string][] = [
    [RELS, 'delegatedAdminRelationship'],
    [`${RELS}/${contosos}/requests`, 'delegatedAdminRelationshipRequest'],
    [`${RELS}/${contosos}/accessAssignments`, 'delegatedAdminAccessAssignment'],
    [CUSTOMERS, 'delegatedAdminCustomer'],
  ];
  for (const [path, type] of lists) {
    const { status, body } = await send(delegated, 'GET', path);
    assert.equal(status, 200, path);
    assert.ok(body.value.length > 0, `${path} lists something`);
    for (const item of body.value) {
      assert.deepEqual(Object.keys(item).slice(0, 3), ['@odata.type', '@odata.etag', 'id'], path);
      assert.equal(item['@odata.type'], `#microsoft.graph.${type}`);
      assert.match(item['@odata.etag'], /^W\/"[A-Za-z0-9+/=]+"$/);
    }
  }
  assert.equal(terminated.body['@odata.type'], '#microsoft.graph.delegatedAdminRelationshipRequest');
});

test("the customer's reject reads unknownFutureValue unless the caller sends Prefer: include-unknown-enum-members", async (t) => {
  const { pcapi, delegated, send } = await setup(t);
  const created = await send(delegated, 'POST', RELS, {
    displayName: 'Litware, to be rejected', duration: 'P30D', customer: { tenantId: DEMO.litware },
    accessDetails: { unifiedRoles: [{ roleDefinitionId: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451' }] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const litwares = created.body.id as string;
  assert.equal((await send(delegated, 'POST', `${RELS}/${litwares}/requests`, { action: 'lockForApproval' })).status, 201);
  const token = await (await pcapi.fetch(`/${DEMO.litware}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({
    grant_type: 'password', client_id: AZURE_CLI, username: 'admin@litware.example', password: DEMO.secret, scope: `${GRAPH}/.default`,
  }) })).json() as { access_token?: string };
  assert.ok(token.access_token, 'Litware\'s administrator signs in at Litware');
  const rejected = await send(token.access_token, 'POST', `${RELS}/${litwares}/requests`, { action: 'reject' });
  assert.equal(rejected.status, 201, JSON.stringify(rejected.body));
  assert.equal(rejected.body.action, 'unknownFutureValue');
  const prefer = { prefer: 'odata.maxpagesize=10, include-unknown-enum-members' };
  const listed = async (headers: Record<string, string>) => (await send(delegated, 'GET', `${RELS}/${litwares}/requests`, undefined, headers)).body.value.map((r: { action: string }) => r.action).sort();
  assert.deepEqual(await listed({}), ['lockForApproval', 'unknownFutureValue']);
  assert.deepEqual(await listed(prefer), ['lockForApproval', 'reject']);
  const one = await send(delegated, 'GET', `${RELS}/${litwares}/requests/${rejected.body.id}`, undefined, prefer);
  assert.equal(one.body.action, 'reject');
});

test('serviceManagementDetails: the admin portals of a listed customer, to delegated tokens only', async (t) => {
  const { delegated, appOnly, send } = await setup(t);
  const path = `${CUSTOMERS}/${DEMO.contoso}/serviceManagementDetails`;
  const { status, body } = await send(delegated, 'GET', path);
  assert.equal(status, 200);
  assert.equal(body['@odata.context'], `${TEST_PUBLIC_URL}/v1.0/$metadata#tenantRelationships/delegatedAdminCustomers('${DEMO.contoso}')/serviceManagementDetails`);
  assert.ok(body.value.length >= 3);
  for (const detail of body.value) {
    assert.deepEqual(Object.keys(detail), ['@odata.type', 'id', 'serviceManagementUrl', 'serviceName']);
    assert.equal(detail['@odata.type'], '#microsoft.graph.delegatedAdminServiceManagementDetail');
    assert.match(detail.id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(new URL(detail.serviceManagementUrl).protocol === 'https:');
  }
  assert.ok(body.value.some((d: { serviceManagementUrl: string }) => d.serviceManagementUrl.includes(DEMO.contoso)), 'the URLs address this customer');
  assert.deepEqual((await send(delegated, 'GET', path)).body, body, 'the same ids on every call');

  const refused = await send(appOnly, 'GET', path);
  assert.equal(refused.status, 403);
  assert.match(refused.body.error.message, /delegated/);
  for (const other of [DEMO.northwind, DEMO.tailspin]) assert.equal((await send(delegated, 'GET', `${CUSTOMERS}/${other}/serviceManagementDetails`)).status, 404, other);
  assert.equal((await send(undefined, 'GET', path)).status, 401);
});

test("the operations list takes Graph's documented options: $select createdDateTime, $orderby status", async (t) => {
  const { pcapi, delegated, send } = await setup(t);
  const path = `${RELS}/${await relationshipId(pcapi, 'Contoso readers')}/operations`;
  for (const query of ['$select=createdDateTime,lastModifiedDateTime,status', '$orderby=status', '$filter=status%20eq%20%27running%27']) {
    const { status, body } = await send(delegated, 'GET', `${path}?${query}`);
    assert.equal(status, 200, `${query}: ${JSON.stringify(body)}`);
    assert.deepEqual(body.value, []);
  }
  const wrong = await send(delegated, 'GET', `${path}?$select=colour`);
  assert.equal(wrong.status, 400);
  assert.match(wrong.body.error.message, /delegatedAdminRelationshipOperation/);
});

test('a 401 carries Graph\'s Bearer challenge; any visible client-request-id is echoed', async (t) => {
  const { pcapi, send } = await setup(t);
  const partnerCenterToken = await pcapi.tokenFor('admin@fabrikam.example');
  for (const token of [undefined, 'not-a-token', partnerCenterToken]) {
    const { status, headers } = await send(token, 'GET', RELS);
    assert.equal(status, 401);
    assert.equal(headers.get('www-authenticate'), `Bearer realm="", authorization_uri="${TEST_PUBLIC_URL}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`);
  }
  const echoed = await send(undefined, 'GET', RELS, undefined, { 'client-request-id': 'my_req.id:42' });
  assert.equal(echoed.headers.get('client-request-id'), 'my_req.id:42');
  assert.equal(echoed.body.error.innerError['client-request-id'], 'my_req.id:42');
  const tooLong = await send(undefined, 'GET', RELS, undefined, { 'client-request-id': 'x'.repeat(129) });
  assert.equal(tooLong.headers.get('client-request-id'), tooLong.headers.get('request-id'), 'over 128 characters: the request id instead');
});
