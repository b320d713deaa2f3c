/**
 * The end-session endpoint discovery names (inject()): back to a post_logout_redirect_uri the app
 * registered, with state; a signed-out page for anything else (never a redirect to an unregistered URI).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildInjectApp, DEMO, TEST_PUBLIC_URL } from '../helpers/inject-app.js';

const REGISTERED = 'https://localhost/callback';

test('discovery names the end-session endpoint; signing out returns to a registered URI with state, else shows a page', async (t) => {
  const pcapi = await buildInjectApp(t);
  const v2 = (await (await pcapi.fetch(`/${DEMO.fabrikam}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
  assert.equal(v2.end_session_endpoint, `${TEST_PUBLIC_URL}/${DEMO.fabrikam}/oauth2/v2.0/logout`);
  const v1 = (await (await pcapi.fetch(`/${DEMO.fabrikam}/.well-known/openid-configuration`)).json()) as Record<string, string>;
  assert.equal(v1.end_session_endpoint, `${TEST_PUBLIC_URL}/${DEMO.fabrikam}/oauth2/logout`);

  const logout = (tenant: string, query: Record<string, string>, v1Path = false) =>
    pcapi.inject({ method: 'GET', url: `/${tenant}/oauth2/${v1Path ? '' : 'v2.0/'}logout?${new URLSearchParams(query)}` });
  const back = await logout(DEMO.fabrikam, { post_logout_redirect_uri: REGISTERED, client_id: DEMO.fabrikamAutomation, state: 's 1' });
  assert.equal(back.statusCode, 302);
  assert.equal(back.headers.location, `${REGISTERED}?state=s+1`);

  // The app named by the ID token it hands back, at /common and at v1.
  const idToken = await pcapi.issuer.mintIdToken((await pcapi.store.findUserByName(DEMO.fabrikam, 'admin@fabrikam.example'))!, DEMO.fabrikamAutomation);
  for (const [tenant, v1Path] of [['common', false], [DEMO.fabrikam, true]] as const) {
    const hinted = await logout(tenant, { post_logout_redirect_uri: REGISTERED, id_token_hint: idToken }, v1Path);
    assert.equal(hinted.statusCode, 302, `${tenant} v1=${v1Path}`);
    assert.equal(hinted.headers.location, REGISTERED);
  }

  for (const query of <Record<string, string>[]>[
    {},
    { post_logout_redirect_uri: 'https://evil.example/' , client_id: DEMO.fabrikamAutomation },
    { post_logout_redirect_uri: REGISTERED },
    { post_logout_redirect_uri: REGISTERED, client_id: DEMO.adatumAutomation },
    { post_logout_redirect_uri: REGISTERED, id_token_hint: 'not-a-token' },
  ]) {
    const page = await logout(DEMO.fabrikam, query);
    assert.equal(page.statusCode, 200, JSON.stringify(query));
    assert.equal(page.headers.location, undefined);
    assert.match(page.body, /You signed out/);
  }
  const v1Page = await logout(DEMO.fabrikam, {}, true);
  assert.equal(v1Page.statusCode, 200);
  assert.match(v1Page.body, /You signed out/);
});
