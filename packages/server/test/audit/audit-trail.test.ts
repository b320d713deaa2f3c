/**
 * The audit trail through inject(): what each surface records (Partner Center calls, tokens issued and
 * refused, Graph and emulator writes, not reads), the filters of GET /_pcapi/audit, bad queries
 * refused, and retention by the clock.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { EmulatedClock, ManualClock } from '../../src/clock.js';
import { DEMO_SEED_FILE } from '../../src/seed/import-seed.js';
import { buildInjectApp, DEMO, TEST_EPOCH, type InjectApp } from '../helpers/inject-app.js';

const ADMIN = 'admin@fabrikam.example';
const DAY = 86_400_000;

/** An app with the emulator and the audit trail; `clock` is the machine time under the emulated clock, moved by tests. */
async function auditedApp(t: TestContext, retentionDays = 30): Promise<{ pcapi: InjectApp; clock: ManualClock }> {
  const clock = new ManualClock(TEST_EPOCH);
  const pcapi = await buildInjectApp(t, {}, { clock: new EmulatedClock(clock), emulator: { adminKey: undefined, seed: { file: DEMO_SEED_FILE } }, audit: { retentionDays, flushIntervalMs: 60_000 } });
  return { pcapi, clock };
}

async function audit(pcapi: InjectApp, query: Record<string, string> = {}): Promise<any[]> {
  const response = await pcapi.fetch(`/_pcapi/audit?${new URLSearchParams(query)}`);
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { value: any[] }).value;
}

