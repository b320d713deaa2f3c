/**
 * Real, unmodified third-party clients getting tokens from pcapi's issuer: @azure/msal-node (client
 * credentials, and username + password) and @azure/identity's ClientSecretCredential, against pcapi
 * served over https with the self-signed test certificate, then @pcapi/client calling the API with
 * those tokens. Each runs in a child process, because Node reads NODE_EXTRA_CA_CERTS (the trust for
 * that certificate) only when a process starts.
 *
 * The last tests show why the configuration docs/client.md asks for is needed: without
 * `knownAuthorities` (MSAL) or `disableInstanceDiscovery` (@azure/identity) both libraries first ask
 * login.microsoftonline.com to validate the authority. Those requests are caught locally (a recording
 * network client, a recording proxy), so no test here ever reaches the internet.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
// Type-only imports: erased at run time, but they make `npm run typecheck` check the examples.
import type * as _msalClientCredentials from '../examples/third-party/msal-client-credentials.js';
import type * as _msalUsernamePassword from '../examples/third-party/msal-username-password.js';
import { runNode as runNodeIn, TLS_CERT, TLS_KEY } from './helpers/child-node.js';
import { CONTOSO, DEMO, startTestServer, type TestServer } from './helpers/pcapi.js';

const THIRD_PARTY_EXAMPLES = new URL('../examples/third-party/', import.meta.url);
const DOCS = fileURLToPath(new URL('../../../docs/client.md', import.meta.url));
const CONTOSO_JSON =
  '[{"street":"1 Microsoft Way","countryLetterCode":"US","postalCode":"98052-8300","city":"Redmond","state":"WA","displayName":"Contoso","technicalNotificationMails":["test@contoso.com"]}]';

let pcapi: TestServer;
before(async () => {
  pcapi = await startTestServer(undefined, { tlsCert: TLS_CERT, tlsKey: TLS_KEY });
  assert.match(pcapi.url, /^https:\/\/localhost:\d+$/);
});
after(() => pcapi.close());

const runNode = (args: string[], env: Record<string, string> = {}) => runNodeIn(pcapi.url, args, env);

const runExample = (path: string) => runNode(['--import', 'tsx', path]);
/** A small ES module program given inline (plain JavaScript, tsx for @pcapi/client's TypeScript); it prints one JSON line. */
async function runProbe(source: string, env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const result = await runNode(['--import', 'tsx', '--input-type=module', '-e', source], env);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/** The payload of a JWT, decoded without checking it (pcapi checks it when the token is used). */
const DECODE = `const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));`;

test('docs/client.md shows each third-party example verbatim', () => {
  const docs = readFileSync(DOCS, 'utf8');
  const examples = readdirSync(THIRD_PARTY_EXAMPLES).filter((name) => name.endsWith('.ts'));
  assert.deepEqual(examples.sort(), ['msal-client-credentials.ts', 'msal-username-password.ts']);
  for (const name of examples) {
    const code = readFileSync(new URL(name, THIRD_PARTY_EXAMPLES), 'utf8');
    assert.ok(docs.includes('```ts\n' + code + '```'), `docs/client.md must show examples/third-party/${name} verbatim in a ts block`);
  }
});

test('@azure/msal-node client credentials: an app-only token from pcapi, then 200 on Contoso', async () => {
  const result = await runExample('examples/third-party/msal-client-credentials.ts');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), CONTOSO_JSON);
});

test('@azure/msal-node acquireTokenByUsernamePassword: an app+user token from pcapi, then 200 on Contoso', async () => {
  const result = await runExample('examples/third-party/msal-username-password.ts');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), `admin@fabrikam.example ${CONTOSO_JSON}`);
});

test('@azure/identity ClientSecretCredential: passed to PartnerCenterClient as it is, 200 on Contoso', async () => {
  const result = await runExample('examples/azure-identity.ts');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), CONTOSO_JSON);
});

test('msal-node with the /organizations authority: discovery with the {tenantid} issuer, the user\u2019s tenant from the user name', async () => {
  const out = await runProbe(`
    import { PublicClientApplication } from '@azure/msal-node';
    ${DECODE}
    const url = process.env.PCAPI_URL;
    const msal = new PublicClientApplication({ auth: { clientId: '${DEMO.fabrikamAutomation}', authority: url + '/organizations', knownAuthorities: [new URL(url).host] } });
    const result = await msal.acquireTokenByUsernamePassword({ scopes: ['https://api.partnercenter.microsoft.com/user_impersonation'], username: 'admin@fabrikam.example', password: '${DEMO.secret}' });
    console.log(JSON.stringify({ tid: claims(result.accessToken).tid, tenantId: result.tenantId }));
  `);
  assert.deepEqual(out, { tid: DEMO.fabrikam, tenantId: DEMO.fabrikam });
});

