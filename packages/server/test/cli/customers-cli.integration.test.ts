/**
 * `pcapi customers organization get` as a user runs it: a child process against a real listening
 * pcapi (and, for 429 and 5xx, a real node:http proxy in front of it), checking stdout, stderr and
 * every exit code. The console examples in docs/client.md are run too and must print what they show.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, test, type TestContext } from 'node:test';
import { CUSTOMERS_ENV } from '../../src/cli/customers-command.js';
import { EXIT, EXIT_CODE_TABLE } from '../../src/cli/customers-exit-codes.js';
import { CONTOSO_BODY, DEMO, startTestServer, type TestServer } from '../helpers/test-server.js';
import { pcapiCommand } from '../helpers/pcapi-command.js';
import { closedPort } from '../helpers/ports.js';
import { runPcapi, runProgram, type CliRun } from '../helpers/run-cli.js';

const DOCS = fileURLToPath(new URL('../../../../docs/client.md', import.meta.url));
const TLS_CERT = fileURLToPath(new URL('../../../client/test/fixtures/localhost-cert.pem', import.meta.url));
const TLS_KEY = fileURLToPath(new URL('../../../client/test/fixtures/localhost-key.pem', import.meta.url));

const CONTOSO_TABLE = `displayName                 Contoso
street                      1 Microsoft Way
city                        Redmond
state                       WA
postalCode                  98052-8300
countryLetterCode           US
technicalNotificationMails  test@contoso.com
`;
const CONTOSO_JSON = `${JSON.stringify(JSON.parse(CONTOSO_BODY), null, 2)}\n`;

let pcapi: TestServer;
before(async () => {
  pcapi = await startTestServer(undefined);
});
after(() => pcapi.close());

type CliResult = CliRun;

/** `pcapi ARGS` in a child process (or `program ARGS`), with no PCAPI_* variable inherited from the test's environment. */
function pcapiCli(args: string[], env: Record<string, string> = {}, program?: string[]): Promise<CliResult> {
  return program ? runProgram(program[0]!, [...program.slice(1), ...args], { env }) : runPcapi(args, { env });
}

const get = (customer: string, ...args: string[]) => ['customers', 'organization', 'get', customer, ...args];
/** App-only sign-in with the demo app against a pcapi at `url` (its own issuer), over http. */
const appOnly = (url: string) => ['--endpoint', url, '--authority-host', url, '--allow-insecure', '--tenant', 'fabrikam.example', '--client-id', DEMO.fabrikamAutomation, '--client-secret', DEMO.secret];

function assertExit(result: CliResult, code: number, stderr?: RegExp): void {
  assert.equal(result.code, code, `exit code ${result.code}, stderr: ${result.stderr}`);
  if (code !== EXIT.success) assert.equal(result.stdout, '', 'nothing on stdout when the command fails');
  if (stderr) assert.match(result.stderr, stderr);
}

interface Proxy {
  url: string;
  /** Paths of the requests it received. */
  seen: string[];
}

/**
 * A real HTTP proxy in front of `target`: `answer(path)` returns a canned answer, or undefined to
 * forward the request (so token requests reach pcapi while the API is faulted).
 */
