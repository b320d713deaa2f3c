/**
 * `pcapi consents show|revoke` on the data folder of a running pcapi: a consent given on the consent
 * page is shown; revoking it (from another process) makes the refresh tokens issued under it fail
 * with consent_required, as withdrawing consent does at Entra.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claimsOf, signIn, tokenRequest, type Fetch } from '../identity/sign-in-helpers.js';
import { runPcapi } from '../helpers/run-cli.js';
import { DEMO, startTestServer } from '../helpers/test-server.js';

test('pcapi consents: show the consent given on the page, revoke it, and its refresh token stops working', async (t) => {
  const pcapi = await startTestServer(t);
  const http: Fetch = (input, init) => fetch(new URL(String(input), pcapi.url), init);
  const signedIn = await signIn(http, { clientId: DEMO.fabrikamReporting, redirectUri: 'https://localhost/callback', username: 'nomfa@fabrikam.example', password: DEMO.secret });
  assert.deepEqual(signedIn.pages, ['password', 'consent']);
  const tokens = await tokenRequest(http, '/fabrikam.example/oauth2/v2.0/token', {
    grant_type: 'authorization_code', client_id: DEMO.fabrikamReporting, client_secret: DEMO.secret, code: signedIn.params!.get('code')!,
    redirect_uri: 'https://localhost/callback', code_verifier: signedIn.verifier!, scope: 'https://api.partnercenter.microsoft.com/user_impersonation offline_access',
  });
  assert.equal(tokens.status, 200);
  assert.equal(claimsOf(tokens.body.access_token).scp, 'user_impersonation');
  const store = ['--data-dir', pcapi.dataDir];
  const target = ['--tenant', 'fabrikam.example', '--client-id', DEMO.fabrikamReporting, '--user', 'nomfa@fabrikam.example'];

  const shown = await runPcapi(['consents', 'show', ...target, ...store]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /nomfa@fabrikam.example granted 10db4c3d-1412-4e92-a4ce-7a9f18887f86 on \d{4}-/);
  assert.match(shown.stdout, /https:\/\/api.partnercenter.microsoft.com\/user_impersonation/);
  assert.match(shown.stdout, /https:\/\/graph.microsoft.com\/User.Read/);

  const revoked = await runPcapi(['consents', 'revoke', ...target, ...store]);
  assert.equal(revoked.code, 0, revoked.stderr);
  const refused = await tokenRequest(http, '/fabrikam.example/oauth2/v2.0/token', {
    grant_type: 'refresh_token', client_id: DEMO.fabrikamReporting, client_secret: DEMO.secret, refresh_token: tokens.body.refresh_token as string,
    scope: 'https://api.partnercenter.microsoft.com/user_impersonation',
  });
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.body.error_codes, [65001]);
  assert.equal(refused.body.suberror, 'consent_required');

  const again = await runPcapi(['consents', 'revoke', ...target, ...store]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /no consent of nomfa@fabrikam.example/);
  const both = await runPcapi(['consents', 'show', '--tenant', 'fabrikam.example', '--client-id', DEMO.fabrikamReporting, '--tenant-wide', '--user', 'x@y', ...store]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /exactly one of --user/);
});
