/**
 * Run as a child process by sign-in-flows.integration.test.ts (so NODE_EXTRA_CA_CERTS makes Node
 * trust pcapi's test certificate): unmodified @azure/msal-node and @azure/identity signing a user in
 * through pcapi's pages, with Debian's Chromium (driven by playwright-core) doing what a user would.
 * Prints one JSON line with what each flow returned.
 *   PCAPI_URL=https://localhost:PORT node --import tsx browser-flows.ts <flow>
 */
import { ConfidentialClientApplication, CryptoProvider, PublicClientApplication, type AuthenticationResult } from '@azure/msal-node';
import { DeviceCodeCredential } from '@azure/identity';
import type { Page } from 'playwright-core';
import { enterDeviceCode, launchChromium, signInAsUser as signInAs } from '../../../server/test/helpers/browser.js';

const pcapiUrl = process.env.PCAPI_URL!;
const host = new URL(pcapiUrl).host;
const flow = process.argv[2];
const FABRIKAM = '2c01706f-53f9-43ed-a5e3-50fe9b93e511';
const AUTOMATION = '5cb9b94d-825a-47d7-830b-7226f428175e';
const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const CONTOSO = '13bba13f-49f8-49aa-8a22-1fe70d695fcb';
const PC_SCOPE = 'https://api.partnercenter.microsoft.com/user_impersonation';
const REDIRECT = 'https://localhost/callback';

const browser = await launchChromium();
const context = await browser.newContext({ ignoreHTTPSErrors: true, javaScriptEnabled: process.env.BROWSER_SCRIPT !== 'off' });
const pagesSeen: string[] = [];

async function signInAsUser(page: Page, username: string) {
  pagesSeen.push(...(await signInAs(page, username)));
}

const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
const summary = (result: AuthenticationResult | null) => {
  if (!result) throw new Error('no result');
  const access = claims(result.accessToken);
  return { account: result.account?.username, homeAccountId: result.account?.homeAccountId, amr: access.amr, aud: access.aud, scp: access.scp, fromCache: result.fromCache, accessToken: result.accessToken };
};
const organizationStatus = async (token: string) =>
  (await fetch(`${pcapiUrl}/v1/customers/${CONTOSO}/organization`, { headers: { authorization: `Bearer ${token}` } })).status;
/** The refresh token MSAL keeps in its cache (the SAM stores it; MSAL does not hand it out otherwise). */
const cachedRefreshToken = (serialized: string) => Object.values((JSON.parse(serialized) as { RefreshToken: Record<string, { secret: string }> }).RefreshToken)[0]?.secret;