test('the tokens are pcapi\u2019s: issuer, tenant, app and user claims as each grant gives them', async () => {
  const tokens = await runProbe(`
    import { ConfidentialClientApplication, PublicClientApplication } from '@azure/msal-node';
    import { ClientSecretCredential } from '@azure/identity';
    ${DECODE}
    const url = process.env.PCAPI_URL;
    const auth = { clientId: '${DEMO.fabrikamAutomation}', authority: url + '/${DEMO.fabrikam}', knownAuthorities: [new URL(url).host] };
    const app = await new ConfidentialClientApplication({ auth: { ...auth, clientSecret: '${DEMO.secret}' } })
      .acquireTokenByClientCredential({ scopes: ['https://api.partnercenter.microsoft.com/.default'] });
    const user = await new PublicClientApplication({ auth })
      .acquireTokenByUsernamePassword({ scopes: ['https://api.partnercenter.microsoft.com/user_impersonation'], username: 'admin@fabrikam.example', password: '${DEMO.secret}' });
    const identity = await new ClientSecretCredential('${DEMO.fabrikam}', '${DEMO.fabrikamAutomation}', '${DEMO.secret}', { authorityHost: url, disableInstanceDiscovery: true })
      .getToken('https://api.partnercenter.microsoft.com/.default');
    console.log(JSON.stringify({
      app: claims(app.accessToken), user: claims(user.accessToken), identity: claims(identity.token),
      account: { username: user.account.username, tenantId: user.account.tenantId, idTokenName: user.idTokenClaims.name },
    }));
  `);
  const issuer = `${pcapi.url}/${DEMO.fabrikam}/v2.0`;
  for (const name of ['app', 'user', 'identity']) {
    const claims = tokens[name] as Record<string, unknown>;
    assert.equal(claims.iss, issuer, name);
    assert.equal(claims.aud, 'https://api.partnercenter.microsoft.com', name);
    assert.equal(claims.tid, DEMO.fabrikam, name);
    assert.equal(claims.appid, DEMO.fabrikamAutomation, name);
  }
  assert.equal((tokens.app as Record<string, unknown>).idtyp, 'app');
  assert.equal((tokens.identity as Record<string, unknown>).idtyp, 'app');
  assert.equal((tokens.user as Record<string, unknown>).upn, 'admin@fabrikam.example');
  assert.equal((tokens.user as Record<string, unknown>).scp, 'user_impersonation');
  // MSAL built its account from pcapi's id_token and client_info.
  const account = tokens.account as { username: string; tenantId: string; idTokenName?: string };
  assert.equal(account.username, 'admin@fabrikam.example');
  assert.equal(account.tenantId, DEMO.fabrikam);
  assert.ok(account.idTokenName, 'the id_token carries the user\u2019s name');
});

test('pcapi\u2019s OAuth errors reach the caller through each library: a wrong secret, a wrong password', async () => {
  const errors = await runProbe(`
    import { ConfidentialClientApplication, PublicClientApplication } from '@azure/msal-node';
    import { ClientSecretCredential } from '@azure/identity';
    const url = process.env.PCAPI_URL;
    const auth = { clientId: '${DEMO.fabrikamAutomation}', authority: url + '/fabrikam.example', knownAuthorities: [new URL(url).host] };
    const caught = (promise) => promise.then(() => ({ error: 'none' }), (e) => ({ name: e.name, errorCode: e.errorCode, message: e.message }));
    console.log(JSON.stringify({
      msalSecret: await caught(new ConfidentialClientApplication({ auth: { ...auth, clientSecret: 'wrong' } })
        .acquireTokenByClientCredential({ scopes: ['https://api.partnercenter.microsoft.com/.default'] })),
      msalPassword: await caught(new PublicClientApplication({ auth })
        .acquireTokenByUsernamePassword({ scopes: ['https://api.partnercenter.microsoft.com/user_impersonation'], username: 'admin@fabrikam.example', password: 'wrong' })),
      identitySecret: await caught(new ClientSecretCredential('fabrikam.example', '${DEMO.fabrikamAutomation}', 'wrong', { authorityHost: url, disableInstanceDiscovery: true })
        .getToken('https://api.partnercenter.microsoft.com/.default')),
    }));
  `);
  const msalSecret = errors.msalSecret as { name: string; errorCode: string; message: string };
  assert.equal(msalSecret.name, 'ServerError');
  assert.equal(msalSecret.errorCode, 'invalid_client');
  assert.match(msalSecret.message, /AADSTS7000215/);
  const msalPassword = errors.msalPassword as { name: string; errorCode: string; message: string };
  assert.equal(msalPassword.errorCode, 'invalid_grant');
  assert.match(msalPassword.message, /AADSTS50126/);
  const identitySecret = errors.identitySecret as { name: string; errorCode: string; message: string };
  // @azure/identity turns MSAL's ServerError into AuthenticationRequiredError, as it does with Entra.
  assert.equal(identitySecret.name, 'AuthenticationRequiredError');
  assert.match(identitySecret.message, /AADSTS7000215/);
});