const tokenRequest = (pcapi: InjectApp, form: Record<string, string>) =>
  pcapi.fetch(`/${DEMO.fabrikam}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams(form) });

describe('audit trail', () => {
  test('each Partner Center call is recorded with its caller, customer, outcome and the failed check', async (t) => {
    const { pcapi } = await auditedApp(t);
    const token = await pcapi.tokenFor(ADMIN);
    const correlation = randomUUID();
    const allowed = await pcapi.getOrganization(DEMO.contoso, { token, headers: { 'ms-correlationid': correlation } });
    assert.equal(allowed.status, 200);
    const denied = await pcapi.getOrganization(DEMO.tailspin, { token });
    assert.equal(denied.status, 403);
    assert.equal((await pcapi.getOrganization(DEMO.contoso)).status, 401);
    assert.equal((await pcapi.getOrganization('not-a-guid', { token })).status, 400);
    assert.equal((await pcapi.getOrganization(DEMO.contoso, { token, method: 'DELETE' })).status, 405);

    const events = await audit(pcapi, { surface: 'partner-center' });
    assert.deepEqual(events.map((event) => event.status), [405, 400, 401, 403, 200], 'newest first, one per call');
    const [, , unauthenticated, refused, ok] = events;
    assert.equal(ok.outcome, 'allowed');
    assert.equal(ok.operation, 'GET organization');
    assert.equal(ok.partnerTenantId, DEMO.fabrikam);
    assert.equal(ok.principalName, ADMIN);
    assert.equal(ok.principalKind, 'user');
    assert.equal(ok.customerTenantId, DEMO.contoso);
    assert.equal(ok.requestId, allowed.headers.get('ms-requestid'));
    assert.equal(ok.correlationId, correlation);
    assert.equal(ok.at, new Date(TEST_EPOCH).toISOString(), 'the time is the clock\'s');
    assert.equal(refused.outcome, 'denied');
    const body = (await denied.json()) as { code: number; description: string; data: string[] };
    assert.ok(refused.code, 'the catalog error is named');
    assert.deepEqual(refused.reasons, body.data, 'the checks the answer lists');
    assert.ok(refused.reasons.some((reason: string) => reason.startsWith('failed')), 'the failed check is among them');
    assert.equal(unauthenticated.outcome, 'denied');
    assert.equal(unauthenticated.principalId, null);
    assert.ok(unauthenticated.reasons.length > 0);
  });

  test('calls served by one cached answer are each recorded as made: method, customer, caller, outcome', async (t) => {
    const { pcapi } = await auditedApp(t);
    const SALES = 'sales@fabrikam.example';
    const tokens: Record<string, string> = { [ADMIN]: await pcapi.tokenFor(ADMIN), [SALES]: await pcapi.tokenFor(SALES) };
    // Repeats of one (caller, customer) share the cached answer the trail's subject is remembered by.
    const calls = [
      { caller: ADMIN, customer: DEMO.contoso, method: 'GET' },
      { caller: ADMIN, customer: DEMO.contoso, method: 'GET' },
      { caller: ADMIN, customer: DEMO.contoso, method: 'HEAD' },
      { caller: ADMIN, customer: DEMO.contoso, method: 'GET' },
      { caller: ADMIN, customer: DEMO.contoso.toUpperCase(), method: 'GET' },
      { caller: ADMIN, customer: DEMO.tailspin, method: 'GET' },
      { caller: ADMIN, customer: DEMO.tailspin, method: 'GET' },
      { caller: SALES, customer: DEMO.contoso, method: 'GET' },
      { caller: SALES, customer: DEMO.contoso, method: 'GET' },
      { caller: ADMIN, customer: DEMO.contoso, method: 'GET' },
    ];
    const answers: { status: number; requestId: string | null }[] = [];
    for (const call of calls) {
      const response = await pcapi.getOrganization(call.customer, { token: tokens[call.caller], method: call.method });
      answers.push({ status: response.status, requestId: response.headers.get('ms-requestid') });
    }
    assert.deepEqual(answers.slice(0, 7).map((answer) => answer.status), [200, 200, 200, 200, 200, 403, 403]);
    const events = (await audit(pcapi, { surface: 'partner-center' })).reverse();
    assert.equal(events.length, calls.length, 'one event per call');
    const firstDenial = events[5];
    events.forEach((event, index) => {
      const call = calls[index]!;
      const where = `call ${index + 1}`;
      assert.equal(event.requestId, answers[index]!.requestId, where);
      assert.equal(event.status, answers[index]!.status, where);
      assert.equal(event.operation, `${call.method} organization`, where);
      assert.equal(event.customerTenantId, call.customer.toLowerCase(), where);
      assert.equal(event.principalName, call.caller, where);
      assert.equal(event.outcome, event.status === 200 ? 'allowed' : 'denied', where);
      if (event.status === 200) assert.deepEqual(event.reasons, [], where);
    });
    assert.ok(firstDenial.reasons.some((reason: string) => reason.startsWith('failed')));
    assert.deepEqual(events[6].reasons, firstDenial.reasons, 'the repeated denial carries the same checks');
    assert.equal(events[7].principalName, SALES);
  });

  test('the checks are recorded even when answers do not show them (--explain-denials false)', async (t) => {
    const clock = new EmulatedClock(new ManualClock(TEST_EPOCH));
    const pcapi = await buildInjectApp(t, { explainDenials: 'false' }, { clock, emulator: { adminKey: undefined, seed: undefined }, audit: { retentionDays: 1 } });
    const denied = await pcapi.getOrganization(DEMO.tailspin, { token: await pcapi.tokenFor(ADMIN) });
    assert.deepEqual(((await denied.json()) as { data: unknown[] }).data, []);
    const [event] = await audit(pcapi, { customer: DEMO.tailspin });
    assert.ok(event.reasons.some((reason: string) => reason.startsWith('failed')));
  });

  test('tokens issued and refused are recorded; the secret is not', async (t) => {
    const { pcapi } = await auditedApp(t);
    const form = { grant_type: 'client_credentials', client_id: DEMO.fabrikamAutomation, scope: 'https://api.partnercenter.microsoft.com/.default' };
    assert.equal((await tokenRequest(pcapi, { ...form, client_secret: DEMO.secret })).status, 200);
    assert.equal((await tokenRequest(pcapi, { ...form, client_secret: 'wrong-secret-value' })).status, 401);
    const [refused, issued] = await audit(pcapi, { surface: 'identity' });
    assert.equal(issued.operation, 'token client_credentials');
    assert.equal(issued.outcome, 'allowed');
    assert.equal(issued.principalId, DEMO.fabrikamAutomation);
    assert.equal(issued.principalKind, 'app');
    assert.equal(issued.partnerTenantId, DEMO.fabrikam);
    assert.ok(issued.principalName, 'the app\'s name');
    assert.equal(refused.outcome, 'denied');
    assert.match(refused.code, /^invalid_client AADSTS\d+$/);
    assert.equal(refused.principalId, DEMO.fabrikamAutomation);
    const stored = JSON.stringify(await pcapi.store.auditEvents({ limit: 100 }));
    assert.ok(!stored.includes(DEMO.secret) && !stored.includes('wrong-secret-value'), 'no secret in the trail');
    assert.ok(!stored.includes('eyJ'), 'no token in the trail');
  });

  test('Graph and emulator writes are recorded, reads are not', async (t) => {
    const { pcapi } = await auditedApp(t);
    const tokenResponse = await tokenRequest(pcapi, { grant_type: 'client_credentials', client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret, scope: 'https://graph.microsoft.com/.default' });
    const graphToken = ((await tokenResponse.json()) as { access_token: string }).access_token;
    const graph = (method: string, path: string, body?: unknown) => pcapi.fetch(path, {
      method, headers: { authorization: `Bearer ${graphToken}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const rels = '/v1.0/tenantRelationships/delegatedAdminRelationships';
    assert.equal((await graph('GET', rels)).status, 200);
    const created = await graph('POST', rels, { displayName: 'Audited', duration: 'P30D', customer: { tenantId: DEMO.litware }, accessDetails: { unifiedRoles: [{ roleDefinitionId: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451' }] } });
    assert.equal(created.status, 201, await created.clone().text());
    assert.equal((await graph('POST', rels, { displayName: '' })).status, 400);
    assert.equal((await pcapi.fetch('/_pcapi/clock')).status, 200);
    assert.equal((await pcapi.fetch('/_pcapi/clock/advance', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ by: 'PT1H' }) })).status, 200);

    const graphEvents = await audit(pcapi, { surface: 'graph' });
    assert.deepEqual(graphEvents.map((event) => [event.operation, event.status, event.outcome]), [
      [`POST ${rels}`, 400, 'refused'],
      [`POST ${rels}`, 201, 'allowed'],
    ]);
    assert.equal(graphEvents[1].customerTenantId, DEMO.litware, 'the customer the relationship is for');
    assert.equal(graphEvents[1].principalId, DEMO.fabrikamAutomation);
    assert.equal(graphEvents[0].code, 'badRequest', 'Graph\'s code');
    assert.ok(graphEvents[0].reasons[0].length > 0);
    const emulatorEvents = await audit(pcapi, { surface: 'emulator' });
    assert.deepEqual(emulatorEvents.map((event) => [event.operation, event.status]), [['POST /_pcapi/clock/advance', 200]]);
  });

  test('filters: customer, principal (id or name), outcome, request id, time range, paging', async (t) => {
    const { pcapi, clock } = await auditedApp(t);
    const token = await pcapi.tokenFor(ADMIN);
    const first = await pcapi.getOrganization(DEMO.contoso, { token });
    clock.advance(DAY);
    await pcapi.getOrganization(DEMO.tailspin, { token: await pcapi.tokenFor(ADMIN) });
    await pcapi.getOrganization(DEMO.contoso, { token: await pcapi.tokenFor('admin@adatum.example') });

    assert.equal((await audit(pcapi, { customer: DEMO.tailspin })).length, 1);
    assert.equal((await audit(pcapi, { customer: DEMO.contoso.toUpperCase() })).length, 2, 'ids in any case');
    const admins = await audit(pcapi, { principal: ADMIN.toUpperCase() });
    assert.deepEqual(admins.map((event) => event.customerTenantId), [DEMO.tailspin, DEMO.contoso], 'by name, in any case');
    assert.equal((await audit(pcapi, { principal: admins[0].principalId })).length, 2, 'by object id');
    const denied = await audit(pcapi, { outcome: 'denied' });
    assert.ok(denied.length >= 1 && denied.every((event) => event.outcome === 'denied'));
    const byRequest = await audit(pcapi, { requestId: first.headers.get('ms-requestid')! });
    assert.equal(byRequest.length, 1);
    assert.equal(byRequest[0].customerTenantId, DEMO.contoso);
    const dayOne = await audit(pcapi, { to: new Date(TEST_EPOCH + DAY).toISOString() });
    assert.deepEqual(dayOne.map((event) => event.requestId), [first.headers.get('ms-requestid')]);
    assert.equal((await audit(pcapi, { from: new Date(TEST_EPOCH + DAY).toISOString() })).length, 2);

    const all = await audit(pcapi);
    const page = await audit(pcapi, { limit: '1', before: String(all[0].id) });
    assert.deepEqual(page.map((event) => event.id), [all[1].id]);
    const forward = await audit(pcapi, { after: String(all[2].id) });
    assert.deepEqual(forward.map((event) => event.id), [all[1].id, all[0].id], 'following the trail: oldest first');
  });

  test('a bad query is refused with every problem named', async (t) => {
    const { pcapi } = await auditedApp(t);
    const response = await pcapi.fetch('/_pcapi/audit?outcome=maybe&from=yesterday&limit=5000&colour=red&before=1&after=2');
    assert.equal(response.status, 400);
    const message = ((await response.json()) as { error: { message: string } }).error.message;
    for (const part of ['outcome', 'from', 'limit', 'colour', 'before and after']) assert.ok(message.includes(part), `${part} in: ${message}`);
  });

  test('waitMs: an empty answer waits for the next matching call, and answers with it', async (t) => {
    const { pcapi } = await auditedApp(t);
    const token = await pcapi.tokenFor(ADMIN);
    const newest = Math.max(0, ...(await audit(pcapi)).map((event) => event.id));
    const waiting = audit(pcapi, { after: String(newest), customer: DEMO.contoso, waitMs: '20000' });
    let answered = false;
    void waiting.then(() => (answered = true));
    // A call for another customer is recorded and wakes the wait, which looks, finds nothing matching, and waits on.
    assert.equal((await pcapi.getOrganization(DEMO.tailspin, { token })).status, 403);
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(answered, false, 'still waiting after a call that does not match');
    const call = await pcapi.getOrganization(DEMO.contoso, { token });
    const events = await waiting;
    assert.deepEqual(events.map((event) => event.requestId), [call.headers.get('ms-requestid')]);
  });

  test('waitMs: a matching call recorded while the wait looks at a non-matching one is not missed', async (t) => {
    const { pcapi } = await auditedApp(t);
    const token = await pcapi.tokenFor(ADMIN);
    const newest = Math.max(0, ...(await audit(pcapi)).map((event) => event.id));
    const started = performance.now();
    const waiting = audit(pcapi, { after: String(newest), customer: DEMO.contoso, waitMs: '20000' });
    // Back to back: the second is recorded while the wait is looking at (or pausing after) the first.
    const [, call] = await Promise.all([pcapi.getOrganization(DEMO.tailspin, { token }), pcapi.getOrganization(DEMO.contoso, { token })]);
    const events = await waiting;
    assert.deepEqual(events.map((event) => event.requestId), [call.headers.get('ms-requestid')]);
    assert.ok(performance.now() - started < 10_000, `answered after ${Math.round(performance.now() - started)} ms, not at the end of waitMs`);
  });

  test('waitMs: nothing recorded answers empty when the time passes, or at once when the server stops', async (t) => {
    const { pcapi } = await auditedApp(t);
    const newest = Math.max(0, ...(await audit(pcapi)).map((event) => event.id));
    assert.deepEqual(await audit(pcapi, { after: String(newest), waitMs: '30' }), []);
    const waiting = audit(pcapi, { after: String(newest), waitMs: '20000' });
    const stoppingAt = performance.now();
    await pcapi.app.close();
    assert.deepEqual(await waiting, []);
    assert.ok(performance.now() - stoppingAt < 10_000, 'the stop did not wait for the poll\'s time');
  });

  test('waitMs: refused out of range, malformed, or without after', async (t) => {
    const { pcapi } = await auditedApp(t);
    for (const [query, part] of [['after=0&waitMs=20001', 'waitMs: a whole number from 0 to 20000'], ['after=0&waitMs=1.5', 'not "1.5"'], ['waitMs=100', 'only with after'], ['after=x&waitMs=x', 'after']] as const) {
      const response = await pcapi.fetch(`/_pcapi/audit?${query}`);
      assert.equal(response.status, 400, query);
      const message = ((await response.json()) as { error: { message: string } }).error.message;
      assert.ok(message.includes(part), `${query}: ${message}`);
    }
  });

  test('events older than the retention are pruned as the clock passes', async (t) => {
    const { pcapi, clock } = await auditedApp(t, 2);
    await pcapi.getOrganization(DEMO.contoso, { token: await pcapi.tokenFor(ADMIN) });
    assert.equal((await audit(pcapi, { surface: 'partner-center' })).length, 1);
    clock.advance(DAY);
    await pcapi.getOrganization(DEMO.contoso, { token: await pcapi.tokenFor(ADMIN) });
    clock.advance(DAY + 60_000);
    const kept = await audit(pcapi, { surface: 'partner-center' });
    assert.deepEqual(kept.map((event) => event.at), [new Date(TEST_EPOCH + DAY).toISOString()], 'the first call is over two days old');
  });

  test('off without a retention: nothing recorded, no /_pcapi/audit', async (t) => {
    const clock = new EmulatedClock(new ManualClock(TEST_EPOCH));
    const pcapi = await buildInjectApp(t, {}, { clock, emulator: { adminKey: undefined, seed: undefined } });
    await pcapi.getOrganization(DEMO.contoso, { token: await pcapi.tokenFor(ADMIN) });
    assert.equal((await pcapi.fetch('/_pcapi/audit')).status, 404);
    assert.deepEqual(await pcapi.store.auditEvents({ limit: 10 }), []);
  });
});
