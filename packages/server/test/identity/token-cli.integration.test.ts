/**
 * `pcapi token` as a child process against the data folder of a running server: the tokens it mints
 * are judged by that server over HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeJwt } from 'jose';
import { runPcapi, type CliRun } from '../helpers/run-cli.js';
import { CONTOSO_BODY, DEMO, startTestServer, type TestServer } from '../helpers/test-server.js';

const AZURE_CLI_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const UNKNOWN_TENANT = '7f9c3b1e-0a4d-4e2b-9c6f-1d2e3f4a5b6c';

let pcapi: TestServer;
let close: () => Promise<void>;

before(async () => {
  const started = await startTestServer(undefined);
  pcapi = started;
  close = started.close;
});
after(() => close());

/** Runs `pcapi token ARGS` (no PCAPI_* variables inherited). */
function pcapiToken(args: string[], { withPublicUrl = true } = {}): Promise<CliRun> {
  return runPcapi(['token', '--data-dir', pcapi.dataDir, ...(withPublicUrl ? ['--public-url', pcapi.url] : []), ...args]);
}

/** Mints with the CLI, expecting success and exactly one JWT on stdout. */
async function mint(args: string[], options?: { withPublicUrl?: boolean }): Promise<string> {
  const result = await pcapiToken(args, options);
  assert.equal(result.code, 0, result.stderr);
  const token = result.stdout.trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.equal(result.stdout, `${token}\n`);
  return token;
}

async function callApi(token: string) {
  const response = await pcapi.getOrganization(DEMO.contoso, { token });
  const text = await response.text();
  return { response, text, body: JSON.parse(text) as { code: number; data: string[] } };
}

async function assertRefused(token: string, code: number, reason: RegExp): Promise<void> {
  const { response, text, body } = await callApi(token);
  assert.equal(response.status, 401, text);
  assert.equal(body.code, code);
  assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/);
  assert.match(body.data.join(' '), reason);
}

test('--user admin@fabrikam.example mints an app+user token the server accepts', async () => {
  const token = await mint(['--user', 'admin@fabrikam.example']);
  const claims = decodeJwt(token);
  assert.equal(claims.iss, `${pcapi.url}/${DEMO.fabrikam}/v2.0`);
  assert.equal(claims.tid, DEMO.fabrikam);
  assert.equal(claims.upn, 'admin@fabrikam.example');
  assert.equal(claims.scp, 'user_impersonation');
  assert.equal(claims.appid, AZURE_CLI_CLIENT_ID);
  assert.ok(Array.isArray(claims.amr) && claims.amr.includes('mfa'));
  const { response, text } = await callApi(token);
  assert.equal(response.status, 200, text);
  assert.equal(text, CONTOSO_BODY);
});

test('--app <client id> --tenant fabrikam.example mints an app-only token the server accepts', async () => {
  const [byDomain, byGuid, withClient] = await Promise.all([
    mint(['--app', DEMO.fabrikamAutomation, '--tenant', 'fabrikam.example']),
    mint(['--app', DEMO.fabrikamAutomation, '--tenant', DEMO.fabrikam, '--lifetime', '120']),
    mint(['--user', 'admin@fabrikam.example', '--client-id', DEMO.fabrikamAutomation]),
  ]);
  const claims = decodeJwt(byDomain);
  assert.equal(claims.idtyp, 'app');
  assert.equal(claims.appid, DEMO.fabrikamAutomation);
  assert.ok(!('scp' in claims));
  const guidClaims = decodeJwt(byGuid);
  assert.equal((guidClaims.exp as number) - (guidClaims.iat as number), 120);
  assert.equal(decodeJwt(withClient).appid, DEMO.fabrikamAutomation);
  for (const token of [byDomain, byGuid, withClient]) {
    const { response, text } = await callApi(token);
    assert.equal(response.status, 200, text);
    assert.equal(text, CONTOSO_BODY);
  }
});