test('why knownAuthorities: without it, msal-node first asks login.microsoftonline.com to validate the authority', async () => {
  // A recording network client (MSAL's documented INetworkModule) answers nothing outside this machine.
  const seen = await runProbe(`
    import { ConfidentialClientApplication } from '@azure/msal-node';
    const url = process.env.PCAPI_URL;
    const seen = [];
    const record = (url, options) => {
      seen.push(url);
      if (new URL(url).hostname !== 'localhost') return Promise.reject(new Error('offline: ' + new URL(url).host));
      return fetch(url, { method: options?.body ? 'POST' : 'GET', headers: options?.headers, body: options?.body })
        .then(async (r) => ({ status: r.status, headers: Object.fromEntries(r.headers), body: await r.json() }));
    };
    const msal = new ConfidentialClientApplication({
      auth: { clientId: '${DEMO.fabrikamAutomation}', clientSecret: '${DEMO.secret}', authority: url + '/fabrikam.example' },
      system: { networkClient: { sendGetRequestAsync: record, sendPostRequestAsync: record } },
    });
    const outcome = await msal.acquireTokenByClientCredential({ scopes: ['https://api.partnercenter.microsoft.com/.default'] })
      .then(() => 'token', (e) => e.errorCode);
    console.log(JSON.stringify({ outcome, seen }));
  `);
  assert.equal(seen.outcome, 'endpoints_resolution_error');
  assert.deepEqual(seen.seen, [`https://login.microsoftonline.com/common/discovery/instance?api-version=1.1&authorization_endpoint=${pcapi.url}/fabrikam.example/oauth2/v2.0/authorize`]);
});

test('why disableInstanceDiscovery: without it, @azure/identity asks login.microsoftonline.com first', async (t) => {
  // @azure/identity sends MSAL's requests through its own pipeline, which honours HTTPS_PROXY: a
  // recording proxy sees where they go and lets none through. pcapi itself is exempt (NO_PROXY).
  const connects: string[] = [];
  const proxy = createServer((_request, response) => response.writeHead(502).end());
  proxy.on('connect', (request, socket) => {
    connects.push(request.url ?? '');
    socket.destroy();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
  const outcome = await runProbe(
    `
    import { ClientSecretCredential } from '@azure/identity';
    const credential = new ClientSecretCredential('fabrikam.example', '${DEMO.fabrikamAutomation}', '${DEMO.secret}', { authorityHost: process.env.PCAPI_URL });
    const outcome = await credential.getToken('https://api.partnercenter.microsoft.com/.default').then(() => ({ name: 'token' }), (e) => ({ name: e.name, message: e.message }));
    console.log(JSON.stringify(outcome));
  `,
    { HTTPS_PROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, NO_PROXY: 'localhost,127.0.0.1' },
  );
  assert.equal(outcome.name, 'CredentialUnavailableError');
  assert.match(String(outcome.message), /endpoints_resolution_error/);
  assert.deepEqual(connects, ['login.microsoftonline.com:443']);
});

test('tokens from MSAL work for a customer pcapi denies, too: 403 with reasons, not an auth failure', async () => {
  const result = await runProbe(`
    import { ConfidentialClientApplication } from '@azure/msal-node';
    import { PartnerCenterClient, StaticTokenCredential, isPartnerCenterError } from '@pcapi/client';
    const url = process.env.PCAPI_URL;
    const msal = new ConfidentialClientApplication({ auth: { clientId: '${DEMO.fabrikamAutomation}', clientSecret: '${DEMO.secret}', authority: url + '/fabrikam.example', knownAuthorities: [new URL(url).host] } });
    const { accessToken } = await msal.acquireTokenByClientCredential({ scopes: ['https://api.partnercenter.microsoft.com/.default'] });
    const client = new PartnerCenterClient(url, new StaticTokenCredential(accessToken));
    const outcome = (id) => client.getCustomerOrganization(id).then((orgs) => ({ status: 200, name: orgs[0].displayName }), (e) => isPartnerCenterError(e) ? { status: e.statusCode, code: e.code, data: e.data } : { error: String(e) });
    console.log(JSON.stringify({ contoso: await outcome('${CONTOSO}'), tailspin: await outcome('${DEMO.tailspin}') }));
  `);
  assert.deepEqual(result.contoso, { status: 200, name: 'Contoso' });
  const tailspin = result.tailspin as { status: number; code: number; data: string[] };
  assert.equal(tailspin.status, 403);
  assert.equal(tailspin.code, 900308);
  assert.ok(tailspin.data.some((reason) => reason.startsWith('failed: relationship "Tailspin admins"')), tailspin.data.join('\n'));
});