async function startProxy(t: TestContext, target: string | undefined, answer: (path: string) => { status: number; headers?: Record<string, string>; body: string } | undefined): Promise<Proxy> {
  const seen: string[] = [];
  const server = createServer(async (req, res) => {
    const path = req.url ?? '/';
    seen.push(path);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const canned = answer(path);
    if (canned || !target) {
      const { status, headers, body } = canned ?? { status: 502, body: '' };
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(body);
      return;
    }
    const upstream = await fetch(`${target}${path}`, {
      method: req.method ?? 'GET',
      headers: Object.entries(req.headers).filter(([name]) => !['host', 'connection', 'content-length'].includes(name)).map(([name, value]) => [name, String(value)]),
      body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
    });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** A port nothing listens on (bound, then released), for "connection refused". */
// --- help -------------------------------------------------------------------------------------

test('--help on pcapi, customers, customers organization and customers organization get', async () => {
  const top = await pcapiCli(['--help']);
  assertExit(top, 0);
  assert.match(top.stdout, /^ {2}customers\b.*Partner Center's customer APIs/m);

  const customers = await pcapiCli(['customers', '--help']);
  assertExit(customers, 0);
  assert.match(customers.stdout, /^Usage: pcapi customers \[options\] \[command\]/);
  assert.match(customers.stdout, /^ {2}organization\b/m);

  const organization = await pcapiCli(['customers', 'organization', '--help']);
  assertExit(organization, 0);
  assert.match(organization.stdout, /^Usage: pcapi customers organization \[options\] \[command\]/);
  assert.match(organization.stdout, /^ {2}get \[options\] <customer-tenant-id>/m);

  const getHelp = await pcapiCli(['customers', 'organization', 'get', '--help']);
  assertExit(getHelp, 0);
  assert.match(getHelp.stdout, /^Usage: pcapi customers organization get \[options\] <customer-tenant-id>/);
  for (const flag of ['--output', '--endpoint', '--token', '--tenant', '--client-id', '--client-secret', '--authority-host', '--allow-insecure', '--max-retries']) {
    assert.ok(getHelp.stdout.includes(flag), `--help lists ${flag}`);
  }
  const flat = getHelp.stdout.replace(/\s+/g, ' '); // commander wraps option descriptions
  for (const variable of Object.values(CUSTOMERS_ENV)) assert.ok(flat.includes(`env: ${variable}`), `--help names ${variable}`);
  for (const [code, meaning] of EXIT_CODE_TABLE) assert.ok(getHelp.stdout.includes(`  ${code}  ${meaning}`), `--help lists exit code ${code}`);

  // `help` as a command, and a group without its subcommand (bad usage: help on stderr, exit 2).
  assertExit(await pcapiCli(['customers', 'organization', 'help', 'get']), 0);
  const bare = await pcapiCli(['customers', 'organization']);
  assert.equal(bare.code, EXIT.usage);
  assert.match(bare.stderr, /Usage: pcapi customers organization/);
});

// --- success ----------------------------------------------------------------------------------

test('--token: JSON on stdout by default when stdout is not a terminal, nothing on stderr', async () => {
  const token = await pcapi.tokenFor('admin@fabrikam.example');
  const result = await pcapiCli(get(DEMO.contoso, '--endpoint', pcapi.url, '--allow-insecure', '--token', token));
  assertExit(result, EXIT.success);
  assert.equal(result.stdout, CONTOSO_JSON);
  assert.equal(result.stderr, '');
});

test('PCAPI_TOKEN and PCAPI_ENDPOINT with --output table', async () => {
  const result = await pcapiCli(get(DEMO.contoso, '--output', 'table', '--allow-insecure'), { PCAPI_TOKEN: await pcapi.tokenFor(DEMO.fabrikamAutomation), PCAPI_ENDPOINT: pcapi.url });
  assertExit(result, EXIT.success);
  assert.equal(result.stdout, CONTOSO_TABLE);
  assert.equal(result.stderr, '');
});

test('client credentials against pcapi\u2019s issuer: flags with -o json, environment variables with -o table', async () => {
  const byFlags = await pcapiCli(get(DEMO.contoso, '-o', 'json', ...appOnly(pcapi.url)));
  assertExit(byFlags, EXIT.success);
  assert.equal(byFlags.stdout, CONTOSO_JSON);

  const byEnv = await pcapiCli(get(DEMO.contoso, '-o', 'table', '--allow-insecure'), {
    PCAPI_ENDPOINT: pcapi.url,
    PCAPI_AUTHORITY_HOST: pcapi.url,
    PCAPI_TENANT: DEMO.fabrikam,
    PCAPI_CLIENT_ID: DEMO.fabrikamAutomation,
    PCAPI_CLIENT_SECRET: DEMO.secret,
  });
  assertExit(byEnv, EXIT.success);
  assert.equal(byEnv.stdout, CONTOSO_TABLE);
});

test('a table by default when stdout is a terminal (under script(1))', async (t) => {
  const probe = await pcapiCli(['-qec', 'true', '/dev/null'], {}, ['script']).catch(() => undefined);
  if (probe?.code !== 0) return t.skip('script(1) is not available to give the command a terminal');
  const command = [...(await pcapiCommand()), ...get(DEMO.contoso, ...appOnly(pcapi.url))].join(' ');
  const result = await pcapiCli(['-qec', command, '/dev/null'], {}, ['script']);
  assert.equal(result.code, EXIT.success, result.stdout);
  assert.equal(result.stdout.replace(/\r\n/g, '\n'), CONTOSO_TABLE);
});

test('over https with the self-signed certificate: trusted by NODE_EXTRA_CA_CERTS, or exit 6 with a hint', async (t) => {
  const tls = await startTestServer(t, { tlsCert: TLS_CERT, tlsKey: TLS_KEY });
  assert.match(tls.url, /^https:\/\/localhost:\d+$/);
  const args = get(DEMO.contoso, '--endpoint', tls.url, '--authority-host', tls.url, '--tenant', 'fabrikam.example', '--client-id', DEMO.fabrikamAutomation, '--max-retries', '0');
  const trusted = await pcapiCli(args, { NODE_EXTRA_CA_CERTS: TLS_CERT, PCAPI_CLIENT_SECRET: DEMO.secret });
  assertExit(trusted, EXIT.success);
  assert.equal(trusted.stdout, CONTOSO_JSON);

  const untrusted = await pcapiCli(args, { PCAPI_CLIENT_SECRET: DEMO.secret });
  assertExit(untrusted, EXIT.network, /^pcapi: could not reach the token endpoint: .*(SELF_SIGNED|CERT)/);
  assert.match(untrusted.stderr, /NODE_EXTRA_CA_CERTS/);
});

// --- exit code 2: bad usage, nothing sent --------------------------------------------------------

test('exit 2 for bad usage, before any request is sent', async (t) => {
  const recorder = await startProxy(t, undefined, () => ({ status: 500, body: '{}' }));
  const url = recorder.url;
  const token = ['--token', 'not-checked'];
  const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['customer id not a GUID', get('contoso', '--endpoint', url, '--allow-insecure', ...token), {}, /must be the customer's Microsoft Entra tenant id, a GUID/],
    ['no credentials', get(DEMO.contoso, '--endpoint', url, '--allow-insecure'), {}, /no credentials: give --token/],
    ['part of the client credentials', get(DEMO.contoso, '--endpoint', url, '--allow-insecure', '--tenant', 'fabrikam.example', '--client-id', DEMO.fabrikamAutomation), {}, /missing --client-secret \(or PCAPI_CLIENT_SECRET\)/],
    ['a token and client credentials, both by flags', get(DEMO.contoso, ...appOnly(url), ...token), {}, /give either --token, or --tenant, --client-id and --client-secret, not both/],
    ['a token and client credentials, both from the environment', get(DEMO.contoso, '--endpoint', url, '--allow-insecure'), { PCAPI_TOKEN: 'x', PCAPI_TENANT: 'fabrikam.example' }, /not both/],
    ['an http endpoint without --allow-insecure', get(DEMO.contoso, '--endpoint', url, ...token), {}, /the endpoint http:\/\/127\.0\.0\.1:\d+ is not https: add --allow-insecure/],
    ['an http authority host without --allow-insecure', get(DEMO.contoso, ...appOnly(url).filter((arg) => arg !== '--allow-insecure')), {}, /the authority host http:\/\/127\.0\.0\.1:\d+ is not https/],
    ['an unknown cloud', get(DEMO.contoso, '--endpoint', 'mars', ...token), {}, /--endpoint: endpoint must be a cloud name \(global, china\) or an http\(s\) URL/],
    ['an authority host that is not a URL', get(DEMO.contoso, ...appOnly(url), '--authority-host', 'login'), {}, /--authority-host must be an http\(s\) URL/],
    ['an unknown output format', get(DEMO.contoso, '--endpoint', url, '--allow-insecure', ...token, '--output', 'yaml'), {}, /Allowed choices are json, table/],
    ['a bad --max-retries', get(DEMO.contoso, '--endpoint', url, '--allow-insecure', ...token, '--max-retries', '-1'), {}, /expected a whole number from 0 to 99/],
    ['an unknown option', get(DEMO.contoso, '--endpoint', url, '--allow-insecure', ...token, '--verbose'), {}, /unknown option '--verbose'/],
    ['no customer id', ['customers', 'organization', 'get', ...token], {}, /missing required argument 'customer-tenant-id'/],
  ];
  for (const [name, args, env, stderr] of cases) {
    const result = await pcapiCli(args, env);
    assert.equal(result.code, EXIT.usage, `${name}: exit ${result.code}, stderr: ${result.stderr}`);
    assert.match(result.stderr, stderr, name);
    assert.equal(result.stdout, '', name);
  }
  assert.deepEqual(recorder.seen, [], 'no request was sent for bad usage');
});

test('a kind of credential given by flags beats the other kind from the environment', async () => {
  const token = await pcapi.tokenFor(DEMO.fabrikamAutomation);
  // PCAPI_TOKEN is a stale value; the client credentials on the command line win.
  const flagsWin = await pcapiCli(get(DEMO.contoso, ...appOnly(pcapi.url)), { PCAPI_TOKEN: 'stale' });
  assertExit(flagsWin, EXIT.success);
  // And the other way round: --token beats exported client credentials (a wrong secret here).
  const tokenWins = await pcapiCli(get(DEMO.contoso, '--endpoint', pcapi.url, '--allow-insecure', '--token', token), {
    PCAPI_TENANT: 'fabrikam.example',
    PCAPI_CLIENT_ID: DEMO.fabrikamAutomation,
    PCAPI_CLIENT_SECRET: 'wrong',
  });
  assertExit(tokenWins, EXIT.success);
});

// --- exit code 3: authentication ----------------------------------------------------------------

test('exit 3: a bad or expired token (401, reasons on stderr), or a wrong client secret', async () => {
  const bad = await pcapiCli(get(DEMO.contoso, '--endpoint', pcapi.url, '--allow-insecure', '--token', 'not-a-jwt'));
  assertExit(bad, EXIT.authentication, /^pcapi: not authenticated: HTTP 401, Partner Center code \d+: .+\n {2}failed: the token is not a well-formed JWT\n {2}MS-RequestId [0-9a-f-]{36}, MS-CorrelationId [0-9a-f-]{36}\n$/);

  const expiredToken = await pcapi.tokenFor(DEMO.fabrikamAutomation, { issuedAtOffsetSeconds: -7200, lifetimeSeconds: 3600 });
  const expired = await pcapiCli(get(DEMO.contoso, '--endpoint', pcapi.url, '--allow-insecure', '--token', expiredToken));
  assertExit(expired, EXIT.authentication, /^ {2}failed: the token expired at /m);

  const wrongSecret = await pcapiCli(get(DEMO.contoso, ...appOnly(pcapi.url), '--client-secret', 'Not-The-Secret-42'));
  assertExit(wrongSecret, EXIT.authentication, /^pcapi: could not get a token: .*\(HTTP 401\)\. invalid_client: AADSTS7000215: /);
  assert.ok(!wrongSecret.stderr.includes('Not-The-Secret-42'), 'the secret is not echoed');
});

// --- exit code 4: denied or not found -----------------------------------------------------------

test('exit 4: 403 on Tailspin with each denial reason on its own line of stderr', async () => {
  const result = await pcapiCli(get(DEMO.tailspin, ...appOnly(pcapi.url)));
  assertExit(result, EXIT.deniedOrNotFound, /^pcapi: access denied: HTTP 403, Partner Center code 900308: Insufficient privileges: /);
  const lines = result.stderr.trimEnd().split('\n');
  assert.ok(lines.includes('  passed: application Fabrikam Automation is in AdminAgents of partner Fabrikam'), result.stderr);
  assert.ok(lines.some((line) => /^ {2}failed: relationship "Tailspin admins" \([0-9a-f-]{36}\) expired on \d{4}-\d\d-\d\dT/.test(line)), result.stderr);
  assert.match(lines.at(-1)!, /^ {2}MS-RequestId [0-9a-f-]{36}, MS-CorrelationId [0-9a-f-]{36}$/);

  // The same reasons the API puts in `data`, one per line.
  const response = await pcapi.getOrganization(DEMO.tailspin, { token: await pcapi.tokenFor(DEMO.fabrikamAutomation) });
  const body = (await response.json()) as { data: string[] };
  const reasons = body.data.map((reason) => reason.replace(/expired on \S+/, 'expired on'));
  const printed = lines.slice(1, -1).map((line) => line.trim().replace(/expired on \S+/, 'expired on'));
  assert.deepEqual(printed, reasons);
});

test('exit 4: 404 on Litware', async () => {
  const result = await pcapiCli(get(DEMO.litware, ...appOnly(pcapi.url)));
  assertExit(result, EXIT.deniedOrNotFound, /^pcapi: not found: HTTP 404, Partner Center code 60003: Tenant not found/);
  assert.match(result.stderr, /^ {2}failed: customer a37498d5-9fac-4190-8428-523bb25d1ade is not a customer of partner Fabrikam$/m);
});

// --- exit code 5: throttled ---------------------------------------------------------------------

test('exit 5: still 429 after the retries, through a proxy that always throttles (Retry-After: 1)', async (t) => {
  const gatewayBody = JSON.stringify({ statusCode: 429, message: 'Rate limit is exceeded. Try again in 1 seconds.' });
  const proxy = await startProxy(t, pcapi.url, (path) => (path.startsWith('/v1/') ? { status: 429, headers: { 'retry-after': '1' }, body: gatewayBody } : undefined));
  const result = await pcapiCli(get(DEMO.contoso, ...appOnly(proxy.url), '--max-retries', '1'));
  assertExit(result, EXIT.throttled, /^pcapi: throttled: HTTP 429, Partner Center code 429: Rate limit is exceeded\. Try again in 1 seconds\.\n {2}the service asks to wait 1 s \(Retry-After\) before trying again\n/);
  const apiCalls = proxy.seen.filter((path) => path.startsWith('/v1/'));
  assert.equal(apiCalls.length, 2, 'the first attempt and one retry');
  assert.ok(proxy.seen.some((path) => path.endsWith('/oauth2/v2.0/token')), 'the token came from pcapi through the proxy');
  assert.ok(result.ms >= 1000, `waited Retry-After (${Math.round(result.ms)} ms)`);
});

// --- exit code 6: network -----------------------------------------------------------------------

test('exit 6: nothing listening, at the API or at the token endpoint', async () => {
  const port = await closedPort();
  const api = await pcapiCli(get(DEMO.contoso, '--endpoint', `http://127.0.0.1:${port}`, '--allow-insecure', '--token', 'x', '--max-retries', '0'));
  assertExit(api, EXIT.network, /^pcapi: could not reach Partner Center: Could not send GET http:\/\/127\.0\.0\.1:\d+\/v1\/customers\/.* ECONNREFUSED/);

  const retried = await pcapiCli(get(DEMO.contoso, '--endpoint', `http://127.0.0.1:${port}`, '--allow-insecure', '--token', 'x', '--max-retries', '1'));
  assertExit(retried, EXIT.network, /\(2 attempts\)/);

  const issuer = await pcapiCli(get(DEMO.contoso, ...appOnly(pcapi.url), '--authority-host', `http://127.0.0.1:${port}`));
  assertExit(issuer, EXIT.network, /^pcapi: could not reach the token endpoint: Could not send POST http:\/\/127\.0\.0\.1:\d+\/fabrikam\.example\/oauth2\/v2\.0\/token: .*ECONNREFUSED/);
});

// --- exit code 7: other error answers -----------------------------------------------------------

test('exit 7: a 5xx after the retries, or a success whose body is not organizations', async (t) => {
  const serverError = await startProxy(t, pcapi.url, (path) =>
    path.startsWith('/v1/') ? { status: 500, body: JSON.stringify({ code: 500, description: 'Internal error.', data: [], source: 'PartnerFD' }) } : undefined,
  );
  const failed = await pcapiCli(get(DEMO.contoso, ...appOnly(serverError.url), '--max-retries', '0'));
  assertExit(failed, EXIT.serverError, /^pcapi: the request failed: HTTP 500, Partner Center code 500: Internal error\.\n/);

  const garbled = await startProxy(t, pcapi.url, (path) => (path.startsWith('/v1/') ? { status: 200, body: '<html>maintenance</html>' } : undefined));
  const unreadable = await pcapiCli(get(DEMO.contoso, ...appOnly(garbled.url)));
  assertExit(unreadable, EXIT.serverError, /^pcapi: unexpected answer: Partner Center answered 200 with a body that is not a list of organizations: the body is not JSON\.\n  MS-RequestId /);
});

test('text from the server cannot reach the terminal as control characters', async (t) => {
  const hostile = await startProxy(t, pcapi.url, (path) =>
    path.startsWith('/v1/') ? { status: 403, body: JSON.stringify({ code: 900308, description: 'Denied\u001b[2J', data: ['line one\nline two\u001b]0;title\u0007'], source: 'PartnerFD' }) } : undefined,
  );
  const result = await pcapiCli(get(DEMO.contoso, ...appOnly(hostile.url)));
  assertExit(result, EXIT.deniedOrNotFound);
  assert.ok(!/[\u0000-\u0009\u000b-\u001f\u007f]/.test(result.stderr), JSON.stringify(result.stderr));
  assert.match(result.stderr, /^ {2}line one line two ]0;title$/m);
});

// --- docs ---------------------------------------------------------------------------------------

/** The `console` blocks of docs/client.md's CLI section: `$ command` lines, then what it prints. */
function documentedSessions(): Array<{ command: string; output: string }> {
  const docs = readFileSync(DOCS, 'utf8');
  const section = docs.slice(docs.indexOf('## The command line'), docs.indexOf('\n## ', docs.indexOf('## The command line') + 1));
  assert.ok(section.length > 100, 'docs/client.md has a "## The command line" section');
  return [...section.matchAll(/```console\n([\s\S]*?)```/g)].map((match) => {
    const lines = match[1]!.split('\n');
    let command = lines.shift()!;
    assert.ok(command.startsWith('$ '), 'a console block starts with "$ command"');
    while (command.endsWith('\\')) command = `${command.slice(0, -1)} ${lines.shift()!.trim()}`;
    return { command: command.slice(2), output: lines.join('\n') };
  });
}

test('docs/client.md: the exit-code table is the code\u2019s, and each console example prints what it shows', async () => {
  const docs = readFileSync(DOCS, 'utf8');
  for (const [code, meaning] of EXIT_CODE_TABLE) assert.ok(docs.includes(`\n| \`${code}\` | ${meaning} |\n`), `docs/client.md lists exit code ${code} as "${meaning}"`);
  for (const variable of Object.values(CUSTOMERS_ENV)) assert.ok(docs.includes(`\`${variable}\``), `docs/client.md names ${variable}`);

  const sessions = documentedSessions();
  assert.ok(sessions.length >= 3, 'the CLI section shows at least three console sessions');
  const mask = (text: string) => text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<guid>').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>');
  for (const { command, output } of sessions) {
    // `[NAME=value ...] npx pcapi ...[; echo "exit code $?"]`, the documented pcapi URL replaced by the test's.
    const echo = /; echo "exit code \$\?"$/.exec(command);
    const words = command.slice(0, echo ? echo.index : undefined).replaceAll('http://127.0.0.1:8080', pcapi.url).split(/\s+/);
    const env: Record<string, string> = {};
    while (/^[A-Z_]+=/.test(words[0] ?? '')) {
      const [name, ...value] = words.shift()!.split('=');
      env[name!] = value.join('=');
    }
    assert.deepEqual(words.slice(0, 2), ['npx', 'pcapi'], command);
    assert.ok(!words.some((word) => /["'$`]/.test(word)), `keep documented commands free of shell quoting: ${command}`);
    const result = await pcapiCli(words.slice(2), env);
    const printed = result.stdout + result.stderr + (echo ? `exit code ${result.code}\n` : '');
    assert.equal(mask(printed), mask(output), command);
    if (!echo) assert.equal(result.code, EXIT.success, command);
  }
});
