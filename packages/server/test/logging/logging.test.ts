/**
 * The logger (logging.ts) and the lines the app writes through it: redaction by configuration, the
 * request ids on every line about a request, --log-requests' one line per answer, pretty output.
 * Lines are captured in memory from the real pino logger.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { findSecrets, knownSecrets } from '../../../../scripts/check-log-secrets.mjs';
import { createLogger, REDACTED } from '../../src/logging.js';
import { buildInjectApp, DEMO } from '../helpers/inject-app.js';

/** A destination that keeps every line written to it. */
function memoryLog() {
  const text: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text.push(String(chunk));
      done();
    },
  });
  const lines = () => text.join('').split('\n').filter((line) => line !== '');
  return { stream, lines, entries: () => lines().map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const TOKEN_PATH = '/fabrikam.example/oauth2/v2.0/token';
const CORRELATION_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const REQUEST_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const KNOWN = knownSecrets();

async function clientCredentialsToken(app: Awaited<ReturnType<typeof buildInjectApp>>): Promise<string> {
  const response = await app.fetch(TOKEN_PATH, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret, scope: 'https://api.partnercenter.microsoft.com/.default' }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { access_token: string }).access_token;
}

test('secrets are redacted under every name, at the top of a line and in headers, forms, bodies and errors; error codes stay', () => {
  const log = memoryLog();
  const logger = createLogger({ level: 'trace', format: 'json', destination: log.stream })!;
  const secret = 'Sup3r-S3cret-pw';
  logger.info({
    password: secret, client_secret: secret, access_token: secret, refresh_token: secret, id_token: secret, code: secret, device_code: secret,
    assertion: secret, client_assertion: secret,
    headers: { authorization: `Bearer ${secret}`, cookie: secret, 'set-cookie': secret, 'x-pcapi-admin-key': secret, accept: 'application/json' },
    req: { headers: { authorization: secret } },
    form: { grant_type: 'password', username: 'a@b.example', password: secret, code_verifier: secret },
    body: { clientSecret: secret, refreshToken: secret },
    err: Object.assign(new Error('refused'), { code: 'ECONNREFUSED', password: secret }),
  }, 'everything at once');
  const [line] = log.lines();
  assert.ok(line, 'one line');
  assert.equal(line.includes(secret), false, line);
  const entry = JSON.parse(line) as Record<string, Record<string, unknown>>;
  assert.equal(entry.password, REDACTED);
  assert.equal(entry.code, REDACTED);
  assert.equal(entry.headers!.authorization, REDACTED);
  assert.equal(entry.headers!['x-pcapi-admin-key'], REDACTED);
  assert.equal(entry.headers!.accept, 'application/json', 'other headers stay');
  assert.equal(entry.form!.username, 'a@b.example', 'other fields stay');
  assert.equal(entry.err!.code, 'ECONNREFUSED', "an error's code is not an OAuth code");
  assert.equal(entry.err!.password, REDACTED);
  assert.deepEqual(findSecrets(line, [secret]), []);
});

test('--log-requests: one line per answer with the request ids, route, path without its query, status, duration, partner and customer', async (t) => {
  const log = memoryLog();
  const app = await buildInjectApp(t, { logRequests: 'true' }, { logger: createLogger({ level: 'info', format: 'json', destination: log.stream }) });
  const token = await clientCredentialsToken(app);
  const response = await app.fetch(`/v1/customers/${DEMO.contoso}/organization?secret=in-the-query`, {
    headers: { authorization: `Bearer ${token}`, 'ms-requestid': REQUEST_ID, 'ms-correlationid': CORRELATION_ID },
  });
  assert.equal(response.status, 200);
  const missing = await app.fetch('/v1/customers/not-a-guid/organization', { headers: { authorization: `Bearer ${token}` } });
  assert.equal(missing.status, 400);

  const requests = log.entries().filter((entry) => entry.msg === 'request answered');
  assert.equal(requests.length, 3, 'the token request and two calls');
  const [tokenLine, organization, refused] = requests;
  assert.deepEqual([tokenLine!.method, tokenLine!.route, tokenLine!.path, tokenLine!.status], ['POST', '/:tenant/oauth2/v2.0/token', TOKEN_PATH, 200]);
  assert.equal(tokenLine!.tenant, undefined, 'no caller at the token endpoint');
  assert.deepEqual(
    { requestId: organization!.requestId, correlationId: organization!.correlationId, method: organization!.method, route: organization!.route, path: organization!.path, status: organization!.status, tenant: organization!.tenant, customer: organization!.customer },
    { requestId: REQUEST_ID, correlationId: CORRELATION_ID, method: 'GET', route: '/v1/customers/:customerTenantId/organization', path: `/v1/customers/${DEMO.contoso}/organization`, status: 200, tenant: DEMO.fabrikam, customer: DEMO.contoso },
  );
  assert.equal(typeof organization!.ms, 'number');
  assert.equal(refused!.status, 400);
  assert.equal(refused!.requestId, missing.headers.get('ms-requestid'));
  assert.equal(refused!.correlationId, missing.headers.get('ms-correlationid'));
  for (const line of log.lines()) assert.deepEqual(findSecrets(line, KNOWN), [], line);
  assert.equal(log.lines().some((line) => line.includes('in-the-query')), false, 'the query string is not logged');
});

