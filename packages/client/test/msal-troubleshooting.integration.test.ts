/**
 * The rows of docs/client.md's "Troubleshooting endpoints_resolution_error" table that
 * third-party-clients.integration.test.ts does not already produce (it produces the missing
 * knownAuthorities and disableInstanceDiscovery): an untrusted certificate, and 127.0.0.1 in the
 * authority while pcapi publishes localhost. Each runs the unmodified library in a child process
 * against pcapi served over https, touching nothing but this machine (knownAuthorities, or
 * disableInstanceDiscovery, is set in every probe), and checks the exact text the table shows.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runNode, TLS_CERT, TLS_KEY } from './helpers/child-node.js';
import { DEMO, startTestServer, type TestServer } from './helpers/pcapi.js';

const DOCS = fileURLToPath(new URL('../../../docs/client.md', import.meta.url));
const MESSAGE = 'endpoints_resolution_error: See https://aka.ms/msal.js.errors#endpoints_resolution_error for details';

let pcapi: TestServer;
before(async () => {
  pcapi = await startTestServer(undefined, { tlsCert: TLS_CERT, tlsKey: TLS_KEY });
  assert.match(pcapi.url, /^https:\/\/localhost:\d+$/);
});
after(() => pcapi.close());

const msalProbe = (authority: string, known: string) => `
  import { ConfidentialClientApplication } from '@azure/msal-node';
  const msal = new ConfidentialClientApplication({
    auth: { clientId: '${DEMO.fabrikamAutomation}', clientSecret: '${DEMO.secret}', authority: '${authority}', knownAuthorities: ['${known}'] },
  });
  const outcome = await msal.acquireTokenByClientCredential({ scopes: ['https://api.partnercenter.microsoft.com/.default'] })
    .then(() => ({ name: 'token' }), (e) => ({ name: e.name, errorCode: e.errorCode, message: e.message }));
  console.log(JSON.stringify(outcome));
`;

async function probe(source: string, env: Record<string, string> = {}): Promise<{ name: string; errorCode?: string; message?: string }> {
  const result = await runNode(pcapi.url, ['--input-type=module', '-e', source], env);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as { name: string; errorCode?: string; message?: string };
}

test('docs/client.md shows the exact message, and a row for each mistake', () => {
  const docs = readFileSync(DOCS, 'utf8');
  assert.ok(docs.includes('```text\n' + MESSAGE + '\n```'));
  for (const row of ['**The certificate is not trusted**', '**`127.0.0.1` instead of `localhost`**', '**without `knownAuthorities`**', '**without `disableInstanceDiscovery: true`**']) {
    assert.ok(docs.includes(`| ${row}`) || docs.includes(row), `a row for ${row}`);
  }
});

test('msal-node, certificate not trusted (no NODE_EXTRA_CA_CERTS): ClientAuthError endpoints_resolution_error', async () => {
  const host = new URL(pcapi.url).host;
  const outcome = await probe(msalProbe(`${pcapi.url}/fabrikam.example`, host), { NODE_EXTRA_CA_CERTS: '' });
  assert.deepEqual(outcome, { name: 'ClientAuthError', errorCode: 'endpoints_resolution_error', message: MESSAGE });
});

test('msal-node with 127.0.0.1 in the authority while pcapi publishes localhost: the same error; with localhost, a token', async () => {
  const port = new URL(pcapi.url).port;
  const outcome = await probe(msalProbe(`https://127.0.0.1:${port}/fabrikam.example`, `127.0.0.1:${port}`));
  assert.deepEqual(outcome, { name: 'ClientAuthError', errorCode: 'endpoints_resolution_error', message: MESSAGE });
  // The certificate names 127.0.0.1 too, so the discovery document is read: its issuer is the difference.
  const discovery = await probe(`
    const d = await (await fetch('https://127.0.0.1:${port}/fabrikam.example/v2.0/.well-known/openid-configuration')).json();
    console.log(JSON.stringify({ name: new URL(d.issuer).host }));
  `);
  assert.equal(discovery.name, `localhost:${port}`);
  assert.deepEqual(await probe(msalProbe(`https://localhost:${port}/fabrikam.example`, `localhost:${port}`)), { name: 'token' });
});

test('@azure/identity, certificate not trusted: CredentialUnavailableError with the same message', async () => {
  const outcome = await probe(
    `
    import { ClientSecretCredential } from '@azure/identity';
    const credential = new ClientSecretCredential('fabrikam.example', '${DEMO.fabrikamAutomation}', '${DEMO.secret}', { authorityHost: process.env.PCAPI_URL, disableInstanceDiscovery: true });
    const outcome = await credential.getToken('https://api.partnercenter.microsoft.com/.default').then(() => ({ name: 'token' }), (e) => ({ name: e.name, message: e.message }));
    console.log(JSON.stringify(outcome));
  `,
    { NODE_EXTRA_CA_CERTS: '' },
  );
  assert.deepEqual(outcome, { name: 'CredentialUnavailableError', message: MESSAGE });
});
