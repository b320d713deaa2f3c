/**
 * Partners are isolated: another partner's customer looks exactly like a customer that never existed,
 * and no token of one partner, however its claims are mixed, yields the other partner's data.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildInjectApp, DEMO, type InjectApp } from '../helpers/inject-app.js';

type Pcapi = InjectApp;

const NEVER_EXISTED = 'deadbeef-0000-4000-8000-00000000f00d';
const FABRIKAM_CUSTOMERS = [DEMO.contoso, DEMO.northwind, DEMO.tailspin, DEMO.woodgrove, DEMO.relecloud];
/** Strings of Fabrikam customers' organizations (and names) that must never reach an Adatum caller. */
const FABRIKAM_SECRETS = ['1 Microsoft Way', 'Redmond', 'test@contoso.com', 'Contoso', 'Northwind', 'Harbour', 'Tailspin', 'Runway', 'Woodgrove', 'Market Street', 'Relecloud', 'Cloud Avenue'];
const LITWARE_SECRETS = ['Litware', 'Toronto', 'M5V 2T6', 'it@litware.example'];
/** Headers whose values legitimately differ per call. */
const PER_CALL = new Set(['ms-requestid', 'ms-correlationid', 'ms-cv', 'date', 'keep-alive', 'connection']);

let pcapi: Pcapi;
before(async () => {
  pcapi = await buildInjectApp(undefined);
});
after(async () => {
  assert.ok(pcapi.close);
  await pcapi.close();
});

/**
 * Asks for `foreign` and for a never-existing GUID with the same token, and asserts the two answers are
 * the same 404: same headers (bar per-call ids), and bodies identical once the asked-for id is masked.
 */
async function assertLooksNeverExisting(server: Pcapi, token: string, foreign: string, options: { exact: boolean }): Promise<string> {
  const asked = await server.getOrganization(foreign, { token });
  const never = await server.getOrganization(NEVER_EXISTED, { token });
  const [askedText, neverText] = [await asked.text(), await never.text()];
  assert.equal(asked.status, 404, askedText);
  assert.equal(never.status, 404, neverText);
  if (options.exact) assert.equal(askedText, neverText);
  else assert.equal(askedText.replaceAll(foreign, '<id>'), neverText.replaceAll(NEVER_EXISTED, '<id>'));
  const headersOf = (response: Response) => [...response.headers].filter(([name]) => !PER_CALL.has(name));
  assert.deepEqual(headersOf(asked), headersOf(never));
  assert.deepEqual([...asked.headers.keys()], [...never.headers.keys()]);
  return askedText;
}

test("Fabrikam's user and app asking for Adatum's Litware get the same 404 as for a customer that never existed", async () => {
  for (const principal of ['admin@fabrikam.example', 'sales@fabrikam.example', DEMO.fabrikamAutomation]) {
    const text = await assertLooksNeverExisting(pcapi, await pcapi.tokenFor(principal), DEMO.litware, { exact: false });
    for (const secret of [...LITWARE_SECRETS, 'Adatum']) assert.ok(!text.includes(secret), `${principal}: ${secret} leaked`);
  }
});

test("Adatum's user and app asking for Fabrikam's Contoso get the same 404 as for a customer that never existed", async () => {
  for (const principal of ['admin@adatum.example', DEMO.adatumAutomation]) {
    const text = await assertLooksNeverExisting(pcapi, await pcapi.tokenFor(principal), DEMO.contoso, { exact: false });
    for (const secret of [...FABRIKAM_SECRETS, 'Fabrikam']) assert.ok(!text.includes(secret), `${principal}: ${secret} leaked`);
  }
});

test("with explainDenials off, another partner's customer and a never-existing one get byte-identical 404 bodies", async (t) => {
  const quiet = await buildInjectApp(t, { explainDenials: 'false' });
  for (const [principal, foreign] of [
    ['admin@fabrikam.example', DEMO.litware],
    [DEMO.fabrikamAutomation, DEMO.litware],
    ['admin@adatum.example', DEMO.contoso],
    [DEMO.adatumAutomation, DEMO.contoso],
  ] as const) {
    const text = await assertLooksNeverExisting(quiet, await quiet.tokenFor(principal), foreign, { exact: true });
    assert.deepEqual(JSON.parse(text).data, []);
  }
});

