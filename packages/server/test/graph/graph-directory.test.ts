/**
 * The partner tenant's directory through the Graph surface (/v1.0/groups, /users, /servicePrincipals),
 * through inject(): security groups and their members as GDAP setup needs them, lookups by $filter,
 * permission refusals naming the permission, and one partner never reaching another's directory.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { buildInjectApp, DEMO, TEST_PUBLIC_URL, type InjectApp } from '../helpers/inject-app.js';

type Who = 'fabrikam' | 'reporting' | 'adatum';
interface Reply { status: number; headers: Headers; body: any; clientRequestId: string }
type Send = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Reply>;

/** A Graph token: Fabrikam's apps through the token endpoint; Adatum's app (no Graph permissions in the seed) minted with them. */
async function graphToken(pcapi: InjectApp, who: Who): Promise<string> {
  if (who === 'adatum') {
    const principal = await pcapi.store.findAppByClientId(DEMO.adatum, DEMO.adatumAutomation);
    assert.ok(principal);
    const roles = ['Group.ReadWrite.All', 'User.Read.All', 'Application.Read.All'];
    return (await pcapi.issuer.mintAccessToken(principal, { audience: 'https://graph.microsoft.com', roles })).token;
  }
  const response = await pcapi.fetch(`/${DEMO.fabrikam}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials', client_id: who === 'fabrikam' ? DEMO.fabrikamAutomation : DEMO.fabrikamReporting,
      client_secret: DEMO.secret, scope: 'https://graph.microsoft.com/.default',
    }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Sends JSON as one app with a client-request-id, and checks Graph's id headers on every answer. */
function graphAs(pcapi: InjectApp, who: Who): Send {
  let token: Promise<string> | undefined;
  return async (method, path, body, headers = {}) => {
    token ??= graphToken(pcapi, who);
    const clientRequestId = randomUUID();
    const response = await pcapi.fetch(path, {
      method,
      headers: { authorization: `Bearer ${await token}`, 'client-request-id': clientRequestId, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
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

const q = (text: string) => encodeURIComponent(text);
const reference = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });
const securityGroup = (displayName: string, extra: Record<string, unknown> = {}) =>
  ({ displayName, mailNickname: displayName.toLowerCase().replace(/[^a-z0-9]+/g, '-'), securityEnabled: true, mailEnabled: false, ...extra });

async function findOne(graph: Send, collection: string, filter: string): Promise<any> {
  const { value } = expectStatus(await graph('GET', `/v1.0/${collection}?$filter=${q(filter)}`), 200);
  assert.equal(value.length, 1, `${collection} ${filter}`);
  return value[0];
}

async function setup(t: TestContext) {
  const pcapi = await buildInjectApp(t);
  return { pcapi, graph: graphAs(pcapi, 'fabrikam') };
}

describe('Graph directory', () => {
  test('groups: a security group is created (201, Location); mail-enabled, no mailNickname, a taken name or an unknown property are refused', async (t) => {
    const { pcapi, graph } = await setup(t);
    const created = await graph('POST', '/v1.0/groups', securityGroup('Contoso Helpdesk', { description: 'GDAP: Contoso helpdesk' }));
    const group = expectStatus(created, 201);
    assert.equal(created.headers.get('location'), `${TEST_PUBLIC_URL}/v1.0/groups/${group.id}`);
    assert.equal(group['@odata.context'], `${TEST_PUBLIC_URL}/v1.0/$metadata#groups/$entity`);
    assert.match(group.id, /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/);
    assert.deepEqual(
      { displayName: group.displayName, description: group.description, mailNickname: group.mailNickname, securityEnabled: group.securityEnabled, mailEnabled: group.mailEnabled, groupTypes: group.groupTypes },
      { displayName: 'Contoso Helpdesk', description: 'GDAP: Contoso helpdesk', mailNickname: 'contoso-helpdesk', securityEnabled: true, mailEnabled: false, groupTypes: [] },
    );
    assert.equal(group.createdDateTime, new Date(pcapi.clock.now()).toISOString());

    const before = await pcapi.store.directoryGroups(DEMO.fabrikam);
    const refusals: [unknown, number, string, RegExp][] = [
      [securityGroup('Mail enabled', { mailEnabled: true }), 400, 'badRequest', /mailEnabled/],
      [{ displayName: 'No nickname', securityEnabled: true, mailEnabled: false }, 400, 'badRequest', /'mailNickname' is required/],
      [securityGroup('Contoso Helpdesk'), 409, 'conflict', /already exists/],
      [securityGroup('contoso helpdesk'), 409, 'conflict', /already exists/],
      [securityGroup('AdminAgents'), 409, 'conflict', /already exists/],
      [securityGroup('With visibility', { visibility: 'Private' }), 400, 'badRequest', /'visibility' is not a property/],
      [securityGroup('With id', { id: randomUUID() }), 400, 'badRequest', /'id' is read-only/],
      [securityGroup('nul\u0000grp'), 400, 'badRequest', /'displayName' contains U\+0000/],
      [securityGroup('Lone surrogate', { description: '\udc00' }), 400, 'badRequest', /'description' contains an unpaired surrogate/],
      ['{"displayName": "Broken', 400, 'badRequest', /not valid JSON/],
    ];
    for (const [body, status, code, mentions] of refusals) {
      assertGraphError(await graph('POST', '/v1.0/groups', body), status, code, mentions);
    }
    assert.deepEqual(await pcapi.store.directoryGroups(DEMO.fabrikam), before, 'no group created by a refused request');
  });

  test('groups: found by $filter displayName eq, read by id, and their members listed with their types', async (t) => {
    const { graph } = await setup(t);
    const readers = await findOne(graph, 'groups', "displayName eq 'GDAP Readers'");
    assert.equal(await findOne(graph, 'groups', "displayName eq 'gdap readers'").then((g) => g.id), readers.id, 'names compare case-insensitively');
    assert.deepEqual(expectStatus(await graph('GET', '/v1.0/groups?$filter=' + q("displayName eq 'Nobody'")), 200).value, []);
    const byId = expectStatus(await graph('GET', `/v1.0/groups/${readers.id}`), 200);
    assert.equal(byId.displayName, 'GDAP Readers');
    assert.equal(byId.securityEnabled, true);
    assertGraphError(await graph('GET', `/v1.0/groups/${randomUUID()}`), 404, 'Request_ResourceNotFound', /does not exist/);

    const members = expectStatus(await graph('GET', `/v1.0/groups/${readers.id}/members`), 200);
    assert.equal(members['@odata.context'], `${TEST_PUBLIC_URL}/v1.0/$metadata#directoryObjects`);
    const seen = members.value.map((m: any) => `${m['@odata.type']} ${m.userPrincipalName ?? m.appId}`).sort();
    assert.deepEqual(seen, [
      `#microsoft.graph.servicePrincipal ${DEMO.fabrikamAutomation}`,
      '#microsoft.graph.user admin@fabrikam.example', '#microsoft.graph.user guest@fabrikam.example',
      '#microsoft.graph.user nomfa@fabrikam.example', '#microsoft.graph.user sales@fabrikam.example',
    ]);
    const created = expectStatus(await graph('POST', '/v1.0/groups', securityGroup('Empty group')), 201);
    assert.deepEqual(expectStatus(await graph('GET', `/v1.0/groups/${created.id}/members`), 200).value, []);
  });

  test('members/$ref: add (204), add again (400), malformed or unknown reference refused; remove (204), remove again (404)', async (t) => {
    const { pcapi, graph } = await setup(t);
    const group = expectStatus(await graph('POST', '/v1.0/groups', securityGroup('Tailspin Readers')), 201);
    const guest = await findOne(graph, 'users', "userPrincipalName eq 'guest@fabrikam.example'");
    const refs = `/v1.0/groups/${group.id}/members/$ref`;

    expectStatus(await graph('POST', refs, reference(guest.id)), 204);
    const members = expectStatus(await graph('GET', `/v1.0/groups/${group.id}/members`), 200).value;
    assert.deepEqual(members.map((m: any) => [m['@odata.type'], m.id, m.userPrincipalName]), [['#microsoft.graph.user', guest.id, 'guest@fabrikam.example']]);
    assertGraphError(await graph('POST', refs, reference(guest.id)), 400, 'badRequest',
      /^One or more added object references already exist for the following modified properties: 'members'\.$/);

    const stored = () => pcapi.store.groupMembers(group.id);
    const before = await stored();
    for (const body of [
      { '@odata.id': 'guest@fabrikam.example' }, { '@odata.id': 'https://graph.microsoft.com/v1.0/directoryObjects/12345' },
      { '@odata.id': 42 }, {}, { '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${guest.id}`, extra: true },
    ]) {
      assertGraphError(await graph('POST', refs, body), 400, 'badRequest');
    }
    assertGraphError(await graph('POST', refs, reference(group.id)), 400, 'badRequest', /itself/);
    const nobody = randomUUID();
    assertGraphError(await graph('POST', refs, reference(nobody)), 404, 'Request_ResourceNotFound', new RegExp(nobody));
    assertGraphError(await graph('POST', `/v1.0/groups/${randomUUID()}/members/$ref`, reference(guest.id)), 404, 'Request_ResourceNotFound');
    assert.deepEqual(await stored(), before, 'no member added by a refused request');

    const readers = await findOne(graph, 'groups', "displayName eq 'GDAP Readers'");
    expectStatus(await graph('POST', refs, { '@odata.id': `https://graph.microsoft.com/v1.0/groups/${readers.id}` }), 204);
    const types = expectStatus(await graph('GET', `/v1.0/groups/${group.id}/members`), 200).value.map((m: any) => m['@odata.type']).sort();
    assert.deepEqual(types, ['#microsoft.graph.group', '#microsoft.graph.user'], 'a group can be a member');

    // A client that sends Content-Type: application/json on every call, with no body on a DELETE.
    expectStatus(await graph('DELETE', `/v1.0/groups/${group.id}/members/${guest.id}/$ref`, undefined, { 'content-type': 'application/json' }), 204);
    assert.deepEqual((await stored()).map((m) => m.memberId), [readers.id]);
    assertGraphError(await graph('DELETE', `/v1.0/groups/${group.id}/members/${guest.id}/$ref`), 404, 'Request_ResourceNotFound');
    assertGraphError(await graph('DELETE', `/v1.0/groups/${randomUUID()}/members/${guest.id}/$ref`), 404, 'Request_ResourceNotFound');
  });

  test('users by $filter userPrincipalName eq, by UPN and by id; servicePrincipals by $filter appId eq and by id', async (t) => {
    const { graph } = await setup(t);
    const admin = await findOne(graph, 'users', "userPrincipalName eq 'admin@fabrikam.example'");
    assert.deepEqual(
      { type: admin['@odata.type'], displayName: admin.displayName, userPrincipalName: admin.userPrincipalName, accountEnabled: admin.accountEnabled },
      { type: '#microsoft.graph.user', displayName: 'Fabrikam Admin', userPrincipalName: 'admin@fabrikam.example', accountEnabled: true },
    );
    for (const key of ['admin@fabrikam.example', 'Admin@Fabrikam.example', admin.id]) {
      const user = expectStatus(await graph('GET', `/v1.0/users/${key}`), 200);
      assert.equal(user.id, admin.id, key);
      assert.equal(user['@odata.context'], `${TEST_PUBLIC_URL}/v1.0/$metadata#users/$entity`);
    }
    assertGraphError(await graph('GET', '/v1.0/users/nobody@fabrikam.example'), 404, 'Request_ResourceNotFound');
    const users = expectStatus(await graph('GET', '/v1.0/users?$select=userPrincipalName&$orderby=userPrincipalName'), 200).value;
    assert.deepEqual(users.map((u: any) => u.userPrincipalName),
      ['admin@fabrikam.example', 'guest@fabrikam.example', 'helpdesk@fabrikam.example', 'nomfa@fabrikam.example', 'sales@fabrikam.example']);

    const automation = await findOne(graph, 'servicePrincipals', `appId eq '${DEMO.fabrikamAutomation}'`);
    assert.equal(automation.displayName, 'Fabrikam Automation');
    assert.equal(automation['@odata.type'], '#microsoft.graph.servicePrincipal');
    assert.equal(expectStatus(await graph('GET', `/v1.0/servicePrincipals/${automation.id}`), 200).appId, DEMO.fabrikamAutomation);
    assertGraphError(await graph('GET', `/v1.0/servicePrincipals/${randomUUID()}`), 404, 'Request_ResourceNotFound');
    assertGraphError(await graph('GET', `/v1.0/users?$filter=${q("jobTitle eq 'x'")}`), 400, 'badRequest', /jobTitle/);
  });

  test('permissions: Fabrikam Reporting (DelegatedAdminRelationship.Read.All only) gets 403 naming what each call needs', async (t) => {
    const { pcapi, graph } = await setup(t);
    const reporting = graphAs(pcapi, 'reporting');
    const readers = await findOne(graph, 'groups', "displayName eq 'GDAP Readers'");
    const helpdesk = await findOne(graph, 'users', "userPrincipalName eq 'helpdesk@fabrikam.example'");
    const groupsBefore = await pcapi.store.directoryGroups(DEMO.fabrikam);
    const membersBefore = await pcapi.store.groupMembers(readers.id);
    for (const [method, path, body, needs] of [
      ['POST', '/v1.0/groups', securityGroup('Reporting made'), /Group\.ReadWrite\.All/],
      ['GET', '/v1.0/groups', undefined, /Group\.Read\.All/],
      ['GET', `/v1.0/groups/${readers.id}/members`, undefined, /Group\.Read\.All/],
      ['POST', `/v1.0/groups/${readers.id}/members/$ref`, reference(helpdesk.id), /GroupMember\.ReadWrite\.All/],
      ['DELETE', `/v1.0/groups/${readers.id}/members/${helpdesk.id}/$ref`, undefined, /Group\.ReadWrite\.All/],
      ['GET', '/v1.0/users', undefined, /User\.Read\.All/],
      ['GET', '/v1.0/servicePrincipals', undefined, /Application\.Read\.All/],
    ] as [string, string, unknown, RegExp][]) {
      const reply = await reporting(method, path, body);
      assertGraphError(reply, 403, 'Authorization_RequestDenied', needs);
      assert.match(reply.body.error.message, /roles: DelegatedAdminRelationship\.Read\.All/, 'names what the token holds');
    }
    assert.deepEqual(await pcapi.store.directoryGroups(DEMO.fabrikam), groupsBefore);
    assert.deepEqual(await pcapi.store.groupMembers(readers.id), membersBefore);
  });

  test('isolation: Adatum never sees Fabrikam\'s groups, users or apps, and cannot add Fabrikam\'s user to its own group', async (t) => {
    const { pcapi, graph } = await setup(t);
    const adatum = graphAs(pcapi, 'adatum');
    const fabrikamGroup = expectStatus(await graph('POST', '/v1.0/groups', securityGroup('Fabrikam private')), 201);
    const fabrikamAdmin = await findOne(graph, 'users', "userPrincipalName eq 'admin@fabrikam.example'");
    const fabrikamApp = await findOne(graph, 'servicePrincipals', `appId eq '${DEMO.fabrikamAutomation}'`);
    const adatumGroup = await findOne(adatum, 'groups', "displayName eq 'Adatum GDAP Readers'");

    for (const path of [
      `/v1.0/groups/${fabrikamGroup.id}`, `/v1.0/groups/${fabrikamGroup.id}/members`,
      `/v1.0/users/${fabrikamAdmin.id}`, '/v1.0/users/admin@fabrikam.example', `/v1.0/servicePrincipals/${fabrikamApp.id}`,
    ]) {
      assertGraphError(await adatum('GET', path), 404, 'Request_ResourceNotFound');
    }
    const groups = expectStatus(await adatum('GET', '/v1.0/groups'), 200).value;
    assert.deepEqual(groups.map((g: any) => g.displayName).sort(), ['Adatum GDAP Readers', 'AdminAgents', 'HelpdeskAgents', 'SalesAgents']);
    const fabrikamGroupIds = new Set((await pcapi.store.directoryGroups(DEMO.fabrikam)).map((g) => g.groupId));
    assert.ok(groups.every((g: any) => !fabrikamGroupIds.has(g.id)), 'not even Fabrikam\'s agent groups');
    assert.deepEqual(expectStatus(await adatum('GET', '/v1.0/users'), 200).value.map((u: any) => u.userPrincipalName), ['admin@adatum.example']);
    assert.deepEqual(expectStatus(await adatum('GET', `/v1.0/users?$filter=${q("userPrincipalName eq 'admin@fabrikam.example'")}`), 200).value, []);
    assert.deepEqual(expectStatus(await adatum('GET', `/v1.0/servicePrincipals?$filter=${q(`appId eq '${DEMO.fabrikamAutomation}'`)}`), 200).value, []);

    const adatumMembers = await pcapi.store.groupMembers(adatumGroup.id);
    const fabrikamMembers = await pcapi.store.groupMembers(fabrikamGroup.id);
    assertGraphError(await adatum('POST', `/v1.0/groups/${adatumGroup.id}/members/$ref`, reference(fabrikamAdmin.id)), 404, 'Request_ResourceNotFound');
    assertGraphError(await adatum('POST', `/v1.0/groups/${fabrikamGroup.id}/members/$ref`, reference(fabrikamAdmin.id)), 404, 'Request_ResourceNotFound');
    assertGraphError(await adatum('DELETE', `/v1.0/groups/${fabrikamGroup.id}/members/${fabrikamAdmin.id}/$ref`), 404, 'Request_ResourceNotFound');
    assertGraphError(await graph('POST', `/v1.0/groups/${fabrikamGroup.id}/members/$ref`, reference(adatumGroup.id)), 404, 'Request_ResourceNotFound');
    assert.deepEqual(await pcapi.store.groupMembers(adatumGroup.id), adatumMembers);
    assert.deepEqual(await pcapi.store.groupMembers(fabrikamGroup.id), fabrikamMembers);

    const sameName = expectStatus(await graph('POST', '/v1.0/groups', securityGroup('Adatum GDAP Readers')), 201);
    assert.notEqual(sameName.id, adatumGroup.id, 'group names are unique per tenant only');
  });
});