test('without --log-requests an answered request writes no line', async (t) => {
  const log = memoryLog();
  // logRequests stated: the helper turns it on when the suite's logs are collected.
  const app = await buildInjectApp(t, {}, { logger: createLogger({ level: 'trace', format: 'json', destination: log.stream }), logRequests: false });
  const token = await clientCredentialsToken(app);
  assert.equal((await app.getOrganization(DEMO.contoso, { token })).status, 200);
  assert.deepEqual(log.entries().filter((entry) => entry.msg === 'request answered'), []);
});

test('an unexpected error is logged with MS-RequestId and MS-CorrelationId (the store closed under the app)', async (t) => {
  const log = memoryLog();
  const app = await buildInjectApp(t, {}, { logger: createLogger({ level: 'info', format: 'json', destination: log.stream }) });
  await app.store.close();
  const response = await app.fetch(TOKEN_PATH, {
    method: 'POST',
    headers: { 'ms-requestid': REQUEST_ID, 'ms-correlationid': CORRELATION_ID },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret, scope: 'https://api.partnercenter.microsoft.com/.default' }),
  });
  assert.equal(response.status, 500);
  const errors = log.entries().filter((entry) => entry.level === 50);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.msg, 'unexpected error');
  assert.equal(errors[0]!.requestId, REQUEST_ID);
  assert.equal(errors[0]!.correlationId, CORRELATION_ID);
  for (const line of log.lines()) assert.deepEqual(findSecrets(line, KNOWN), [], line);
});

test('a body that is not valid JSON is refused without its text in the logs (the parser quotes it)', async (t) => {
  const log = memoryLog();
  const app = await buildInjectApp(t, {}, { logger: createLogger({ level: 'trace', format: 'json', destination: log.stream }) });
  const response = await app.fetch(TOKEN_PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"client_secret":"Sup3r-S3cret-pw",' });
  assert.equal(response.status, 400);
  const refusals = log.entries().filter((entry) => entry.msg === 'request refused by the framework');
  assert.equal(refusals.length, 1);
  assert.equal(refusals[0]!.errorCode, 'FST_ERR_CTP_INVALID_JSON_BODY');
  assert.equal(refusals[0]!.requestId, response.headers.get('ms-requestid'));
  assert.equal(log.lines().some((line) => line.includes('Sup3r')), false);
});

test('pretty format: human-readable lines, redacted the same way', () => {
  const log = memoryLog();
  const logger = createLogger({ level: 'info', format: 'pretty', destination: log.stream })!;
  logger.info({ requestId: REQUEST_ID, headers: { authorization: 'Bearer abcdefghijkl' } }, 'pcapi is serving');
  const text = log.lines().join('\n');
  assert.match(text, /INFO.*pcapi is serving/);
  assert.match(text, new RegExp(`requestId: "${REQUEST_ID}"`));
  assert.match(text, /"authorization": "\[redacted\]"/);
  assert.throws(() => JSON.parse(log.lines()[0]!), 'not JSON');
  assert.equal(text.includes('abcdefghijkl'), false);
});

test('level silent: no logger at all (Fastify keeps its no-op one)', () => {
  assert.equal(createLogger({ level: 'silent', format: 'json' }), undefined);
});
