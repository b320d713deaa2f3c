/**
 * Every interactive flow the Microsoft libraries use, unmodified, against pcapi over https, with
 * Debian's Chromium (playwright-core) filling in pcapi's sign-in, MFA and consent pages as a user
 * would: msal-node's acquireTokenByCode with PKCE, acquireTokenSilent renewing through the refresh
 * token, acquireTokenByRefreshToken, acquireTokenInteractive on its loopback server,
 * acquireTokenByDeviceCode, and @azure/identity's DeviceCodeCredential. Each runs in a child process
 * (sign-in/browser-flows.ts) that trusts the test certificate.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { runNode, TLS_CERT, TLS_KEY } from './helpers/child-node.js';
import { startTestServer, type TestServer } from './helpers/pcapi.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PC_AUDIENCE = 'https://api.partnercenter.microsoft.com';

let pcapi: TestServer;
before(async () => {
  assert.ok(existsSync(CHROMIUM), `these tests need Chromium at ${CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)`);
  pcapi = await startTestServer(undefined, { tlsCert: TLS_CERT, tlsKey: TLS_KEY });
});
after(() => pcapi.close());

async function runFlow(flow: string, env: Record<string, string> = {}): Promise<Record<string, any>> {
  const result = await runNode(pcapi.url, ['--import', 'tsx', 'test/sign-in/browser-flows.ts', flow], env, 90_000);
  assert.equal(result.code, 0, `${flow}: ${result.stderr}\n${result.stdout}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, any>;
}

test('msal-node acquireTokenByCode with PKCE: Chromium signs in (password, MFA, consent); silent renewal and acquireTokenByRefreshToken follow', async () => {
  const out = await runFlow('code');
  assert.deepEqual(out.pages, ['password', 'mfa', 'consent']);
  assert.equal(out.byCode.account, 'admin@fabrikam.example');
  assert.equal(out.byCode.homeAccountId.split('.')[1], '2c01706f-53f9-43ed-a5e3-50fe9b93e511', 'client_info gives MSAL the home tenant');
  assert.deepEqual(out.byCode.amr, ['pwd', 'mfa']);
  assert.equal(out.byCode.aud, PC_AUDIENCE);
  assert.equal(out.apiStatus, 200);
  assert.equal(out.silentCached, true);
  assert.equal(out.silentRenewed.fromCache, false);
  assert.equal(out.renewedIsNew, true);
  assert.deepEqual(out.silentRenewed.amr, ['pwd', 'mfa'], 'a refreshed token keeps the MFA of the sign-in');
  assert.equal(out.byRefreshToken.aud, 'https://graph.microsoft.com');
  assert.equal(out.byRefreshToken.scp, 'User.Read');
});

test('msal-node acquireTokenInteractive: the URL handed to Chromium, the answer posted back to its loopback server', async () => {
  const out = await runFlow('interactive');
  assert.match(out.authorizeUrl, /response_mode=form_post/);
  assert.match(out.authorizeUrl, /redirect_uri=http%3A%2F%2Flocalhost%3A\d+/);
  assert.deepEqual(out.pages, ['password', 'consent']);
  assert.equal(out.interactive.account, 'nomfa@fabrikam.example');
  assert.deepEqual(out.interactive.amr, ['pwd']);
  assert.match(out.loopbackPage, /pcapi-test: signed in/);
});

test('the sign-in works with script turned off in the browser (form_post continues with a button)', async () => {
  const out = await runFlow('code', { BROWSER_SCRIPT: 'off' });
  assert.deepEqual(out.pages, ['password', 'mfa', 'consent']);
  assert.equal(out.apiStatus, 200);
});

test('msal-node acquireTokenByDeviceCode: Chromium enters the code on /devicelogin and signs in', async () => {
  const out = await runFlow('device');
  assert.match(out.message, /\/devicelogin and enter the code [A-Z0-9]{9} /);
  assert.equal(out.browserError, undefined);
  assert.match(out.donePage, /signed in/);
  assert.deepEqual(out.device.amr, ['pwd', 'mfa']);
  assert.equal(out.apiStatus, 200);
});

test('@azure/identity DeviceCodeCredential with its default client: a Partner Center token, then from its cache', async () => {
  const out = await runFlow('identity-device');
  assert.equal(out.identity.aud, PC_AUDIENCE);
  assert.equal(out.identity.appid, '04b07795-8ddb-461a-bbee-02f9e1bf7b46');
  assert.deepEqual(out.identity.amr, ['pwd', 'mfa']);
  assert.equal(out.apiStatus, 200);
  assert.equal(out.secondFromCache, true);
});
