/**
 * The console's JSON API (/_pcapi/console/api/) through inject(), on the demo data: partners with
 * their principals, groups and relationships; customers paged with a cursor and searched; a customer
 * with its organization as the Partner Center API answers it; "ask why" from the same decision code;
 * lifecycle actions through GdapService that change what explain answers and are audited; bad input
 * refused with a 400 in Graph's error shape; the emulator's guard.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { EmulatedClock, ManualClock } from '../../src/clock.js';
import { DEMO_SEED_FILE } from '../../src/seed/import-seed.js';
import { buildInjectApp, DEMO, TEST_EPOCH, type InjectApp } from '../helpers/inject-app.js';

const API = '/_pcapi/console/api';
const ADMIN = 'admin@fabrikam.example';
const DAY = 86_400_000;

async function consoleApp(t: TestContext, options: Record<string, string> = {}): Promise<{ pcapi: InjectApp; clock: EmulatedClock }> {
  const clock = new EmulatedClock(new ManualClock(TEST_EPOCH));
  const pcapi = await buildInjectApp(t, options, {
    clock, emulator: { adminKey: options.emulatorKey, seed: { file: DEMO_SEED_FILE } }, audit: { retentionDays: 1, flushIntervalMs: 60_000 },
  });
  return { pcapi, clock };
}

async function get(pcapi: InjectApp, path: string, status = 200): Promise<any> {
  const response = await pcapi.fetch(`${API}${path}`);
  const text = await response.text();
  assert.equal(response.status, status, text);
  return JSON.parse(text);
}

async function post(pcapi: InjectApp, path: string, status = 200): Promise<any> {
  const response = await pcapi.fetch(`${API}${path}`, { method: 'POST' });
  const text = await response.text();
  assert.equal(response.status, status, text);
  return JSON.parse(text);
}

function assertGraphError(body: any, code: string, mentions: RegExp): void {
  assert.equal(body.error.code, code);
  assert.match(body.error.message, mentions);
  assert.ok(body.error.innerError['request-id'], 'innerError carries the request id');
}

/** Every customer, following `next`. */
async function allCustomers(pcapi: InjectApp, query: string, limit: number): Promise<{ pages: number; names: string[] }> {
  const names: string[] = [];
  let pages = 0;
  let after: string | null = null;
  do {
    const page: any = await get(pcapi, `/customers?limit=${limit}${query}${after ? `&after=${after}` : ''}`);
    pages++;
    names.push(...page.value.map((c: any) => c.displayName));
    after = page.next;
  } while (after && pages < 20);
  return { pages, names };
}

const fabrikamContoso = async (pcapi: InjectApp) => (await get(pcapi, `/partners/${DEMO.fabrikam}`)).relationships.find((r: any) => r.customerTenantId === DEMO.contoso);

