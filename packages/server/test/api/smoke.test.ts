import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONTOSO_BODY, DEMO, startTestServer } from '../helpers/test-server.js';

test('an app-only caller with GDAP Global Reader gets the source document example', async (t) => {
  const pcapi = await startTestServer(t);
  const response = await pcapi.getOrganization(DEMO.contoso, { token: await pcapi.tokenFor(DEMO.fabrikamAutomation) });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(await response.text(), CONTOSO_BODY);
});
