/**
 * The interactive sign-in through Fastify inject: authorization code with PKCE through the sign-in,
 * MFA and consent pages; the code's single use and lifetime; errors at /authorize (shown, or sent
 * back with state); response modes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildInjectApp, DEMO } from '../helpers/inject-app.js';
import { authorizeUrl, claimsOf, pkcePair, signIn, tokenRequest } from './sign-in-helpers.js';

const APP = DEMO.fabrikamAutomation;
const REDIRECT = 'https://localhost/callback';
const PC_SCOPE = 'https://api.partnercenter.microsoft.com/user_impersonation openid profile offline_access';
const TOKEN = '/fabrikam.example/oauth2/v2.0/token';

const redeem = (fetch: Parameters<typeof tokenRequest>[0], code: string, verifier: string | undefined, extra: Record<string, string | undefined> = {}) => {
  const fields: Record<string, string | undefined> = {
    grant_type: 'authorization_code', client_id: APP, client_secret: DEMO.secret, code, redirect_uri: REDIRECT, scope: PC_SCOPE, client_info: '1',
    code_verifier: verifier, ...extra,
  };
  return tokenRequest(fetch, TOKEN, Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Record<string, string>);
};

test('authorization code + PKCE: password, MFA and consent pages, then tokens that call the API', async (t) => {
  const pcapi = await buildInjectApp(t);
  const result = await signIn(pcapi.fetch, { clientId: APP, redirectUri: REDIRECT, state: 'st-1', nonce: 'n-1', username: 'admin@fabrikam.example', password: DEMO.secret });
  assert.deepEqual(result.pages, ['password', 'mfa', 'consent']);
  assert.equal(result.response.status, 302);
  assert.equal(result.params!.get('state'), 'st-1');
  assert.deepEqual(JSON.parse(Buffer.from(result.params!.get('client_info')!, 'base64url').toString()).utid, DEMO.fabrikam);

  const { status, body } = await redeem(pcapi.fetch, result.params!.get('code')!, result.verifier);
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.token_type, 'Bearer');
  assert.match(String(body.scope), /user_impersonation/);
  assert.equal(typeof body.refresh_token, 'string');
  assert.equal(typeof body.client_info, 'string');
  const access = claimsOf(body.access_token);
  assert.deepEqual(access.amr, ['pwd', 'mfa']);
  assert.equal(access.appidacr, '1', 'a client that sent its secret');
  assert.equal(access.appid, APP);
  assert.equal(access.scp, 'user_impersonation');
  assert.notEqual(access.sub, access.oid, 'sub is pairwise');
  const id = claimsOf(body.id_token);
  assert.equal(id.nonce, 'n-1');
  assert.equal(id.aud, APP);
  assert.equal(id.preferred_username, 'admin@fabrikam.example');

  const organization = await pcapi.getOrganization(DEMO.contoso, { token: body.access_token as string });
  assert.equal(organization.status, 200);

  // Consent is remembered: the next sign-in shows no consent page, and no nonce means none in the id token.
  const again = await signIn(pcapi.fetch, { clientId: APP, redirectUri: REDIRECT, username: 'admin@fabrikam.example', password: DEMO.secret });
  assert.deepEqual(again.pages, ['password', 'mfa']);
  const second = await redeem(pcapi.fetch, again.params!.get('code')!, again.verifier);
  assert.equal(claimsOf(second.body.id_token).nonce, undefined);
});

test('a user not registered for MFA gets no MFA page and no mfa in amr; prompt=consent shows consent again', async (t) => {
  const pcapi = await buildInjectApp(t);
  const first = await signIn(pcapi.fetch, { clientId: APP, redirectUri: REDIRECT, username: 'nomfa@fabrikam.example', password: DEMO.secret });
  assert.deepEqual(first.pages, ['password', 'consent']);
  const { body } = await redeem(pcapi.fetch, first.params!.get('code')!, first.verifier);
  assert.deepEqual(claimsOf(body.access_token).amr, ['pwd']);
  const forced = await signIn(pcapi.fetch, { clientId: APP, redirectUri: REDIRECT, prompt: 'consent', username: 'nomfa@fabrikam.example', password: DEMO.secret });
  assert.deepEqual(forced.pages, ['password', 'consent']);
});

test('a code is single-use, short-lived, bound to its client, redirect URI and PKCE verifier', async (t) => {
  const pcapi = await buildInjectApp(t);
  const signInOnce = async (clientId: string = APP) => {
    const result = await signIn(pcapi.fetch, { clientId, redirectUri: REDIRECT, username: 'nomfa@fabrikam.example', password: DEMO.secret });
    return { code: result.params!.get('code')!, verifier: result.verifier! };
  };
  const errorCode = (body: Record<string, unknown>) => (body.error_codes as number[])[0];

  const once = await signInOnce();
  assert.equal((await redeem(pcapi.fetch, once.code, once.verifier)).status, 200);
  const reused = await redeem(pcapi.fetch, once.code, once.verifier);
  assert.equal(reused.status, 400);
  assert.equal(reused.body.error, 'invalid_grant');
  assert.equal(errorCode(reused.body), 54005);

  const wrongVerifier = await signInOnce();
  const mismatch = await redeem(pcapi.fetch, wrongVerifier.code, pkcePair().verifier);
  assert.equal(errorCode(mismatch.body), 50148);
  const missing = await redeem(pcapi.fetch, wrongVerifier.code, undefined);
  assert.equal(errorCode(missing.body), 501481);
  const otherRedirect = await redeem(pcapi.fetch, wrongVerifier.code, wrongVerifier.verifier, { redirect_uri: 'http://localhost' });
  assert.equal(errorCode(otherRedirect.body), 70000);
  // Refusals do not spend the code.
  assert.equal((await redeem(pcapi.fetch, wrongVerifier.code, wrongVerifier.verifier)).status, 200);

  // Fabrikam Reporting is confidential (it does not allow public client flows): no secret, no tokens.
  const noSecret = await signInOnce(DEMO.fabrikamReporting);
  const publicAttempt = await redeem(pcapi.fetch, noSecret.code, noSecret.verifier, { client_id: DEMO.fabrikamReporting, client_secret: undefined });
  assert.equal(publicAttempt.status, 401);
  assert.equal(publicAttempt.body.error, 'invalid_client');
  assert.equal(errorCode(publicAttempt.body), 7000218);

  // Fabrikam Automation allows public client flows: a code redeemed without a secret gets appidacr "0".
  const publicClient = await signInOnce();
  const secretless = await redeem(pcapi.fetch, publicClient.code, publicClient.verifier, { client_secret: undefined });
  assert.equal(secretless.status, 200);
  assert.equal(claimsOf(secretless.body.access_token).appidacr, '0');

  const late = await signInOnce();
  pcapi.clock.advance(11 * 60_000);
  const expired = await redeem(pcapi.fetch, late.code, late.verifier);
  assert.equal(errorCode(expired.body), 70008);
});

test('/authorize: an unknown client or redirect URI is shown, never redirected; later errors go back with state', async (t) => {
  const pcapi = await buildInjectApp(t);
  const get = (url: string) => pcapi.fetch(url, { redirect: 'manual' });
  const unknownClient = await get(authorizeUrl({ clientId: '11111111-2222-3333-4444-555555555555', redirectUri: REDIRECT, username: '', password: '' }));
  assert.equal(unknownClient.status, 400);
  assert.match(await unknownClient.text(), /AADSTS700016/);
  const badRedirect = await get(authorizeUrl({ clientId: APP, redirectUri: 'https://evil.example/cb', username: '', password: '' }));
  assert.equal(badRedirect.status, 400);
  assert.match(await badRedirect.text(), /AADSTS50011/);
  assert.equal(badRedirect.headers.get('location'), null);

  // A URI with a control character, tab or line break is not a URI (the URL parser would drop them, and
  // a Location header cannot carry them): shown as a mismatch, never redirected to, never a 500.
  for (const odd of ['http://localhost:5555\n', 'http://localhost:5555\u0000', 'http://localhost:5555\r', 'http://local\thost:5555', 'http://localhost:5555/\u20ac']) {
    for (const prompt of ['none', undefined]) {
      const response = await get(authorizeUrl({ clientId: APP, redirectUri: odd, prompt, username: '', password: '' }));
      assert.equal(response.status, 400, JSON.stringify(odd));
      assert.match(await response.text(), /AADSTS50011/);
      assert.equal(response.headers.get('location'), null);
    }
  }

  // A loopback redirect URI matches whatever its port.
  const loopback = await get(authorizeUrl({ clientId: APP, redirectUri: 'http://localhost:51234', username: '', password: '' }));
  assert.equal(loopback.status, 200);
  assert.match(loopback.headers.get('content-security-policy')!, /default-src 'none'/);
  assert.doesNotMatch(await loopback.text(), /<script/);

  const silent = await get(authorizeUrl({ clientId: APP, redirectUri: REDIRECT, prompt: 'none', state: 'keep-me', username: '', password: '' }));
  assert.equal(silent.status, 302);
  const location = new URL(silent.headers.get('location')!);
  assert.equal(location.searchParams.get('error'), 'login_required');
  assert.equal(location.searchParams.get('state'), 'keep-me');

  // An id_token is never written in the query.
  const hybridQuery = await get(authorizeUrl({ clientId: APP, redirectUri: REDIRECT, responseType: 'code id_token', responseMode: 'query', nonce: 'n', state: 'h', username: '', password: '' }));
  assert.equal(hybridQuery.status, 302);
  const hybridError = new URL(hybridQuery.headers.get('location')!).searchParams;
  assert.equal(hybridError.get('error'), 'invalid_request');
  assert.match(hybridError.get('error_description')!, /AADSTS70007/);
  assert.equal(hybridError.get('state'), 'h');

  const badScope = await get(authorizeUrl({ clientId: APP, redirectUri: REDIRECT, scope: 'https://nowhere.example/x', state: 's', username: '', password: '' }));
  assert.equal(badScope.status, 302);
  assert.equal(new URL(badScope.headers.get('location')!).searchParams.get('error'), 'invalid_resource');

  const declined = await signIn(pcapi.fetch, { clientId: APP, redirectUri: REDIRECT, state: 's2', username: 'nomfa@fabrikam.example', password: DEMO.secret, consent: 'cancel' });
  assert.equal(declined.params!.get('error'), 'access_denied');
  assert.equal(declined.params!.get('state'), 's2');
  assert.match(declined.params!.get('error_description')!, /AADSTS65004/);

  const denied = await signIn(pcapi.fetch, { clientId: APP, redirectUri: REDIRECT, state: 's3', username: 'admin@fabrikam.example', password: DEMO.secret, mfa: 'deny' });
  assert.equal(denied.params!.get('error'), 'access_denied');
  assert.equal(denied.params!.get('state'), 's3');
});

test('a wrong password shows the page again with the error; a replayed page post is refused', async (t) => {
  const pcapi = await buildInjectApp(t);
  const wrong = await signIn(pcapi.fetch, { clientId: APP, redirectUri: REDIRECT, username: 'admin@fabrikam.example', password: 'nope' });
  assert.equal(wrong.response.status, 200);
  assert.match(wrong.html, /AADSTS50126/);
  assert.match(wrong.html, /value="admin@fabrikam.example"/);

  const first = await pcapi.fetch(authorizeUrl({ clientId: APP, redirectUri: REDIRECT, username: '', password: '' }));
  const flow = /name="flow" value="([^"]+)"/.exec(await first.text())![1]!;
  const submit = () => pcapi.fetch('/fabrikam.example/login', { method: 'POST', body: new URLSearchParams({ flow, step: 'password', login: 'nomfa@fabrikam.example', passwd: DEMO.secret }), redirect: 'manual' });
  assert.equal((await submit()).status, 200);
  const replay = await submit();
  assert.equal(replay.status, 400);
  // Skipping to consent with a flow that is at another step is refused too.
  const skip = await pcapi.fetch('/fabrikam.example/login', { method: 'POST', body: new URLSearchParams({ flow, step: 'mfa', action: 'approve' }) });
  assert.equal(skip.status, 400);
});

test('response_mode=form_post answers with a form posting code and state; it works without script', async (t) => {
  const pcapi = await buildInjectApp(t);
  const result = await signIn(pcapi.fetch, { clientId: APP, redirectUri: 'http://localhost:4000', responseMode: 'form_post', state: 'fp', username: 'nomfa@fabrikam.example', password: DEMO.secret });
  assert.equal(result.response.status, 200);
  assert.match(result.html, /<form method="post" action="http:\/\/localhost:4000">/);
  assert.match(result.html, /<noscript>.*<button type="submit"/s);
  assert.equal(result.params!.get('state'), 'fp');
  assert.ok(result.params!.get('code'));
  assert.match(result.response.headers.get('content-security-policy')!, /script-src 'sha256-/);
});