describe('console API', () => {
  test('off unless the emulator is on', async (t) => {
    const pcapi = await buildInjectApp(t);
    assert.equal((await pcapi.fetch(`${API}/partners`)).status, 404);
  });

  test('partners by name; a partner with its principals, groups with members, relationships with assignments, and customer count', async (t) => {
    const { pcapi } = await consoleApp(t);
    assert.deepEqual(await get(pcapi, '/partners'), { value: [
      { tenantId: DEMO.adatum, displayName: 'Adatum', domain: 'adatum.example' },
      { tenantId: DEMO.fabrikam, displayName: 'Fabrikam', domain: 'fabrikam.example' },
    ] });

    const fabrikam = await get(pcapi, `/partners/${DEMO.fabrikam.toUpperCase()}`);
    assert.equal(fabrikam.tenantId, DEMO.fabrikam);
    assert.equal(fabrikam.displayName, 'Fabrikam');
    assert.equal(fabrikam.domain, 'fabrikam.example');
    assert.equal(fabrikam.customers, 5);
    const groups = new Map<string, any>(fabrikam.groups.map((g: any) => [g.displayName, g]));
    const admin = fabrikam.principals.find((p: any) => p.name === ADMIN);
    assert.equal(admin.kind, 'user');
    assert.equal(admin.clientId, null);
    assert.deepEqual(new Set(admin.groups), new Set(['AdminAgents', 'GDAP Readers', 'Tailspin Admins', 'Woodgrove Helpdesk', 'Relecloud Readers'].map((n) => groups.get(n).groupId)));
    const automation = fabrikam.principals.find((p: any) => p.clientId === DEMO.fabrikamAutomation);
    assert.equal(automation.kind, 'app');
    assert.equal(automation.name, 'Fabrikam Automation');
    assert.equal(automation.displayName, 'Fabrikam Automation');
    assert.equal(groups.get('AdminAgents').agentRole, 'AdminAgents');
    assert.equal(groups.get('GDAP Readers').agentRole, null);
    assert.ok(groups.get('GDAP Readers').members.some((m: any) => m.objectId === admin.objectId && m.kind === 'user' && m.name === ADMIN));
    assert.ok(groups.get('GDAP Readers').members.some((m: any) => m.objectId === automation.objectId && m.kind === 'app' && m.name === 'Fabrikam Automation'));

    const byCustomer = new Map<string, any>(fabrikam.relationships.map((r: any) => [r.customerTenantId, r]));
    const contoso = byCustomer.get(DEMO.contoso);
    assert.equal(contoso.displayName, 'Contoso readers');
    assert.equal(contoso.customerName, 'Contoso');
    assert.equal(contoso.status, 'active');
    assert.deepEqual(contoso.roles, [{ id: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', name: 'Global Reader' }]);
    assert.match(contoso.createdDateTime, /^\d{4}-\d{2}-\d{2}T/);
    assert.match(contoso.endDateTime, /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(contoso.assignments.length, 1);
    assert.deepEqual({ ...contoso.assignments[0], id: undefined }, {
      id: undefined, groupId: groups.get('GDAP Readers').groupId, groupName: 'GDAP Readers', status: 'active', roles: contoso.roles,
    });
    assert.equal(byCustomer.get(DEMO.tailspin).status, 'expired', 'the effective status, by the clock');
    assert.equal(byCustomer.get(DEMO.relecloud).status, 'approvalPending');

    assert.equal((await get(pcapi, `/partners/${DEMO.adatum}`)).customers, 1);
  });

  test('unknown ids are 404, malformed ones 400', async (t) => {
    const { pcapi } = await consoleApp(t);
    assertGraphError(await get(pcapi, `/partners/${DEMO.contoso}`, 404), 'Request_ResourceNotFound', /no partner tenant/);
    assertGraphError(await get(pcapi, '/partners/fabrikam', 400), 'badRequest', /partnerTenantId.*not a tenant id/);
    assertGraphError(await get(pcapi, `/customers/${DEMO.fabrikam}`, 404), 'Request_ResourceNotFound', /no customer tenant/);
    assertGraphError(await get(pcapi, '/customers/contoso', 400), 'badRequest', /customerTenantId.*not a tenant id/);
    assertGraphError(await get(pcapi, '/nothing-here', 404), 'Request_ResourceNotFound', /No emulator endpoint/);
  });

  test('customers: by name, paged with a cursor, searched by name or tenant id, narrowed to a partner', async (t) => {
    const { pcapi } = await consoleApp(t);
    const first = await get(pcapi, '/customers');
    assert.deepEqual(first.value.map((c: any) => c.displayName), ['Contoso', 'Litware Inc.', 'Northwind Traders', 'Relecloud GmbH', 'Tailspin Toys', 'Woodgrove Bank']);
    assert.equal(first.next, null);
    assert.deepEqual(first.value.find((c: any) => c.tenantId === DEMO.northwind).partners, [{ tenantId: DEMO.fabrikam, displayName: 'Fabrikam', dapEnabled: true }]);
    assert.deepEqual(first.value.find((c: any) => c.tenantId === DEMO.litware).partners, [{ tenantId: DEMO.adatum, displayName: 'Adatum', dapEnabled: false }]);

    const paged = await allCustomers(pcapi, '', 4);
    assert.deepEqual(paged, { pages: 2, names: first.value.map((c: any) => c.displayName) });
    const page = await get(pcapi, '/customers?limit=2');
    assert.equal(page.value.length, 2);
    assert.equal(typeof page.next, 'string');
    assert.deepEqual((await get(pcapi, `/customers?limit=2&after=${page.next}`)).value.map((c: any) => c.displayName), ['Northwind Traders', 'Relecloud GmbH']);

    const names = async (query: string) => (await get(pcapi, `/customers?${query}`)).value.map((c: any) => c.displayName);
    assert.deepEqual(await names('search=TAIL'), ['Tailspin Toys']);
    assert.deepEqual(await names('search=%20w%20'), ['Woodgrove Bank']);
    assert.deepEqual(await names(`search=${DEMO.contoso.slice(0, 8).toUpperCase()}`), ['Contoso'], 'a tenant id prefix');
    assert.deepEqual(await names(`search=${DEMO.tailspin}`), ['Tailspin Toys'], 'a whole tenant id');
    assert.deepEqual(await names('search=nobody'), []);
    assert.deepEqual(await names('partner=adatum.example'), ['Litware Inc.']);
    assert.deepEqual(await names(`partner=${DEMO.fabrikam}&search=r`), ['Relecloud GmbH']);
    assert.deepEqual(await allCustomers(pcapi, `&partner=${DEMO.fabrikam}`, 2), { pages: 3, names: ['Contoso', 'Northwind Traders', 'Relecloud GmbH', 'Tailspin Toys', 'Woodgrove Bank'] });
  });

  test('customers: bad paging, search or partner is a 400 naming the parameter', async (t) => {
    const { pcapi } = await consoleApp(t);
    for (const limit of ['0', '201', 'ten', '-1', '1.5']) assertGraphError(await get(pcapi, `/customers?limit=${limit}`, 400), 'badRequest', /limit/);
    assertGraphError(await get(pcapi, '/customers?after=not-a-cursor', 400), 'badRequest', /cursor/);
    assertGraphError(await get(pcapi, `/customers?after=${Buffer.from('{"a":1}').toString('base64url')}`, 400), 'badRequest', /cursor/);
    assertGraphError(await get(pcapi, '/customers?partner=nobody.example', 400), 'badRequest', /partner.*nobody\.example/);
    assertGraphError(await get(pcapi, `/customers?search=${'x'.repeat(300)}`, 400), 'badRequest', /search/);
    assertGraphError(await get(pcapi, '/customers?search=a&search=b', 400), 'badRequest', /search/);
  });

  test('a customer: its organization as GET /v1/customers/{id}/organization answers it, and each partner with DAP and relationships', async (t) => {
    const { pcapi } = await consoleApp(t);
    const contoso = await get(pcapi, `/customers/${DEMO.contoso}`);
    const organization = await pcapi.getOrganization(DEMO.contoso, { token: await pcapi.tokenFor(ADMIN) });
    assert.equal(organization.status, 200);
    assert.deepEqual(contoso.organization, await organization.json());
    assert.equal(contoso.tenantId, DEMO.contoso);
    assert.equal(contoso.displayName, 'Contoso');
    assert.equal(contoso.partners.length, 1);
    const [fabrikam] = contoso.partners;
    assert.equal(fabrikam.tenantId, DEMO.fabrikam);
    assert.equal(fabrikam.displayName, 'Fabrikam');
    assert.equal(fabrikam.dapEnabled, false);
    assert.deepEqual(fabrikam.relationships, [await fabrikamContoso(pcapi)], 'the same shape as the partner view');
    const northwind = await get(pcapi, `/customers/${DEMO.northwind.toUpperCase()}`);
    assert.equal(northwind.partners[0].dapEnabled, true);
    assert.deepEqual(northwind.partners[0].relationships, []);
  });

  test('explain: the decision with every check, the principal and the objects involved, now or at an instant', async (t) => {
    const { pcapi } = await consoleApp(t);
    const allowed = await get(pcapi, `/explain?principal=${ADMIN}&customer=${DEMO.contoso}`);
    const partner = await get(pcapi, `/partners/${DEMO.fabrikam}`);
    const admin = partner.principals.find((p: any) => p.name === ADMIN);
    assert.equal(allowed.allowed, true);
    assert.equal(allowed.status, 200);
    assert.equal(allowed.at, new Date(TEST_EPOCH).toISOString(), "the server clock's now");
    assert.equal(allowed.customer, DEMO.contoso);
    assert.equal(allowed.partner, 'Fabrikam');
    assert.match(allowed.grantedUntil, /^\d{4}-/);
    assert.ok(allowed.checks.length > 2 && allowed.checks.every((c: string) => c.startsWith('passed: ')), allowed.checks.join('\n'));
    assert.deepEqual(allowed.principal, { objectId: admin.objectId, kind: 'user', name: ADMIN, partnerTenantId: DEMO.fabrikam });
    assert.equal(allowed.links.principal, admin.objectId);
    assert.deepEqual(allowed.links.relationships, [(await fabrikamContoso(pcapi)).id]);
    const readers = partner.groups.find((g: any) => g.displayName === 'GDAP Readers').groupId;
    assert.ok(allowed.links.groups.includes(readers));

    const denied = await get(pcapi, `/explain?principal=${ADMIN}&customer=${DEMO.tailspin}`);
    assert.equal(denied.allowed, false);
    assert.equal(denied.status, 403);
    assert.equal(typeof denied.reason, 'string');
    assert.ok(denied.checks.some((c: string) => c.startsWith('failed: ') && /expired/.test(c)), denied.checks.join('\n'));
    assert.equal(denied.links.relationships.length, 1);

    // An app by client id, with its partner by domain; Litware in three years, after its relationship ends.
    const app = await get(pcapi, `/explain?principal=${DEMO.fabrikamAutomation}&partner=fabrikam.example&customer=${DEMO.contoso}`);
    assert.equal(app.allowed, true);
    assert.equal(app.principal.kind, 'app');
    assert.equal((await get(pcapi, `/explain?principal=admin@adatum.example&customer=${DEMO.litware}`)).allowed, true);
    const at = new Date(TEST_EPOCH + 3 * 365 * DAY).toISOString();
    const later = await get(pcapi, `/explain?principal=admin@adatum.example&customer=${DEMO.litware}&at=${at}`);
    assert.equal(later.at, at);
    assert.equal(later.allowed, false, later.checks.join('\n'));
  });

  test('explain: a missing or bad parameter, or an unknown principal, is a 400 naming it', async (t) => {
    const { pcapi } = await consoleApp(t);
    assertGraphError(await get(pcapi, `/explain?customer=${DEMO.contoso}`, 400), 'badRequest', /principal is required/);
    assertGraphError(await get(pcapi, `/explain?principal=${ADMIN}`, 400), 'badRequest', /customer is required/);
    assertGraphError(await get(pcapi, `/explain?principal=${ADMIN}&customer=contoso`, 400), 'badRequest', /customer.*not a tenant id/);
    assertGraphError(await get(pcapi, `/explain?principal=${ADMIN}&customer=${DEMO.contoso}&at=tomorrow`, 400), 'badRequest', /at.*ISO 8601/);
    assertGraphError(await get(pcapi, `/explain?principal=nobody@fabrikam.example&customer=${DEMO.contoso}`, 400), 'badRequest', /principal: no user nobody@fabrikam\.example in partner Fabrikam/);
    assertGraphError(await get(pcapi, `/explain?principal=someone@nowhere.example&customer=${DEMO.contoso}`, 400), 'badRequest', /no partner tenant "nowhere\.example"/);
    assert.equal((await get(pcapi, `/explain?principal=${DEMO.fabrikamAutomation}&customer=${DEMO.contoso}`, 200)).partner, 'Fabrikam', 'a client id one partner holds needs no partner=');
    assertGraphError(await get(pcapi, `/explain?principal=00000000-0000-4000-8000-000000000000&customer=${DEMO.contoso}`, 400), 'badRequest', /no application .* in any partner tenant/);
    assertGraphError(await get(pcapi, `/explain?principal=${DEMO.fabrikamAutomation}&partner=nobody.example&customer=${DEMO.contoso}`, 400), 'badRequest', /^partner: no partner tenant/);
    assertGraphError(await get(pcapi, `/explain?principal=${DEMO.adatumAutomation}&partner=fabrikam.example&customer=${DEMO.contoso}`, 400), 'badRequest', /no application/);
  });

  test('actions: terminate Contoso → explain denies; approve Relecloud → active; a wrong state is the lifecycle error; all audited', async (t) => {
    const { pcapi } = await consoleApp(t);
    const contoso = await fabrikamContoso(pcapi);
    const terminated = await post(pcapi, `/partners/${DEMO.fabrikam}/relationships/${contoso.id}/terminate`);
    assert.equal(terminated.id, contoso.id);
    assert.equal(terminated.status, 'terminated', 'immediately, with the default delays');
    assert.deepEqual(Object.keys(terminated), Object.keys(contoso), 'the shape of the partner view');
    const after = await get(pcapi, `/explain?principal=${ADMIN}&customer=${DEMO.contoso}`);
    assert.equal(after.allowed, false);
    assert.ok(after.checks.some((c: string) => c.startsWith('failed: ')), after.checks.join('\n'));
    assert.equal((await pcapi.getOrganization(DEMO.contoso, { token: await pcapi.tokenFor(ADMIN) })).status, 403, 'the API agrees');

    const again = await post(pcapi, `/partners/${DEMO.fabrikam}/relationships/${contoso.id}/terminate`, 400);
    assert.equal(again.error.code, 'badRequest');
    const relecloud = (await get(pcapi, `/partners/${DEMO.fabrikam}`)).relationships.find((r: any) => r.customerTenantId === DEMO.relecloud);
    const approved = await post(pcapi, `/partners/${DEMO.fabrikam}/relationships/${relecloud.id}/APPROVE`);
    assert.equal(approved.status, 'active');
    assert.match(approved.activatedDateTime, /^\d{4}-/);
    const lockActive = await pcapi.fetch(`${API}/partners/${DEMO.fabrikam}/relationships/${relecloud.id}/lockForApproval`, { method: 'POST' });
    assert.equal(lockActive.status, 400, 'the lifecycle rule, as the Graph route answers it');
    assert.match(((await lockActive.json()) as any).error.message, /requires status 'created'/);

    assertGraphError(await post(pcapi, `/partners/${DEMO.fabrikam}/relationships/${relecloud.id}/reject`, 400), 'badRequest', /not one of lockForApproval, approve, terminate/);
    assertGraphError(await post(pcapi, `/partners/${DEMO.adatum}/relationships/${relecloud.id}/terminate`, 404), 'Request_ResourceNotFound', /does not exist/);
    assertGraphError(await post(pcapi, `/partners/${DEMO.contoso}/relationships/${relecloud.id}/terminate`, 404), 'Request_ResourceNotFound', /no partner tenant/);

    const events = ((await (await pcapi.fetch('/_pcapi/audit?surface=emulator')).json()) as { value: any[] }).value;
    const operations = events.map((e) => `${e.status} ${e.operation}`);
    assert.ok(operations.includes(`200 POST /_pcapi/console/api/partners/${DEMO.fabrikam}/relationships/${contoso.id}/terminate`), operations.join('\n'));
    assert.ok(operations.includes(`400 POST /_pcapi/console/api/partners/${DEMO.fabrikam}/relationships/${contoso.id}/terminate`), operations.join('\n'));
    assert.ok(!operations.some((o) => o.includes('GET ')), 'reads are not recorded');
  });

  test('the clock: moving it past an end date changes the status and the decision', async (t) => {
    const { pcapi, clock } = await consoleApp(t);
    const litware = (await get(pcapi, `/customers/${DEMO.litware}`)).partners[0].relationships[0];
    assert.equal(litware.status, 'active');
    assert.equal((await get(pcapi, `/explain?principal=admin@adatum.example&customer=${DEMO.litware}`)).allowed, true);
    const end = Date.parse(litware.endDateTime);
    const moved = await pcapi.fetch('/_pcapi/clock/advance', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ by: end - clock.now() + DAY }) });
    assert.equal(moved.status, 200);
    assert.equal((await get(pcapi, `/customers/${DEMO.litware}`)).partners[0].relationships[0].status, 'expired');
    const explained = await get(pcapi, `/explain?principal=admin@adatum.example&customer=${DEMO.litware}`);
    assert.equal(explained.allowed, false);
    assert.equal(Date.parse(explained.at), clock.now(), "explain's now is the emulator's clock");
  });

  test('the guard: loopback only without a key; with a key, the key from anywhere', async (t) => {
    const { pcapi: open } = await consoleApp(t);
    const remote = await open.inject({ method: 'GET', url: `${API}/partners`, remoteAddress: '203.0.113.9' });
    assert.equal(remote.statusCode, 403);
    assert.equal(JSON.parse(remote.payload).error.code, 'Authorization_RequestDenied');
    const remoteWrite = await open.inject({ method: 'POST', url: `${API}/partners/${DEMO.fabrikam}/relationships/x/terminate`, remoteAddress: '203.0.113.9' });
    assert.equal(remoteWrite.statusCode, 403);
    assert.equal((await open.inject({ method: 'GET', url: `${API}/no-such-thing`, remoteAddress: '203.0.113.9' })).statusCode, 403, 'guarded before not found');

    const key = 'k'.repeat(24);
    const { pcapi: keyed } = await consoleApp(t, { emulatorKey: key });
    assert.equal((await keyed.inject({ method: 'GET', url: `${API}/partners` })).statusCode, 401, 'a key is needed, even on loopback');
    assert.equal((await keyed.inject({ method: 'GET', url: `${API}/customers`, headers: { 'x-pcapi-admin-key': 'wrong' } })).statusCode, 401);
    assert.equal((await keyed.inject({ method: 'GET', url: `${API}/partners`, remoteAddress: '203.0.113.9', headers: { 'x-pcapi-admin-key': key } })).statusCode, 200);
    assert.equal((await keyed.inject({ method: 'GET', url: `${API}/no-such-thing` })).statusCode, 401, 'guarded before not found');
  });
});

test("a partner's relationships come a page at a time: relationshipsFrom, relationshipCount, relationshipsNext", async (t) => {
  const { pcapi } = await consoleApp(t);
  const whole = await get(pcapi, `/partners/${DEMO.fabrikam}`);
  assert.equal(whole.relationshipCount, 4);
  assert.equal(whole.relationships.length, 4);
  assert.equal(whole.relationshipsFrom, 0);
  assert.equal(whole.relationshipsNext, null);
  const rest = await get(pcapi, `/partners/${DEMO.fabrikam}?relationshipsFrom=2`);
  assert.deepEqual(rest.relationships.map((r: { id: string }) => r.id), whole.relationships.slice(2).map((r: { id: string }) => r.id));
  assert.equal(rest.relationshipCount, 4);
  assert.equal((await get(pcapi, `/partners/${DEMO.fabrikam}?relationshipsFrom=9`)).relationships.length, 0);
  const refused = await get(pcapi, `/partners/${DEMO.fabrikam}?relationshipsFrom=-1`, 400);
  assert.match(refused.error.message, /relationshipsFrom/);
});
