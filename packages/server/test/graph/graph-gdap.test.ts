/**
 * GDAP through the Graph surface (/v1.0/tenantRelationships), through inject(): the lifecycle from
 * creation to termination as the organization endpoint sees it, the clock expiring a relationship,
 * If-Match, every refusal in Graph's error body with nothing changed, isolation between partners,
 * OData on the list, and delegatedAdminCustomers.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { IMMEDIATE_DELAYS } from '../../src/domain/gdap-lifecycle.js';
import { exportSeed } from '../../src/seed/export-seed.js';
import { importSeedDocument } from '../../src/seed/import-seed.js';
import { buildInjectApp, DEMO, TEST_PUBLIC_URL, type InjectApp } from '../helpers/inject-app.js';

const RELS = '/v1.0/tenantRelationships/delegatedAdminRelationships';
const CUSTOMERS = '/v1.0/tenantRelationships/delegatedAdminCustomers';
const GLOBAL_READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';
const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';
const USER_ADMINISTRATOR = 'fe930be7-5e62-47db-91af-98c3a49a38b1';
const DAY = 86_400_000;

type Who = 'fabrikam' | 'reporting' | 'adatum';
interface Reply { status: number; headers: Headers; body: any; clientRequestId: string }
type Send = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Reply>;

/** A Graph token: Fabrikam's apps through the token endpoint; Adatum's app (no Graph permissions in the seed) minted with them. */
async function graphToken(pcapi: InjectApp, who: Who): Promise<string> {
  if (who === 'adatum') {
    const principal = await pcapi.store.findAppByClientId(DEMO.adatum, DEMO.adatumAutomation);
    assert.ok(principal);
    const roles = ['DelegatedAdminRelationship.ReadWrite.All', 'Group.ReadWrite.All', 'User.Read.All', 'Application.Read.All'];
    return (await pcapi.issuer.mintAccessToken(principal, { audience: 'https://graph.microsoft.com', roles })).token;
  }
  const response = await pcapi.fetch(`/${DEMO.fabrikam}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({
    grant_type: 'client_credentials', client_id: who === 'fabrikam' ? DEMO.fabrikamAutomation : DEMO.fabrikamReporting,
    client_secret: DEMO.secret, scope: 'https://graph.microsoft.com/.default',
  }) });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Sends JSON as one app with a client-request-id, minting a new token whenever the clock has moved on. */
function graphAs(pcapi: InjectApp, who: Who): Send {
  let token: string | undefined;
  let mintedAt = 0;
  return async (method, path, body, headers = {}) => {
    if (token === undefined || pcapi.clock.now() - mintedAt > 5 * 60_000) {
      token = await graphToken(pcapi, who);
      mintedAt = pcapi.clock.now();
    }
    const clientRequestId = randomUUID();
    const response = await pcapi.fetch(path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'client-request-id': clientRequestId, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    assert.ok(response.headers.get('request-id'), `${method} ${path}: request-id header`);
    assert.equal(response.headers.get('client-request-id'), clientRequestId, `${method} ${path}: client-request-id echoed`);
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text), clientRequestId };
  };
}

function expectStatus(reply: Reply, status: number): any {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  return reply.body;
}

/** Graph's error body, exactly: {"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}. */
function assertGraphError(reply: Reply, status: number, code: string, mentions?: RegExp): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.deepEqual(Object.keys(reply.body), ['error']);
  const { error } = reply.body;
  assert.deepEqual(Object.keys(error).sort(), ['code', 'innerError', 'message']);
  assert.equal(error.code, code, error.message);
  if (mentions) assert.match(error.message, mentions);
  assert.deepEqual(Object.keys(error.innerError).sort(), ['client-request-id', 'date', 'request-id']);
  assert.match(error.innerError.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  assert.equal(error.innerError['request-id'], reply.headers.get('request-id'));
  assert.equal(error.innerError['client-request-id'], reply.clientRequestId);
}

const roles = (...ids: string[]) => ({ unifiedRoles: ids.map((roleDefinitionId) => ({ roleDefinitionId })) });
const newRelationship = (displayName: string, extra: Record<string, unknown> = {}) =>
  ({ displayName, duration: 'P730D', customer: { tenantId: DEMO.litware }, accessDetails: roles(GLOBAL_READER), ...extra });

async function create(graph: Send, body: Record<string, unknown>): Promise<any> {
  return expectStatus(await graph('POST', RELS, body), 201);
}

/** Approval is the customer's: done in the store, as the brief of this suite allows. */
async function approveInStore(pcapi: InjectApp, id: string): Promise<void> {
  const [row] = await pcapi.store.gdapRelationships(DEMO.fabrikam, { id });
  assert.ok(row);
  const result = await pcapi.store.writeGdap({ kind: 'updateRelationship', relationship: { ...row, status: 'approved', statusSinceMs: pcapi.clock.now() }, expectedVersion: row.version });
  assert.equal(result, 'ok');
}

async function activeRelationship(pcapi: InjectApp, graph: Send, displayName: string, extra: Record<string, unknown> = {}): Promise<any> {
  const { id } = await create(graph, newRelationship(displayName, extra));
  expectStatus(await graph('POST', `${RELS}/${id}/requests`, { action: 'lockForApproval' }), 201);
  await approveInStore(pcapi, id);
  const active = expectStatus(await graph('GET', `${RELS}/${id}`), 200);
  assert.equal(active.status, 'active');
  return active;
}

async function findOne(graph: Send, collection: string, filter: string): Promise<any> {
  const { value } = expectStatus(await graph('GET', `/v1.0/${collection}?$filter=${encodeURIComponent(filter)}`), 200);
  assert.equal(value.length, 1, `${collection} ${filter}`);
  return value[0];
}

const assignment = (groupId: string, ...roleIds: string[]) =>
  ({ accessContainer: { accessContainerId: groupId, accessContainerType: 'securityGroup' }, accessDetails: roles(...roleIds) });

/** The organization endpoint's answer with a token minted now (tokens expire as the clock moves). */
async function organizationStatus(pcapi: InjectApp, upn: string, customer: string): Promise<number> {
  return (await pcapi.getOrganization(customer, { token: await pcapi.tokenFor(upn) })).status;
}

async function setup(t: TestContext) {
  const pcapi = await buildInjectApp(t);
  return { pcapi, graph: graphAs(pcapi, 'fabrikam') };
}

describe('Graph delegatedAdminRelationships', () => {
  test('lifecycle: create, lock, customer approval, assignment grants the organization, terminate revokes it at once', async (t) => {
    const { pcapi, graph } = await setup(t);
    const created = await graph('POST', RELS, newRelationship('Litware readers by Fabrikam'));
    const relationship = expectStatus(created, 201);
    assert.match(relationship.id, /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/);
    assert.equal(created.headers.get('location'), `${TEST_PUBLIC_URL}${RELS}/${relationship.id}`);
    assert.ok(relationship['@odata.etag']);
    assert.deepEqual([relationship.status, relationship.customer.tenantId, relationship.activatedDateTime], ['created', DEMO.litware, null]);
    assert.deepEqual(relationship.accessDetails, roles(GLOBAL_READER));
    const path = `${RELS}/${relationship.id}`;

    const locked = await graph('POST', `${path}/requests`, { action: 'lockForApproval' });
    const lockRequest = expectStatus(locked, 201);
    assert.equal(lockRequest.action, 'lockForApproval');
    assert.equal(locked.headers.get('location'), `${TEST_PUBLIC_URL}${path}/requests/${lockRequest.id}`);
    assert.equal(expectStatus(await graph('GET', `${path}/requests/${lockRequest.id}`), 200).id, lockRequest.id);
    assert.equal(expectStatus(await graph('GET', path), 200).status, 'approvalPending');
    assertGraphError(await graph('POST', `${path}/requests`, { action: 'approve' }), 403, 'Authorization_RequestDenied', /customer/);
    assert.equal(expectStatus(await graph('GET', path), 200).status, 'approvalPending', 'the partner cannot approve');

    const approvedAt = pcapi.clock.now();
    await approveInStore(pcapi, relationship.id);
    const active = expectStatus(await graph('GET', path), 200);
    assert.equal(active.status, 'active');
    assert.equal(active.activatedDateTime, new Date(approvedAt).toISOString());
    assert.equal(active.endDateTime, new Date(approvedAt + 730 * DAY).toISOString());

    const group = expectStatus(await graph('POST', '/v1.0/groups', { displayName: 'Litware Readers', mailNickname: 'litware-readers', securityEnabled: true, mailEnabled: false }), 201);
    const guest = await findOne(graph, 'users', "userPrincipalName eq 'guest@fabrikam.example'");
    const adminAgents = await findOne(graph, 'groups', "displayName eq 'AdminAgents'");
    const guestOnLitware = () => organizationStatus(pcapi, 'guest@fabrikam.example', DEMO.litware);
    assert.equal(await guestOnLitware(), 403, 'not an agent yet');
    const reference = { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${guest.id}` };
    for (const groupId of [group.id, adminAgents.id]) expectStatus(await graph('POST', `/v1.0/groups/${groupId}/members/$ref`, reference), 204);
    assert.equal(await guestOnLitware(), 403, 'an agent, but its group has no access assignment');

    const assigned = await graph('POST', `${path}/accessAssignments`, assignment(group.id, GLOBAL_READER));
    const access = expectStatus(assigned, 201);
    assert.equal(access.status, 'active', 'immediate delays: pending lasts no time');
    assert.equal(assigned.headers.get('location'), `${TEST_PUBLIC_URL}${path}/accessAssignments/${access.id}`);
    assert.deepEqual(access.accessContainer, { accessContainerId: group.id, accessContainerType: 'securityGroup' });
    assert.deepEqual(expectStatus(await graph('GET', `${path}/accessAssignments`), 200).value.map((a: { id: string }) => a.id), [access.id]);
    const organization = await pcapi.getOrganization(DEMO.litware, { token: await pcapi.tokenFor('guest@fabrikam.example') });
    assert.equal(organization.status, 200, await organization.clone().text());
    assert.match(await organization.text(), /Litware/);

    expectStatus(await graph('POST', `${path}/requests`, { action: 'terminate' }), 201);
    assert.equal(await guestOnLitware(), 403, 'the very next call after termination is denied');
    assert.equal(expectStatus(await graph('GET', path), 200).status, 'terminated');
    const actions = expectStatus(await graph('GET', `${path}/requests`), 200).value.map((r: { action: string }) => r.action);
    assert.deepEqual(actions.sort(), ['lockForApproval', 'terminate'], 'both requests kept (made at the same instant: no order promised)');
  });

  test('the clock: an active P1D relationship without auto-extend expires at its end and stops granting', async (t) => {
    const { pcapi, graph } = await setup(t);
    const start = pcapi.clock.now();
    const relationship = await activeRelationship(pcapi, graph, 'One day', { duration: 'P1D', autoExtendDuration: 'PT0S' });
    assert.equal(relationship.endDateTime, new Date(start + DAY).toISOString());
    const readers = await findOne(graph, 'groups', "displayName eq 'GDAP Readers'");
    expectStatus(await graph('POST', `${RELS}/${relationship.id}/accessAssignments`, assignment(readers.id, GLOBAL_READER)), 201);
    assert.equal(await organizationStatus(pcapi, 'admin@fabrikam.example', DEMO.litware), 200);

    pcapi.clock.advance(DAY - 1000);
    const lastActive = expectStatus(await graph('GET', `${RELS}/${relationship.id}`), 200);
    assert.equal(lastActive.status, 'active');
    assert.equal(await organizationStatus(pcapi, 'admin@fabrikam.example', DEMO.litware), 200, 'a second before the end');

    pcapi.clock.advance(2000);
    const expired = expectStatus(await graph('GET', `${RELS}/${relationship.id}`), 200);
    assert.equal(expired.status, 'expired');
    assert.equal(expired.endDateTime, new Date(start + DAY).toISOString());
    // The clock changed it: a sync by lastModifiedDateTime sees it, and a tag read before is stale.
    assert.equal(expired.lastModifiedDateTime, expired.endDateTime);
    assert.notEqual(expired['@odata.etag'], lastActive['@odata.etag']);
    assertGraphError(await graph('PATCH', `${RELS}/${relationship.id}`, { autoExtendDuration: 'P180D' }, { 'if-match': lastActive['@odata.etag'] }), 412, 'PreconditionFailed');
    const denied = await pcapi.getOrganization(DEMO.litware, { token: await pcapi.tokenFor('admin@fabrikam.example') });
    assert.equal(denied.status, 403);
    assert.match(await denied.text(), /expired/);
  });

  test('the clock: an auto-extension moves the end date, and with it the tag', async (t) => {
    const { pcapi, graph } = await setup(t);
    const start = pcapi.clock.now();
    const relationship = await activeRelationship(pcapi, graph, 'Extends', { duration: 'P1D', autoExtendDuration: 'P180D' });
    pcapi.clock.advance(DAY + 1000);
    const extended = expectStatus(await graph('GET', `${RELS}/${relationship.id}`), 200);
    assert.deepEqual([extended.status, extended.endDateTime], ['active', new Date(start + DAY + 180 * DAY).toISOString()]);
    assert.notEqual(extended['@odata.etag'], relationship['@odata.etag'], 'the end date changed: so does the tag');
    assertGraphError(await graph('PATCH', `${RELS}/${relationship.id}`, { autoExtendDuration: 'PT0S' }, { 'if-match': relationship['@odata.etag'] }), 412, 'PreconditionFailed');
    expectStatus(await graph('PATCH', `${RELS}/${relationship.id}`, { autoExtendDuration: 'PT0S' }, { 'if-match': `${relationship['@odata.etag']}, ${extended['@odata.etag']}` }), 200);
  });

  test('If-Match: required on PATCH and DELETE, a stale tag is 412 with nothing changed, the current tag or * applies', async (t) => {
    const { pcapi, graph } = await setup(t);
    const created = await create(graph, newRelationship('Etag test'));
    const path = `${RELS}/${created.id}`;
    const stored = async () => pcapi.store.gdapRelationships(DEMO.fabrikam, { id: created.id });

    assertGraphError(await graph('PATCH', path, { displayName: 'Renamed' }), 400, 'badRequest', /If-Match/);
    assertGraphError(await graph('DELETE', path), 400, 'badRequest', /If-Match/);
    const renamed = expectStatus(await graph('PATCH', path, { displayName: 'Renamed' }, { 'if-match': created['@odata.etag'] }), 200);
    assert.equal(renamed.displayName, 'Renamed');
    assert.notEqual(renamed['@odata.etag'], created['@odata.etag']);

    const afterRename = await stored();
    assertGraphError(await graph('PATCH', path, { displayName: 'Stale' }, { 'if-match': created['@odata.etag'] }), 412, 'PreconditionFailed');
    assertGraphError(await graph('DELETE', path, undefined, { 'if-match': created['@odata.etag'] }), 412, 'PreconditionFailed');
    assert.deepEqual(await stored(), afterRename, 'nothing changed by stale writes');
    assert.equal(expectStatus(await graph('GET', path), 200)['@odata.etag'], renamed['@odata.etag']);

    const starred = expectStatus(await graph('PATCH', path, { duration: 'P90D' }, { 'if-match': '*' }), 200);
    assert.equal(starred.duration, 'P90D');
    assert.notEqual(starred['@odata.etag'], renamed['@odata.etag']);
    expectStatus(await graph('DELETE', path, undefined, { 'if-match': '*' }), 204);
    assert.deepEqual(await stored(), []);
    assertGraphError(await graph('GET', path), 404, 'Request_ResourceNotFound');
  });

  test('Global Administrator leaves an active relationship only when no assignment holds it; then export and import agree', async (t) => {
    const { pcapi, graph } = await setup(t);
    const active = await activeRelationship(pcapi, graph, 'GA then reader', { accessDetails: roles(GLOBAL_READER, GLOBAL_ADMINISTRATOR) });
    const readers = await findOne(graph, 'groups', "displayName eq 'GDAP Readers'");
    const held = expectStatus(await graph('POST', `${RELS}/${active.id}/accessAssignments`, assignment(readers.id, GLOBAL_ADMINISTRATOR)), 201);
    const path = `${RELS}/${active.id}`;
    const before = await pcapi.store.gdapRelationships(DEMO.fabrikam, { id: active.id });
    assertGraphError(await graph('PATCH', path, { accessDetails: roles(GLOBAL_READER) }, { 'if-match': '*' }), 400, 'badRequest', new RegExp(`access assignments ${held.id} hold them`));
    assert.deepEqual(await pcapi.store.gdapRelationships(DEMO.fabrikam, { id: active.id }), before, 'nothing changed');

    // The assignment moves to Global Reader first; then the role can go.
    const assignmentPath = `${RELS}/${active.id}/accessAssignments/${held.id}`;
    expectStatus(await graph('PATCH', assignmentPath, { accessDetails: roles(GLOBAL_READER) }, { 'if-match': '*' }), 200);
    expectStatus(await graph('PATCH', path, { accessDetails: roles(GLOBAL_READER) }, { 'if-match': '*' }), 200);
    const exported = exportSeed(await pcapi.store.exportRows(), { now: pcapi.clock.now(), delays: IMMEDIATE_DELAYS });
    await importSeedDocument(pcapi.store, exported, 'the export', new Date(pcapi.clock.now()), { replace: true });
    assert.deepEqual((await pcapi.store.gdapRelationships(DEMO.fabrikam, { id: active.id })).map((r) => r.roleIds), [[GLOBAL_READER]]);
  });

  test('PATCH while created: the customer can move to a tenant that is not yet the partner\'s customer', async (t) => {
    const { graph } = await setup(t);
    const created = await create(graph, newRelationship('Moving customer', { customer: { tenantId: DEMO.contoso } }));
    const moved = await graph('PATCH', `${RELS}/${created.id}`, { customer: { tenantId: DEMO.litware } }, { 'if-match': created['@odata.etag'] });
    assert.equal(expectStatus(moved, 200).customer.tenantId, DEMO.litware);
  });

  test('PATCH while created: changing only the letter case of displayName does not conflict with the relationship itself', async (t) => {
    const { graph } = await setup(t);
    const created = await create(graph, newRelationship('Case matters'));
    const renamed = await graph('PATCH', `${RELS}/${created.id}`, { displayName: 'CASE MATTERS' }, { 'if-match': created['@odata.etag'] });
    assert.equal(expectStatus(renamed, 200).displayName, 'CASE MATTERS');
  });

  test('refusals: each answered in Graph\'s error body, with no relationship or assignment changed', async (t) => {
    const { pcapi, graph } = await setup(t);
    const created = await create(graph, newRelationship('Still created'));
    const pending = await create(graph, newRelationship('Pending approval'));
    expectStatus(await graph('POST', `${RELS}/${pending.id}/requests`, { action: 'lockForApproval' }), 201);
    const active = await activeRelationship(pcapi, graph, 'Active one');
    const readers = await findOne(graph, 'groups', "displayName eq 'GDAP Readers'");
    const adminAgents = await findOne(graph, 'groups', "displayName eq 'AdminAgents'");
    const tailspinAdmins = await findOne(graph, 'groups', "displayName eq 'Tailspin Admins'");
    const [adatumGroup] = await pcapi.store.directoryGroups(DEMO.adatum);
    assert.ok(adatumGroup);
    expectStatus(await graph('POST', `${RELS}/${active.id}/accessAssignments`, assignment(readers.id, GLOBAL_READER)), 201);

    const snapshot = async () => ({
      relationships: await pcapi.store.gdapRelationships(DEMO.fabrikam),
      assignments: await pcapi.store.accessAssignments(active.id),
      requests: await pcapi.store.relationshipRequests(pending.id),
    });
    const cases: [string, string, string, unknown, number, string, RegExp, Record<string, string>?][] = [
      ['malformed JSON', 'POST', RELS, '{"displayName": ', 400, 'badRequest', /not valid JSON/],
      ['a non-object body (an array)', 'POST', RELS, [newRelationship('In an array')], 400, 'badRequest', /must be a JSON object/],
      ['an unknown property', 'POST', RELS, newRelationship('Unknown property', { colour: 'red' }), 400, 'badRequest', /'colour' is not a property/],
      ['a read-only property (status)', 'POST', RELS, newRelationship('Read-only status', { status: 'active' }), 400, 'badRequest', /'status' is read-only/],
      ['no displayName', 'POST', RELS, { duration: 'P730D', customer: { tenantId: DEMO.litware }, accessDetails: roles(GLOBAL_READER) }, 400, 'badRequest', /'displayName' is required/],
      ['a displayName of 51 characters', 'POST', RELS, newRelationship('x'.repeat(51)), 400, 'badRequest', /at most 50/],
      ['a displayName holding U+0000', 'POST', RELS, newRelationship('a\u0000b'), 400, 'badRequest', /'displayName' contains U\+0000/],
      ['a displayName holding an unpaired surrogate', 'POST', RELS, newRelationship('a\ud800b'), 400, 'badRequest', /'displayName' contains an unpaired surrogate \(U\+D800\)/],
      ['a displayName already taken', 'POST', RELS, newRelationship('Still created'), 409, 'conflict', /already exists/],
      ['duration P0D', 'POST', RELS, newRelationship('Zero', { duration: 'P0D' }), 400, 'badRequest', /minimum of P1D/],
      ['duration P731D', 'POST', RELS, newRelationship('Too long', { duration: 'P731D' }), 400, 'badRequest', /maximum of P2Y/],
      ['duration \'forever\'', 'POST', RELS, newRelationship('Forever', { duration: 'forever' }), 400, 'badRequest', /not an ISO 8601 duration/],
      ['auto-extend P180D with Global Administrator', 'POST', RELS, newRelationship('GA extends', { autoExtendDuration: 'P180D', accessDetails: roles(GLOBAL_ADMINISTRATOR) }), 400, 'badRequest', /Global Administrator/],
      ['no roles', 'POST', RELS, newRelationship('No roles', { accessDetails: roles() }), 400, 'badRequest', /at least one role/],
      ['a role id that is not a GUID', 'POST', RELS, newRelationship('Bad role', { accessDetails: roles('global-reader') }), 400, 'badRequest', /not a GUID/],
      ['an unknown customer tenant', 'POST', RELS, newRelationship('Nobody', { customer: { tenantId: randomUUID() } }), 400, 'badRequest', /not known/],
      ['lockForApproval twice', 'POST', `${RELS}/${pending.id}/requests`, { action: 'lockForApproval' }, 400, 'badRequest', /not allowed .*'approvalPending'/],
      ['terminate while created', 'POST', `${RELS}/${created.id}/requests`, { action: 'terminate' }, 400, 'badRequest', /not allowed .*'created'/],
      ['assignment roles outside the relationship\'s', 'POST', `${RELS}/${active.id}/accessAssignments`, assignment(tailspinAdmins.id, USER_ADMINISTRATOR), 400, 'badRequest', /not among the roles/],
      ['an assignment on a relationship not active', 'POST', `${RELS}/${created.id}/accessAssignments`, assignment(readers.id, GLOBAL_READER), 400, 'badRequest', /only on an 'active'/],
      ['a second assignment for the same group', 'POST', `${RELS}/${active.id}/accessAssignments`, assignment(readers.id, GLOBAL_READER), 409, 'conflict', /^The resource already exists\.$/],
      ['an assignment of another partner\'s group', 'POST', `${RELS}/${active.id}/accessAssignments`, assignment(adatumGroup.groupId, GLOBAL_READER), 400, 'badRequest', /not a security group of the partner/],
      ['an assignment of an agent group', 'POST', `${RELS}/${active.id}/accessAssignments`, assignment(adminAgents.id, GLOBAL_READER), 400, 'badRequest', /not a security group of the partner/],
      ['a rename after lockForApproval', 'PATCH', `${RELS}/${pending.id}`, { displayName: 'Renamed too late' }, 400, 'badRequest', /'approvalPending' cannot be updated/, { 'if-match': '*' }],
      ['delete of an active relationship', 'DELETE', `${RELS}/${active.id}`, undefined, 400, 'badRequest', /'active' cannot be deleted/, { 'if-match': '*' }],
    ];
    for (const [label, method, path, body, status, code, mentions, headers] of cases) {
      const before = await snapshot();
      const reply = await graph(method, path, body, headers);
      const after = await snapshot();
      await t.test(label, () => {
        assertGraphError(reply, status, code, mentions);
        assert.deepEqual(after, before, 'nothing changed');
      });
    }
  });

  test('isolation: another partner gets 404 on every path of Fabrikam\'s relationship (an assignment create 400, as for any unknown id); Read.All lists but cannot create', async (t) => {
    const { pcapi, graph } = await setup(t);
    const fabrikams = await activeRelationship(pcapi, graph, 'Fabrikam only');
    const path = `${RELS}/${fabrikams.id}`;
    const before = await pcapi.store.gdapRelationships(DEMO.fabrikam);
    const adatum = graphAs(pcapi, 'adatum');
    const [adatumGroup] = await pcapi.store.directoryGroups(DEMO.adatum);
    assert.ok(adatumGroup);
    for (const [method, target, body, headers] of [
      ['GET', path], ['PATCH', path, { autoExtendDuration: 'P180D' }, { 'if-match': '*' }], ['DELETE', path, undefined, { 'if-match': '*' }],
      ['POST', `${path}/requests`, { action: 'terminate' }], ['GET', `${path}/requests`],
      ['GET', `${path}/accessAssignments`],
    ] as [string, string, unknown?, Record<string, string>?][]) {
      assertGraphError(await adatum(method, target, body, headers), 404, 'Request_ResourceNotFound', /does not exist/);
    }
    const unknownId = [path, `${RELS}/${randomUUID()}-${randomUUID()}`].map((relationship) => adatum('POST', `${relationship}/accessAssignments`, assignment(adatumGroup.groupId, GLOBAL_READER)));
    for (const reply of await Promise.all(unknownId)) assertGraphError(reply, 400, 'badRequest', /^The passed in delegatedAdminRelationshipId is invalid\.$/);
    const adatumList = expectStatus(await adatum('GET', RELS), 200).value;
    assert.deepEqual(adatumList.map((r: { displayName: string }) => r.displayName), ['Litware readers']);
    assert.deepEqual(await pcapi.store.gdapRelationships(DEMO.fabrikam), before);

    const reporting = graphAs(pcapi, 'reporting');
    const listed = expectStatus(await reporting('GET', RELS), 200).value.map((r: { id: string }) => r.id);
    assert.ok(listed.includes(fabrikams.id));
    assert.equal(expectStatus(await reporting('GET', path), 200).id, fabrikams.id);
    assertGraphError(await reporting('POST', RELS, newRelationship('Reporting tries')), 403, 'Authorization_RequestDenied', /DelegatedAdminRelationship\.ReadWrite\.All/);
    assertGraphError(await reporting('POST', `${path}/requests`, { action: 'terminate' }), 403, 'Authorization_RequestDenied');
    assert.deepEqual(await pcapi.store.gdapRelationships(DEMO.fabrikam), before);
  });

  test('OData on the list: $filter with and, $select, $orderby, $count, paging by @odata.nextLink, bad options refused', async (t) => {
    const { graph } = await setup(t);
    const list = async (query: string) => expectStatus(await graph('GET', `${RELS}?${query}`), 200);
    const names = (body: { value: { displayName: string }[] }) => body.value.map((r) => r.displayName);
    const q = (text: string) => encodeURIComponent(text);

    assert.deepEqual(names(await list(`$filter=${q("status eq 'active'")}&$orderby=displayName`)), ['Contoso readers', 'Woodgrove helpdesk']);
    const joined = `status eq 'active' and customer/tenantId eq '${DEMO.contoso}' and displayName eq 'Contoso readers'`;
    assert.deepEqual(names(await list(`$filter=${q(joined)}`)), ['Contoso readers']);
    assert.deepEqual(names(await list(`$filter=${q(`customer/tenantId eq '${DEMO.woodgrove}' and status eq 'expired'`)}`)), []);

    const selected = await list('$select=displayName,status');
    for (const item of selected.value) assert.deepEqual(Object.keys(item), ['@odata.type', '@odata.etag', 'id', 'displayName', 'status']);
    assert.equal(selected.value[0]['@odata.type'], '#microsoft.graph.delegatedAdminRelationship');

    const descending = ['Woodgrove helpdesk', 'Tailspin admins', 'Relecloud readers', 'Contoso readers'];
    assert.deepEqual(names(await list('$orderby=displayName%20desc')), descending);
    const counted = await list(`$count=true&$filter=${q("status eq 'active'")}`);
    assert.equal(counted['@odata.count'], 2);
    assert.equal(counted['@odata.context'], `${TEST_PUBLIC_URL}/v1.0/$metadata#tenantRelationships/delegatedAdminRelationships`);

    const paged: string[] = [];
    let page = await list('$top=1&$orderby=displayName%20desc&$count=true');
    for (;;) {
      assert.equal(page.value.length, 1);
      assert.equal(page['@odata.count'], 4);
      paged.push(...names(page));
      const next: string | undefined = page['@odata.nextLink'];
      if (next === undefined) break;
      const url = new URL(next);
      assert.equal(url.origin, TEST_PUBLIC_URL);
      page = expectStatus(await graph('GET', url.pathname + url.search), 200);
    }
    assert.deepEqual(paged, descending);

    assertGraphError(await graph('GET', `${RELS}?$top=301`), 400, 'badRequest', /\$top/);
    assertGraphError(await graph('GET', `${RELS}?$filter=${q("colour eq 'red'")}`), 400, 'badRequest', /colour/);
  });

  test('delegatedAdminCustomers: the customers with a relationship that has not ended, by id, and 404 for any other', async (t) => {
    const { graph } = await setup(t);
    const customers = async () => expectStatus(await graph('GET', `${CUSTOMERS}?$orderby=displayName`), 200).value;
    const listed = await customers();
    assert.deepEqual(listed.map((c: { displayName: string }) => c.displayName), ['Contoso', 'Relecloud', 'Woodgrove Bank'],
      'Northwind (DAP only) has no relationship; Tailspin\'s only one expired');
    assert.deepEqual(Object.keys(listed[0]), ['@odata.type', '@odata.etag', 'id', 'tenantId', 'displayName']);
    assert.deepEqual(listed[0], { ...listed[0], '@odata.type': '#microsoft.graph.delegatedAdminCustomer', id: DEMO.contoso, tenantId: DEMO.contoso });
    const contoso = expectStatus(await graph('GET', `${CUSTOMERS}/${DEMO.contoso}`), 200);
    assert.deepEqual([contoso.id, contoso.tenantId, contoso.displayName], [DEMO.contoso, DEMO.contoso, 'Contoso']);
    for (const unknown of [DEMO.northwind, DEMO.litware, DEMO.tailspin, randomUUID()]) {
      assertGraphError(await graph('GET', `${CUSTOMERS}/${unknown}`), 404, 'Request_ResourceNotFound');
    }

    const litware = await create(graph, newRelationship('Litware for a while'));
    assert.ok((await customers()).some((c: { id: string }) => c.id === DEMO.litware));
    expectStatus(await graph('GET', `${CUSTOMERS}/${DEMO.litware}`), 200);
    expectStatus(await graph('DELETE', `${RELS}/${litware.id}`, undefined, { 'if-match': '*' }), 204);
    assert.ok(!(await customers()).some((c: { id: string }) => c.id === DEMO.litware), 'gone with its last relationship');
  });

  test('tokens: a Partner Center token is refused on /v1.0, a Graph token on Partner Center', async (t) => {
    const { pcapi } = await setup(t);
    const partnerCenter = await pcapi.tokenFor('admin@fabrikam.example');
    const refused = await pcapi.fetch(RELS, { headers: { authorization: `Bearer ${partnerCenter}`, 'client-request-id': 'pc-token-on-graph' } });
    const reply: Reply = { status: refused.status, headers: refused.headers, body: await refused.json(), clientRequestId: 'pc-token-on-graph' };
    assertGraphError(reply, 401, 'InvalidAuthenticationToken', /audience/i);
    const anonymous = await pcapi.fetch(RELS);
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as any).error.code, 'InvalidAuthenticationToken');
    assert.ok(anonymous.headers.get('client-request-id'), 'a client-request-id even when the client sent none');

    const graphOnPartnerCenter = await pcapi.getOrganization(DEMO.contoso, { token: await graphToken(pcapi, 'fabrikam') });
    assert.equal(graphOnPartnerCenter.status, 401);
    assert.equal(await organizationStatus(pcapi, 'admin@fabrikam.example', DEMO.contoso), 200, 'the same partner with a Partner Center token');
  });

  test('URLs the router refuses (bad percent-encoding, a segment over 256 characters) get Graph\'s error body on /v1.0', async (t) => {
    const { pcapi } = await setup(t);
    const token = await graphToken(pcapi, 'fabrikam');
    for (const path of [`${RELS}/%FF`, `${RELS}/${'a'.repeat(300)}`, `/V1.0/tenantRelationships/delegatedAdminRelationships/%E0%A4%A`]) {
      const response = await pcapi.fetch(path, { headers: { authorization: `Bearer ${token}`, 'client-request-id': 'bad-url' } });
      const reply: Reply = { status: response.status, headers: response.headers, body: await response.json(), clientRequestId: 'bad-url' };
      assertGraphError(reply, 400, 'badRequest', /request URL is not valid/);
    }
    // Partner Center's paths keep Partner Center's body.
    const partnerCenter = await pcapi.fetch('/v1/customers/%FF/organization');
    assert.equal(partnerCenter.status, 400);
    const body = (await partnerCenter.json()) as any;
    assert.equal(typeof body.description, 'string');
    assert.equal(body.error, undefined);
  });
});
