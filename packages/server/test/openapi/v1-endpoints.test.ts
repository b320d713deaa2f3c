/**
 * Refusals of the v1 token-issuer endpoints the OpenAPI coverage check found no test for; each is
 * what its v2 twin answers (tested in test/identity/): an error redirected once the client and its
 * redirect URI are known, a confidential client asking for a device code without its secret, and an
 * oversized token request.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildInjectApp, DEMO } from '../helpers/inject-app.js';

const PARTNER_CENTER = 'https://api.partnercenter.microsoft.com';
const REDIRECT = 'https://localhost/callback';
const form = (fields: Record<string, string>) => ({ method: 'POST', body: new URLSearchParams(fields) });

test('v1 /oauth2/authorize with prompt=none and no sign-in: login_required, redirected with the state', async (t) => {
  const pcapi = await buildInjectApp(t);
  const query = new URLSearchParams({ client_id: DEMO.fabrikamAutomation, redirect_uri: REDIRECT, response_type: 'code', resource: PARTNER_CENTER, prompt: 'none', state: 'kept' });
  const response = await pcapi.fetch(`/fabrikam.example/oauth2/authorize?${query}`);
  assert.equal(response.status, 302);
  const location = new URL(response.headers.get('location')!);
  assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
  assert.equal(location.searchParams.get('error'), 'login_required');
  assert.equal(location.searchParams.get('state'), 'kept');
});

test('v1 /oauth2/authorize for a redirect URI the client did not register: 400 error page, never redirected', async (t) => {
  const pcapi = await buildInjectApp(t);
  const query = new URLSearchParams({ client_id: DEMO.fabrikamAutomation, redirect_uri: 'https://attacker.example/callback', response_type: 'code', resource: PARTNER_CENTER, state: 'kept' });
  const response = await pcapi.fetch(`/fabrikam.example/oauth2/authorize?${query}`);
  assert.equal(response.status, 400);
  assert.equal(response.headers.get('location'), null);
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
});

test('v1 /oauth2/devicecode for a confidential client without its secret: 401 invalid_client (AADSTS7000218)', async (t) => {
  const pcapi = await buildInjectApp(t);
  const response = await pcapi.fetch('/fabrikam.example/oauth2/devicecode', form({ client_id: DEMO.fabrikamReporting, resource: PARTNER_CENTER }));
  assert.equal(response.status, 401);
  const body = (await response.json()) as { error: string; error_codes: number[] };
  assert.equal(body.error, 'invalid_client');
  assert.deepEqual(body.error_codes, [7000218]);
});

test('v1 /oauth2/token with a body over 64 KiB: 413 payloadTooLarge from the Partner Center catalog', async (t) => {
  const pcapi = await buildInjectApp(t);
  const response = await pcapi.fetch('/fabrikam.example/oauth2/token', form({ grant_type: 'client_credentials', padding: 'x'.repeat(65 * 1024) }));
  assert.equal(response.status, 413);
  const body = (await response.json()) as { code: number; source: string };
  assert.equal(body.code, 413);
  assert.equal(body.source, 'PartnerFD');
});
