/**
 * The emulator endpoints through inject(): the shared clock moving GDAP (auto-extend, expiry) without
 * sleeping, reset, export and import, fault injection per surface, the admin guard, and bad input
 * refused with Graph's error body and nothing changed.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { EmulatedClock, ManualClock } from '../../src/clock.js';
import { DEMO_SEED_FILE } from '../../src/seed/import-seed.js';
import type { SeedDocument } from '../../src/seed/seed-document.js';
import { buildInjectApp, DEMO, TEST_EPOCH, type InjectApp } from '../helpers/inject-app.js';

const DAY = 86_400_000;
const ADMIN = 'admin@fabrikam.example';

async function emulatorApp(t: TestContext, options: Record<string, string> = {}): Promise<{ pcapi: InjectApp; clock: EmulatedClock }> {
  const clock = new EmulatedClock(new ManualClock(TEST_EPOCH));
  const pcapi = await buildInjectApp(t, options, { clock, emulator: { adminKey: options.emulatorKey, seed: { file: DEMO_SEED_FILE } } });
  return { pcapi, clock };
}

async function json(response: Response): Promise<any> {
  return JSON.parse(await response.text());
}

const send = (pcapi: InjectApp, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  pcapi.fetch(path, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

/** A fresh token at the current (emulated) time: tokens expire as the clock moves. */
const contosoStatus = async (pcapi: InjectApp) => (await pcapi.getOrganization(DEMO.contoso, { token: await pcapi.tokenFor(ADMIN) })).status;

function assertGraphError(body: any, code: string, mentions: RegExp): void {
  assert.equal(body.error.code, code);
  assert.match(body.error.message, mentions);
  assert.ok(body.error.innerError['request-id'], 'innerError carries the request id');
}