test('--expired, --not-yet-valid, --no-mfa and --audience each produce the matching 401', async () => {
  const [expired, notYetValid, noMfa, graph] = await Promise.all([
    mint(['--app', DEMO.fabrikamAutomation, '--tenant', 'fabrikam.example', '--expired']),
    mint(['--user', 'admin@fabrikam.example', '--not-yet-valid']),
    mint(['--user', 'admin@fabrikam.example', '--no-mfa']),
    mint(['--user', 'admin@fabrikam.example', '--audience', 'https://graph.microsoft.com']),
  ]);
  assert.ok((decodeJwt(expired).exp as number) < Date.now() / 1000 - 3000);
  assert.ok((decodeJwt(notYetValid).nbf as number) > Date.now() / 1000 + 3000);
  assert.deepEqual(decodeJwt(noMfa).amr, ['pwd']);
  assert.equal(decodeJwt(graph).aud, 'https://graph.microsoft.com');

  await assertRefused(expired, 400, /expired/);
  await assertRefused(notYetValid, 400, /not valid yet/);
  await assertRefused(noMfa, 900421, /multi-factor/);
  await assertRefused(graph, 400, /audience/);
});

test('--claim overrides claims: tid, a JSON value, and name= deleting a claim', async () => {
  const [otherTid, unknownTenant, noExp] = await Promise.all([
    mint(['--app', DEMO.fabrikamAutomation, '--tenant', 'fabrikam.example', '--claim', `tid=${DEMO.adatum}`, '--claim', 'roles=["a","b"]']),
    mint(['--app', DEMO.fabrikamAutomation, '--tenant', 'fabrikam.example', '--claim', `tid=${UNKNOWN_TENANT}`, '--claim', `iss=${pcapi.url}/${UNKNOWN_TENANT}/v2.0`]),
    mint(['--user', 'admin@fabrikam.example', '--claim', 'exp=']),
  ]);
  const claims = decodeJwt(otherTid);
  assert.equal(claims.tid, DEMO.adatum);
  assert.equal(claims.iss, `${pcapi.url}/${DEMO.fabrikam}/v2.0`);
  assert.deepEqual(claims.roles, ['a', 'b']);
  assert.ok(!('exp' in decodeJwt(noExp)));

  await assertRefused(otherTid, 400, /not trusted/);
  await assertRefused(unknownTenant, 400, /not a partner tenant/);
  await assertRefused(noExp, 400, /exp/);
});

test('without --public-url, on a store no pcapi serve recorded its URL in, the issuer is http://127.0.0.1:8080, which this server does not accept', async () => {
  const token = await mint(['--app', DEMO.fabrikamAutomation, '--tenant', 'fabrikam.example'], { withPublicUrl: false });
  assert.equal(decodeJwt(token).iss, `http://127.0.0.1:8080/${DEMO.fabrikam}/v2.0`);
  assert.notEqual(new URL(pcapi.url).port, '8080');
  await assertRefused(token, 400, /issuer .* is not trusted/);
});

test('bad usage exits with code 2 and says why on stderr', async () => {
  const cases: [string[], RegExp][] = [
    [['--user', 'admin@fabrikam.example', '--app', DEMO.fabrikamAutomation], /exactly one of --user .* or --app/],
    [[], /exactly one of --user .* or --app/],
    [['--user', 'ghost@fabrikam.example'], /no user ghost@fabrikam\.example/],
    [['--app', UNKNOWN_TENANT], /no app 7f9c3b1e-.* in any partner tenant of /],
    [['--app', DEMO.fabrikamAutomation, '--tenant', 'nowhere.example'], /no partner tenant "nowhere\.example"/],
    [['--app', DEMO.adatumAutomation, '--tenant', 'fabrikam.example'], /no app 8dc207ca/],
    [['--user', 'admin@fabrikam.example', '--claim', 'novalue'], /expected name=value/],
    [['--user', 'admin@fabrikam.example', '--lifetime', 'soon'], /whole seconds/],
    [['--user', 'admin@fabrikam.example', '--lifetime', '-5'], /at least 1/],
    [['--user', 'admin@fabrikam.example', '--lifetime', '0'], /at least 1/],
  ];
  const results = await Promise.all(cases.map(([args]) => pcapiToken(args)));
  results.forEach((result, index) => {
    const [args, message] = cases[index]!;
    assert.equal(result.code, 2, `${args.join(' ')}: exit ${result.code}, stderr ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
    assert.equal(result.stdout, '', args.join(' '));
  });
});
