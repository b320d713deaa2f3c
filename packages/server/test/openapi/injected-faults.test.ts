/**
 * An injected 500 (emulator fault rules), which the OpenAPI document states for any route and no
 * other test injects, answered on each surface in that surface's error shape.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EmulatedClock, ManualClock } from '../../src/clock.js';
import { DEMO_SEED_FILE } from '../../src/seed/import-seed.js';
import { buildInjectApp, DEMO, TEST_EPOCH } from '../helpers/inject-app.js';

test('an injected 500: Partner Center\'s internal error, Graph\'s unexpectedError, Entra\'s server_error', async (t) => {
  const pcapi = await buildInjectApp(t, {}, { clock: new EmulatedClock(new ManualClock(TEST_EPOCH)), emulator: { adminKey: undefined, seed: { file: DEMO_SEED_FILE } } });
  const graphToken = await pcapi.tokenFor(DEMO.fabrikamAutomation, { audience: 'https://graph.microsoft.com', roles: ['Group.Read.All'] });
  const calls = [
    { route: 'GET /v1/customers/*/organization', path: `/v1/customers/${DEMO.contoso}/organization`, init: {}, shape: (body: any) => assert.equal(body.code, 800003) },
    { route: 'GET /v1.0/groups', path: '/v1.0/groups', init: { headers: { authorization: `Bearer ${graphToken}` } }, shape: (body: any) => assert.equal(body.error.code, 'unexpectedError') },
    {
      route: 'POST /*/oauth2/v2.0/token', path: '/fabrikam.example/oauth2/v2.0/token', init: { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials' }) },
      shape: (body: any) => assert.equal(body.error, 'server_error'),
    },
  ];
  for (const call of calls) {
    const added = await pcapi.fetch('/_pcapi/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ route: call.route, status: 500, count: 1 }) });
    assert.equal(added.status, 201, await added.clone().text());
    const faulted = await pcapi.fetch(call.path, call.init);
    assert.equal(faulted.status, 500, call.route);
    const text = await faulted.text();
    assert.match(text, /an injected fault \(rule /, call.route);
    call.shape(JSON.parse(text));
    assert.notEqual((await pcapi.fetch(call.path, call.init)).status, 500, `${call.route}: the rule was spent`);
  }
});