describe('emulator endpoints', () => {
  test('off unless enabled: /_pcapi/ is an unknown route', async (t) => {
    const pcapi = await buildInjectApp(t);
    assert.equal((await pcapi.fetch('/_pcapi/clock')).status, 404);
  });

  test('the clock: set, advance, freeze and reset; GDAP follows it (auto-extend, then expiry) without sleeping', async (t) => {
    const { pcapi } = await emulatorApp(t);
    assert.equal(await contosoStatus(pcapi), 200);
    const start = await json(await pcapi.fetch('/_pcapi/clock'));
    assert.deepEqual(start, { now: new Date(TEST_EPOCH).toISOString(), offsetMs: 0, frozen: false });

    // Contoso's relationship (Global Reader, auto-extend P180D) ends in about 300 days, then extends.
    const later = await json(await send(pcapi, 'POST', '/_pcapi/clock/advance', { by: 'P400D' }));
    assert.equal(later.now, new Date(TEST_EPOCH + 400 * DAY).toISOString());
    assert.equal(await contosoStatus(pcapi), 200, 'auto-extended past its first end date');

    // Back 400 days; without auto-extend (imported over the demo), the same relationship expires by then.
    await send(pcapi, 'POST', '/_pcapi/clock/advance', { by: '-P400D' });
    const document = await json(await pcapi.fetch('/_pcapi/export'));
    const contoso = (document as SeedDocument).partners!.flatMap((p) => p.customers ?? []).find((c) => c.tenantId === DEMO.contoso)!;
    contoso.gdapRelationships![0]!.autoExtendDuration = 'PT0S';
    const imported = await send(pcapi, 'POST', '/_pcapi/import', document);
    assert.equal(imported.status, 200, await imported.clone().text());
    assert.equal(await contosoStatus(pcapi), 200, 'still active now');
    await send(pcapi, 'POST', '/_pcapi/clock/advance', { by: 'P400D' });
    const denied = await pcapi.getOrganization(DEMO.contoso, { token: await pcapi.tokenFor(ADMIN) });
    assert.equal(denied.status, 403);
    assert.match(await denied.text(), /expired/);
    await send(pcapi, 'POST', '/_pcapi/clock/advance', { by: '-P400D' });
    assert.equal(await contosoStatus(pcapi), 200, 'active again, no cache in the way');

    const frozen = await json(await send(pcapi, 'PUT', '/_pcapi/clock', { now: '2031-01-01T00:00:00Z', frozen: true }));
    assert.deepEqual(frozen, { now: '2031-01-01T00:00:00.000Z', offsetMs: Date.parse('2031-01-01T00:00:00Z') - TEST_EPOCH, frozen: true });
    assert.equal(await contosoStatus(pcapi), 403, 'long after its end');
    const real = await json(await send(pcapi, 'DELETE', '/_pcapi/clock'));
    assert.deepEqual(real, start);
  });

  test('bad clock input gets a Graph error and moves nothing', async (t) => {
    const { pcapi } = await emulatorApp(t);
    for (const [method, path, body, mentions] of [
      ['PUT', '/_pcapi/clock', { now: 'tomorrow' }, /ISO 8601 instant/],
      ['PUT', '/_pcapi/clock', { now: '2030-01-01T00:00:00Z', frozen: 'yes' }, /frozen/],
      ['POST', '/_pcapi/clock/advance', { by: 'P1M' }, /weeks, days and time/],
      ['POST', '/_pcapi/clock/advance', { by: '1 day' }, /ISO 8601 duration/],
      // Dates that do not exist, and instants outside 1970-9999 (dates stop formatting, tokens carry nonsense).
      ['PUT', '/_pcapi/clock', { now: '2026-02-30T00:00:00Z' }, /ISO 8601 instant/],
      ['PUT', '/_pcapi/clock', { now: '2026-01-01T24:30:00Z' }, /ISO 8601 instant/],
      ['PUT', '/_pcapi/clock', { now: '0000-01-01T00:00:00Z' }, /from 1970-01-01T00:00:00Z to 9999-12-31/],
      ['POST', '/_pcapi/clock/advance', { by: 1e308 }, /from 1970-01-01T00:00:00Z to 9999-12-31/],
      ['POST', '/_pcapi/clock/advance', { by: 9e15 }, /from 1970/],
      ['POST', '/_pcapi/clock/advance', { by: -1e20 }, /from 1970/],
      ['POST', '/_pcapi/clock/advance', { by: 'P999999999D' }, /from 1970/],
    ] as const) {
      const response = await send(pcapi, method, path, body);
      assert.equal(response.status, 400, `${method} ${path} ${JSON.stringify(body)}`);
      assertGraphError(await json(response), 'badRequest', mentions);
    }
    const malformed = await pcapi.fetch('/_pcapi/clock', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"now":' });
    assert.equal(malformed.status, 400);
    assertGraphError(await json(malformed), 'badRequest', /not valid JSON/);
    assert.equal((await json(await pcapi.fetch('/_pcapi/clock'))).offsetMs, 0);
    // The service still answers as before, with tokens of the time it shows.
    assert.equal(await contosoStatus(pcapi), 200);
  });

  test('a stored clock outside the range (a store may hold anything) is not applied: real time instead', async (t) => {
    const { pcapi, clock } = await emulatorApp(t);
    // Another process's write reaches this one through the store's change notice.
    const settle = async (offsetMs: number) => {
      for (let tick = 0; tick < 100 && clock.current().offsetMs !== offsetMs; tick++) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(clock.current().offsetMs, offsetMs);
    };
    await pcapi.store.writeGdap({ kind: 'setEmulatorSetting', name: 'clock', value: { offsetMs: DAY, frozenAtMs: null } });
    await settle(DAY);
    await pcapi.store.writeGdap({ kind: 'setEmulatorSetting', name: 'clock', value: { offsetMs: 1e305, frozenAtMs: null } });
    await settle(0);
    assert.equal(await contosoStatus(pcapi), 200);
  });

  test('reset: the store back to its seed, the clock to real time, no faults', async (t) => {
    const { pcapi } = await emulatorApp(t);
    const document = await json(await pcapi.fetch('/_pcapi/export'));
    const contoso = (document as SeedDocument).partners!.flatMap((p) => p.customers ?? []).find((c) => c.tenantId === DEMO.contoso)!;
    contoso.gdapRelationships![0]!.status = 'terminated';
    assert.equal((await send(pcapi, 'POST', '/_pcapi/import', document)).status, 200);
    await send(pcapi, 'POST', '/_pcapi/clock/advance', { by: 'P1D' });
    await send(pcapi, 'POST', '/_pcapi/faults', { route: '/v1.0/**', status: 503 });
    assert.equal(await contosoStatus(pcapi), 403);

    const reset = await json(await send(pcapi, 'POST', '/_pcapi/reset'));
    assert.equal(reset.clock.offsetMs, 0);
    assert.equal(reset.faultsCleared, 1);
    assert.equal(await contosoStatus(pcapi), 200);
    assert.deepEqual((await json(await pcapi.fetch('/_pcapi/faults'))).value, []);
  });

  test('export then import with replace into another store gives the same decisions for every principal and customer', async (t) => {
    const { pcapi: source } = await emulatorApp(t);
    const { pcapi: target } = await emulatorApp(t);
    const document = await json(await source.fetch('/_pcapi/export'));
    // The target first holds something else, which replace removes.
    const empty = await send(target, 'POST', '/_pcapi/import?replace=true', { partners: [] });
    assert.equal(empty.status, 200, await empty.clone().text());
    assert.equal((await target.getOrganization(DEMO.contoso, { token: await source.tokenFor(ADMIN) })).status, 401, 'no partner left to accept the token');
    assert.equal((await send(target, 'POST', '/_pcapi/import?replace=true', document)).status, 200);
    const principals = ['admin@fabrikam.example', 'sales@fabrikam.example', 'helpdesk@fabrikam.example', 'guest@fabrikam.example', 'nomfa@fabrikam.example', 'admin@adatum.example', DEMO.fabrikamAutomation, DEMO.fabrikamReporting, DEMO.adatumAutomation];
    const customers = [DEMO.contoso, DEMO.northwind, DEMO.tailspin, DEMO.woodgrove, DEMO.relecloud, DEMO.litware];
    let pairs = 0;
    for (const principal of principals) {
      for (const customer of customers) {
        const before = await source.getOrganization(customer, { token: await source.tokenFor(principal) });
        const after = await target.getOrganization(customer, { token: await target.tokenFor(principal) });
        assert.equal(after.status, before.status, `${principal} on ${customer}`);
        assert.equal(await after.text(), await before.text(), `${principal} on ${customer}: same body`);
        pairs++;
      }
    }
    assert.equal(pairs, 54);
  });

  test('an invalid seed document is refused with every problem and imports nothing', async (t) => {
    const { pcapi } = await emulatorApp(t);
    const response = await send(pcapi, 'POST', '/_pcapi/import?replace=true', { partners: [{ tenantId: 'not-a-guid', displayName: 7 }] });
    assert.equal(response.status, 400);
    assertGraphError(await json(response), 'badRequest', /tenantId[\s\S]*displayName/);
    assert.equal(await contosoStatus(pcapi), 200, 'the store is as it was');

    // Nested thousands deep: read by the JSON parser, refused as a document rather than overflowing.
    const deep = await pcapi.fetch('/_pcapi/import?replace=true', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"partners":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
    });
    assert.equal(deep.status, 400);
    assertGraphError(await json(deep), 'badRequest', /nests arrays or objects too deeply/);
    assert.equal(await contosoStatus(pcapi), 200, 'the store is as it was');
  });

  test('faults: the next N calls of a route answer its surface\'s error with Retry-After, then calls pass again', async (t) => {
    const { pcapi } = await emulatorApp(t);
    const created = await send(pcapi, 'POST', '/_pcapi/faults', { route: 'GET /v1/customers/*/organization', status: 503, retryAfterSeconds: 7, count: 2 });
    assert.equal(created.status, 201);
    const rule = await json(created);
    assert.equal(created.headers.get('location'), `/_pcapi/faults/${rule.id}`);
    const token = await pcapi.tokenFor(ADMIN);
    for (let call = 0; call < 2; call++) {
      const faulted = await pcapi.getOrganization(DEMO.contoso, { token });
      assert.equal(faulted.status, 503);
      assert.equal(faulted.headers.get('retry-after'), '7');
      assert.ok(faulted.headers.get('ms-requestid'), 'Partner Center headers on a Partner Center fault');
      assert.match(await faulted.text(), /injected fault/);
    }
    assert.equal((await pcapi.getOrganization(DEMO.contoso, { token })).status, 200);
    assert.deepEqual((await json(await pcapi.fetch('/_pcapi/faults'))).value, [], 'a spent rule is gone');

    // The token endpoint answers in Entra's shape.
    await send(pcapi, 'POST', '/_pcapi/faults', { route: 'POST /*/oauth2/v2.0/token', status: 429, count: 1 });
    const throttled = await pcapi.fetch(`/${DEMO.fabrikam}/oauth2/v2.0/token`, {
      method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret, scope: 'https://api.partnercenter.microsoft.com/.default' }),
    });
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get('retry-after'), '1');
    assert.equal((await json(throttled)).error, 'temporarily_unavailable');

    // Listed, removed one by one, cleared.
    const kept = await json(await send(pcapi, 'POST', '/_pcapi/faults', { status: 500, fraction: 0.000001 }));
    assert.deepEqual((await json(await pcapi.fetch('/_pcapi/faults'))).value.map((r: { id: string }) => r.id), [kept.id]);
    assert.equal((await send(pcapi, 'DELETE', `/_pcapi/faults/${kept.id}`)).status, 204);
    assert.equal((await send(pcapi, 'DELETE', `/_pcapi/faults/${kept.id}`)).status, 404);
    assert.deepEqual(await json(await send(pcapi, 'DELETE', '/_pcapi/faults')), { cleared: 0 });
  });

  test('faults: a delay holds the call, then it is served', async (t) => {
    const { pcapi } = await emulatorApp(t);
    await send(pcapi, 'POST', '/_pcapi/faults', { route: 'GET /v1/customers/*/organization', delayMs: 150, count: 1 });
    const started = performance.now();
    assert.equal(await contosoStatus(pcapi), 200);
    assert.ok(performance.now() - started >= 140, 'held about 150 ms');
  });

  test('a bad fault rule is refused with every problem at once', async (t) => {
    const { pcapi } = await emulatorApp(t);
    const response = await send(pcapi, 'POST', '/_pcapi/faults', { status: 404, fraction: 2, colour: 'red' });
    assert.equal(response.status, 400);
    assertGraphError(await json(response), 'badRequest', /^(?=[\s\S]*status)(?=[\s\S]*fraction)(?=[\s\S]*colour)/);
    assert.deepEqual((await json(await pcapi.fetch('/_pcapi/faults'))).value, []);
  });

  test('the guard: loopback only without a key; with a key, the key from anywhere', async (t) => {
    const { pcapi: open } = await emulatorApp(t);
    const remote = await open.inject({ method: 'GET', url: '/_pcapi/clock', remoteAddress: '203.0.113.9' });
    assert.equal(remote.statusCode, 403);
    assert.equal(JSON.parse(remote.payload).error.code, 'Authorization_RequestDenied');

    const key = 'k'.repeat(24);
    const { pcapi: keyed } = await emulatorApp(t, { emulatorKey: key });
    assert.equal((await keyed.inject({ method: 'GET', url: '/_pcapi/clock' })).statusCode, 401, 'a key is needed, even on loopback');
    assert.equal((await keyed.inject({ method: 'GET', url: '/_pcapi/clock', headers: { 'x-pcapi-admin-key': 'wrong' } })).statusCode, 401);
    assert.equal((await keyed.inject({ method: 'GET', url: '/_pcapi/clock', remoteAddress: '203.0.113.9', headers: { 'x-pcapi-admin-key': key } })).statusCode, 200);
  });

  test('without a key, what a web page of another site could send is refused (cross-site requests, DNS rebinding), and changes nothing', async (t) => {
    const { pcapi } = await emulatorApp(t);
    const refused: [string, string, Record<string, string>, RegExp][] = [
      // A form posted by https://evil.example: no preflight, so the browser sends it.
      ['POST', '/_pcapi/reset', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, /evil\.example/],
      ['POST', '/_pcapi/clock/advance', { origin: 'https://evil.example', 'content-type': 'text/plain' }, /evil\.example/],
      ['POST', '/_pcapi/reset', { origin: 'null' }, /"null"/],
      ['POST', '/_pcapi/reset', { 'sec-fetch-site': 'cross-site' }, /cross-site/],
      // A host name rebound to 127.0.0.1: same-origin for the page, so it could read the export.
      ['GET', '/_pcapi/export', { host: 'attacker.example:8080' }, /attacker\.example/],
      ['GET', '/_pcapi/console/api/partners', { host: '127.0.0.1.nip.io:8080' }, /nip\.io/],
    ];
    for (const [method, url, headers, mentions] of refused) {
      const response = await pcapi.inject({ method, url, headers: { host: '127.0.0.1:8080', ...headers }, payload: method === 'POST' ? '{"by":"P1D"}' : undefined });
      assert.equal(response.statusCode, 403, `${method} ${url} ${JSON.stringify(headers)}`);
      const body = JSON.parse(response.payload);
      assert.equal(body.error.code, 'Authorization_RequestDenied');
      assert.match(body.error.message, mentions);
    }
    assert.equal((await json(await pcapi.fetch('/_pcapi/clock'))).offsetMs, 0, 'nothing moved');
    // The console's own page (same origin), other loopback names and tools that send no Origin are served.
    for (const headers of [
      { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-origin' },
      { host: 'localhost:8080', origin: 'http://localhost:8080' },
      { host: '[::1]:8080' },
      { host: 'pcapi.localhost:8080', 'sec-fetch-site': 'none' },
    ]) {
      assert.equal((await pcapi.inject({ method: 'GET', url: '/_pcapi/clock', headers })).statusCode, 200, JSON.stringify(headers));
    }
  });
});
