/**
 * Runs every program in packages/client/examples against a real pcapi, as a user would run it (a
 * child process, importing `@pcapi/client` by its package name), and checks that docs/client.md shows
 * each one verbatim, so the documentation cannot drift from code that works.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { promisify } from 'node:util';
// Type-only imports: erased at run time, but they make `npm run typecheck` check the examples.
import type * as _entraClientSecret from '../examples/entra-client-secret.js';
import type * as _azureIdentity from '../examples/azure-identity.js';
import type * as _localPcapi from '../examples/local-pcapi.js';
import type * as _callOptions from '../examples/call-options.js';
import type * as _handleErrors from '../examples/handle-errors.js';
import { closedPort, CONTOSO, DEMO, LITWARE, startTestServer } from './helpers/pcapi.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLES_DIR = new URL('../examples/', import.meta.url);
const DOCS = fileURLToPath(new URL('../../../docs/client.md', import.meta.url));
/** A self-signed certificate for localhost and 127.0.0.1 (valid until 2126), for pcapi over https. */
const TLS_CERT = fileURLToPath(new URL('fixtures/localhost-cert.pem', import.meta.url));
const TLS_KEY = fileURLToPath(new URL('fixtures/localhost-key.pem', import.meta.url));

const CONTOSO_JSON =
  '[{"street":"1 Microsoft Way","countryLetterCode":"US","postalCode":"98052-8300","city":"Redmond","state":"WA","displayName":"Contoso","technicalNotificationMails":["test@contoso.com"]}]';

/** Runs examples/<name>.ts with tsx; resolves with its exit code and output. */
async function runExample(name: string, env: Record<string, string>, args: string[] = []) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_TEST_CONTEXT; // the example is a program, not a test file
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', `examples/${name}.ts`, ...args], {
      cwd: PACKAGE_DIR,
      env: childEnv,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

test('docs/client.md shows every example verbatim', () => {
  const docs = readFileSync(DOCS, 'utf8');
  const examples = readdirSync(EXAMPLES_DIR).filter((name) => name.endsWith('.ts'));
  assert.equal(examples.length, 5);
  for (const name of examples) {
    const code = readFileSync(new URL(name, EXAMPLES_DIR), 'utf8');
    assert.ok(docs.includes('```ts\n' + code + '```'), `docs/client.md must show examples/${name} verbatim in a ts block`);
  }
});

test('entra-client-secret.ts: the Entra example, its authority and endpoint pointed at pcapi over https', async (t) => {
  const pcapi = await startTestServer(t, { tlsCert: TLS_CERT, tlsKey: TLS_KEY });
  assert.match(pcapi.url, /^https:\/\/localhost:\d+$/);
  const result = await runExample(
    'entra-client-secret',
    {
      NODE_EXTRA_CA_CERTS: TLS_CERT,
      AZURE_TENANT_ID: DEMO.fabrikam,
      AZURE_CLIENT_ID: DEMO.fabrikamAutomation,
      AZURE_CLIENT_SECRET: DEMO.secret,
      AZURE_AUTHORITY_HOST: pcapi.url,
      PARTNER_CENTER_ENDPOINT: pcapi.url,
    },
    [CONTOSO],
  );
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), JSON.parse(CONTOSO_JSON)[0]);
});

test('azure-identity.ts: @azure/identity ClientSecretCredential, unchanged, against pcapi over https', async (t) => {
  const pcapi = await startTestServer(t, { tlsCert: TLS_CERT, tlsKey: TLS_KEY });
  const result = await runExample('azure-identity', { NODE_EXTRA_CA_CERTS: TLS_CERT, PCAPI_URL: pcapi.url });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), CONTOSO_JSON);
});

test('local-pcapi.ts: ClientSecretCredential against a local pcapi over http', async (t) => {
  const pcapi = await startTestServer(t);
  const result = await runExample('local-pcapi', { PCAPI_URL: pcapi.url });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.trim(), CONTOSO_JSON);
});

test('call-options.ts: a static token and every per-call option', async (t) => {
  const pcapi = await startTestServer(t);
  const result = await runExample('call-options', { PCAPI_URL: pcapi.url, PCAPI_TOKEN: await pcapi.tokenFor('admin@fabrikam.example') });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout.trim(), /^[0-9a-f-]{36} Contoso$/);
});

test('handle-errors.ts: 403 with reasons and ids, 404, success, and an unreachable token endpoint', async (t) => {
  const pcapi = await startTestServer(t);
  const forbidden = await runExample('handle-errors', { PCAPI_URL: pcapi.url });
  assert.equal(forbidden.code, 1, forbidden.stderr);
  assert.match(forbidden.stdout, /^HTTP 403, Partner Center code 900308: Insufficient privileges/);
  assert.match(forbidden.stdout, /^ {2}failed: relationship .* expired on /m);
  assert.match(forbidden.stdout, /Quote MS-RequestId [0-9a-f-]{36} and MS-CorrelationId [0-9a-f-]{36} to support\.\n$/);

  const notFound = await runExample('handle-errors', { PCAPI_URL: pcapi.url }, [LITWARE]);
  assert.match(notFound.stdout, /^HTTP 404, Partner Center code 60003: Tenant not found/);

  const found = await runExample('handle-errors', { PCAPI_URL: pcapi.url }, [CONTOSO]);
  assert.equal(found.code, 0, found.stderr);
  assert.equal(found.stdout, 'Found Contoso\n');

  const unreachable = await runExample('handle-errors', { PCAPI_URL: `http://127.0.0.1:${await closedPort()}` });
  assert.equal(unreachable.code, 1, unreachable.stderr);
  assert.match(unreachable.stdout, /^No token \(HTTP none\): ClientSecretCredential could not reach the token endpoint\..*ECONNREFUSED/);
});