const output: Record<string, unknown> = {};
try {
  if (flow === 'code') {
    // A confidential web app (the SAM consent app): PKCE, the browser signs in, the code is redeemed.
    const msal = new ConfidentialClientApplication({ auth: { clientId: AUTOMATION, clientSecret: 'pcapi-demo', authority: `${pcapiUrl}/${FABRIKAM}`, knownAuthorities: [host] } });
    const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
    const url = await msal.getAuthCodeUrl({ scopes: [PC_SCOPE], redirectUri: REDIRECT, codeChallenge: challenge, codeChallengeMethod: 'S256', state: 'the-state', prompt: 'consent' });
    const page = await context.newPage();
    let redirected: URL | undefined;
    await page.route(`${REDIRECT}**`, async (route) => {
      redirected = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'signed in' });
    });
    await page.goto(url);
    await signInAsUser(page, 'admin@fabrikam.example');
    await page.waitForURL(`${REDIRECT}**`);
    if (!redirected) throw new Error(`no redirect; page: ${await page.content()}`);
    const byCode = await msal.acquireTokenByCode(
      { code: redirected.searchParams.get('code')!, redirectUri: REDIRECT, scopes: [PC_SCOPE], codeVerifier: verifier, state: 'the-state' },
      { code: redirected.searchParams.get('code')!, state: redirected.searchParams.get('state')!, client_info: redirected.searchParams.get('client_info') ?? undefined },
    );
    output.byCode = summary(byCode);
    output.apiStatus = await organizationStatus(byCode!.accessToken);
    // acquireTokenSilent: from the cache first, then (forceRefresh) through the refresh token.
    const silent = await msal.acquireTokenSilent({ account: byCode!.account!, scopes: [PC_SCOPE] });
    output.silentCached = summary(silent).fromCache;
    const renewed = await msal.acquireTokenSilent({ account: byCode!.account!, scopes: [PC_SCOPE], forceRefresh: true });
    output.silentRenewed = summary(renewed);
    output.renewedIsNew = renewed!.accessToken !== byCode!.accessToken;
    // acquireTokenByRefreshToken: the SAM's runtime half, with the refresh token from MSAL's cache, for Graph this time.
    const refreshToken = cachedRefreshToken(msal.getTokenCache().serialize());
    const other = new ConfidentialClientApplication({ auth: { clientId: AUTOMATION, clientSecret: 'pcapi-demo', authority: `${pcapiUrl}/${FABRIKAM}`, knownAuthorities: [host] } });
    output.byRefreshToken = summary(await other.acquireTokenByRefreshToken({ refreshToken: refreshToken!, scopes: ['https://graph.microsoft.com/User.Read'] }));
    output.refreshToken = refreshToken;
  } else if (flow === 'interactive') {
    // A public client on the loopback: msal-node 7 listens on http://localhost:<port> and wants form_post.
    const msal = new PublicClientApplication({ auth: { clientId: AUTOMATION, authority: `${pcapiUrl}/${FABRIKAM}`, knownAuthorities: [host] } });
    const page = await context.newPage();
    const result = await msal.acquireTokenInteractive({
      scopes: [PC_SCOPE],
      openBrowser: async (url) => {
        output.authorizeUrl = url;
        await page.goto(url);
        await signInAsUser(page, 'nomfa@fabrikam.example');
      },
      successTemplate: 'pcapi-test: signed in',
    });
    output.interactive = summary(result);
    await page.waitForSelector('text=pcapi-test: signed in');
    output.loopbackPage = await page.innerText('body');
  } else if (flow === 'device') {
    // The CLI sign-in: MSAL prints a code; the user types it on /devicelogin in a browser.
    const msal = new PublicClientApplication({ auth: { clientId: AZURE_CLI, authority: `${pcapiUrl}/${FABRIKAM}`, knownAuthorities: [host] } });
    const page = await context.newPage();
    let browser: Promise<void> = Promise.resolve();
    const result = await msal.acquireTokenByDeviceCode({
      scopes: [PC_SCOPE],
      deviceCodeCallback: (response) => {
        output.message = response.message;
        browser = (async () => {
          pagesSeen.push(...(await enterDeviceCode(page, response.verificationUri, response.userCode, 'admin@fabrikam.example')));
          output.donePage = await page.innerText('#done');
        })().catch((error) => { output.browserError = String(error); });
      },
    });
    // MSAL's polling can redeem the code before the browser has read the page the sign-in ended on.
    await browser;
    output.device = summary(result);
    output.apiStatus = await organizationStatus(result!.accessToken);
  } else if (flow === 'identity-device') {
    // @azure/identity's DeviceCodeCredential with its defaults (the Azure CLI's client id).
    const page = await context.newPage();
    let done: Promise<void> = Promise.resolve();
    const credential = new DeviceCodeCredential({
      tenantId: FABRIKAM, authorityHost: pcapiUrl, disableInstanceDiscovery: true,
      userPromptCallback: (info) => {
        output.message = info.message;
        done = (async () => {
          pagesSeen.push(...(await enterDeviceCode(page, info.verificationUri, info.userCode, 'admin@fabrikam.example')));
        })();
      },
    });
    const token = await credential.getToken(PC_SCOPE);
    await done;
    const access = claims(token.token);
    output.identity = { aud: access.aud, amr: access.amr, appid: access.appid };
    output.apiStatus = await organizationStatus(token.token);
    const second = await credential.getToken(PC_SCOPE);
    output.secondFromCache = second.token === token.token;
  } else {
    throw new Error(`unknown flow ${flow}`);
  }
  output.pages = pagesSeen;
  console.log(JSON.stringify(output));
} finally {
  await browser.close();
}