test('an Adatum token never yields Fabrikam data, whatever the URL spelling or method', async () => {
  for (const principal of ['admin@adatum.example', DEMO.adatumAutomation]) {
    const token = await pcapi.tokenFor(principal);
    for (const customer of FABRIKAM_CUSTOMERS) {
      const urls = [
        `${pcapi.url}/v1/customers/${customer}/organization`,
        `${pcapi.url}/v1/customers/${customer.toUpperCase()}/organization/`,
        `${pcapi.url}/V1/Customers/${customer}/Organization`,
      ];
      for (const url of urls) {
        for (const method of ['GET', 'HEAD']) {
          const response = await pcapi.fetch(url, { method, headers: { authorization: `Bearer ${token}` } });
          const text = await response.text();
          assert.equal(response.status, 404, `${principal} ${method} ${url}: ${text}`);
          for (const secret of FABRIKAM_SECRETS) assert.ok(!text.includes(secret), `${principal} ${method} ${url}: ${secret} leaked`);
        }
      }
    }
  }
});

test("a token whose tid is Fabrikam but whose oid is an Adatum principal is refused", async () => {
  const adatumAdmin = await pcapi.store.findUserByName(DEMO.adatum, 'admin@adatum.example');
  const adatumApp = await pcapi.store.findAppByClientId(DEMO.adatum, DEMO.adatumAutomation);
  assert.ok(adatumAdmin && adatumApp);
  const fabrikamIssuer = pcapi.issuer.issuer(DEMO.fabrikam);

  // Signed by the server, so only the claim mix can make them fail.
  const mixed: [string, string, number][] = [
    // Adatum's own token with tid rewritten to Fabrikam: the issuer no longer matches the tenant.
    ['Adatum user, tid Fabrikam', await pcapi.tokenFor('admin@adatum.example', { overrides: { tid: DEMO.fabrikam } }), 401],
    ['Adatum app, tid Fabrikam', await pcapi.tokenFor(DEMO.adatumAutomation, { overrides: { tid: DEMO.fabrikam } }), 401],
    // Fully Fabrikam-issued, but naming an Adatum principal: no such principal in Fabrikam.
    ['Adatum user, tid and iss Fabrikam', await pcapi.tokenFor('admin@adatum.example', { overrides: { tid: DEMO.fabrikam, iss: fabrikamIssuer } }), 403],
    ['Adatum app, tid and iss Fabrikam', await pcapi.tokenFor(DEMO.adatumAutomation, { overrides: { tid: DEMO.fabrikam, iss: fabrikamIssuer } }), 403],
    ['Fabrikam user token, oid of Adatum admin', await pcapi.tokenFor('admin@fabrikam.example', { overrides: { oid: adatumAdmin.objectId, sub: adatumAdmin.objectId } }), 403],
    ['Fabrikam app token, oid of Adatum app', await pcapi.tokenFor(DEMO.fabrikamAutomation, { overrides: { oid: adatumApp.objectId, sub: adatumApp.objectId } }), 403],
  ];
  for (const [label, token, status] of mixed) {
    for (const customer of [DEMO.contoso, DEMO.litware]) {
      const response = await pcapi.getOrganization(customer, { token });
      const text = await response.text();
      assert.equal(response.status, status, `${label} → ${customer}: ${text}`);
      const body = JSON.parse(text) as { code: number; source: string };
      assert.equal(body.source, 'PartnerFD');
      assert.equal(body.code, status === 401 ? 400 : 900150, label);
      for (const secret of [...FABRIKAM_SECRETS, ...LITWARE_SECRETS]) assert.ok(!text.includes(secret), `${label}: ${secret} leaked`);
    }
  }
});

test("the reverse mix, Adatum's tid with a Fabrikam principal's oid, is refused too", async () => {
  const fabrikamAdmin = await pcapi.store.findUserByName(DEMO.fabrikam, 'admin@fabrikam.example');
  assert.ok(fabrikamAdmin);
  const token = await pcapi.tokenFor('admin@adatum.example', { overrides: { oid: fabrikamAdmin.objectId, sub: fabrikamAdmin.objectId } });
  for (const customer of [DEMO.contoso, DEMO.litware]) {
    const response = await pcapi.getOrganization(customer, { token });
    const text = await response.text();
    assert.equal(response.status, 403, text);
    assert.equal((JSON.parse(text) as { code: number }).code, 900150);
    for (const secret of [...FABRIKAM_SECRETS, ...LITWARE_SECRETS]) assert.ok(!text.includes(secret), `${secret} leaked`);
  }
});
