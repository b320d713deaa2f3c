/**
 * What arrives before (or instead of) a well-formed request, on real sockets: malformed HTTP, method
 * tokens Node does not know, CONNECT, requests without Host or with an unknown Expect, bodies Fastify
 * cannot read. Every answer comes from the error catalog with the MS-* headers, its code agreeing
 * with its status, and never quotes the request.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { assertCatalogAnswer, exchange } from '../helpers/raw-http.js';
import { DEMO, startTestServer, type TestServer } from '../helpers/test-server.js';

const ORGANIZATION = `/v1/customers/${DEMO.contoso}/organization`;
/** Sent inside every malformed request; it must never come back. */
const MARKER = `pcapi-marker-${randomBytes(6).toString('hex')}`;

let pcapi: TestServer;
before(async () => {
  pcapi = await startTestServer(undefined);
});
after(async () => {
  await pcapi.close();
});

/** One request, its answer, and the connection closed by the server after it. */
async function refusal(bytes: string | (string | Buffer)[], options: { pauseMs?: number } = {}) {
  const result = await exchange(pcapi.url, bytes, { timeoutMs: 3000, ...options });
  assert.ok(!result.text.includes(MARKER), `the request is not quoted: ${result.text}`);
  return result;
}

test('malformed HTTP: 400 badRequest from the catalog, then the connection is closed', async () => {
  const malformed: Record<string, string> = {
    'bare CR in a header': `GET ${ORGANIZATION} HTTP/1.1\r\nHost: x\r\nX-A: ${MARKER}\rX-B: 1\r\n\r\n`,
    'obs-fold': `GET ${ORGANIZATION} HTTP/1.1\r\nHost: x\r\nX-A: a\r\n ${MARKER}\r\n\r\n`,
    'duplicate Content-Length': `POST /${DEMO.fabrikam}/oauth2/v2.0/token HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`,
    'Transfer-Encoding with Content-Length': `POST /${DEMO.fabrikam}/oauth2/v2.0/token HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    'bad chunk size': `POST /${DEMO.fabrikam}/oauth2/v2.0/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n${MARKER}\r\n`,
    'space before the header colon': `GET ${ORGANIZATION} HTTP/1.1\r\nHost: x\r\nX-${MARKER} : 1\r\n\r\n`,
    'NUL in a header value': `GET ${ORGANIZATION} HTTP/1.1\r\nHost: x\r\nX-A: ${MARKER}\0\r\n\r\n`,
    'unsupported HTTP version': `GET ${ORGANIZATION} HTTP/7.3\r\nHost: x\r\n\r\n`,
    'a method that is not a token': `G(T ${ORGANIZATION} HTTP/1.1\r\nHost: x\r\n\r\n`,
    'a request line without a version': `FOO ${ORGANIZATION}\r\nHost: x\r\n\r\n`,
    'PRI, the HTTP/2 preface, as a method': `PRI ${ORGANIZATION} HTTP/1.1\r\nHost: x\r\n\r\n`,
  };
  for (const [situation, bytes] of Object.entries(malformed)) {
    const result = await refusal(bytes);
    assert.equal(result.responses.length, 1, `${situation}: one answer`);
    assertCatalogAnswer(result.responses[0], 'badRequest', situation);
    assert.equal(result.responses[0]!.headers.connection, 'close', situation);
    assert.ok(result.closedByServer, `${situation}: the server closes the connection`);
  }
});

test('each refusal has fresh request ids', async () => {
  const ids = new Set<string>();
  for (let attempt = 0; attempt < 3; attempt++) {
    const { responses } = await refusal(`GET ${ORGANIZATION} HTTP/1.1\r\nHost: x\r\nMS-RequestId: ${DEMO.contoso}\r\nX: a\rb\r\n\r\n`);
    ids.add(responses[0]!.headers['ms-requestid']!);
    ids.add(responses[0]!.headers['ms-correlationid']!);
  }
  assert.equal(ids.size, 6);
});

test('any method other than GET and HEAD on the organization resource: 405 with Allow, before authentication', async () => {
  // Every method Node parses (Fastify routes only some), QUERY (known to some Node versions only),
  // tokens no parser knows, and a known one in the wrong case (methods are case-sensitive).
  const methods = [...new Set([...http.METHODS, 'QUERY'])].filter((method) => method !== 'GET' && method !== 'HEAD');
  methods.push('FOO', 'BREW', 'get', 'Post', 'X-CUSTOM_1!');
  for (const method of methods) {
    for (const authorization of ['', 'Authorization: Bearer garbage\r\n']) {
      const label = `${method}${authorization ? ' with a token' : ''}`;
      const { responses } = await refusal(`${method} ${ORGANIZATION} HTTP/1.1\r\nHost: x\r\n${authorization}Content-Length: 0\r\nConnection: close\r\n\r\n`);
      assertCatalogAnswer(responses[0], 'methodNotAllowed', label);
      assert.equal(responses[0]!.headers.allow, 'GET, HEAD', label);
      assert.equal(responses[0]!.headers['www-authenticate'], undefined, `${label}: 405 comes before authentication`);
    }
  }
});

test('the organization resource is recognized the same way for methods the router sees and for those it never sees', async () => {
  const spellings = [
    `/V1/Customers/${DEMO.contoso.toUpperCase()}/Organization`,
    `${ORGANIZATION}/`,
    `//v1//customers//${DEMO.contoso}//organization`,
    `${ORGANIZATION}?${MARKER}=1`,
    `/v1/%63ustomers/${DEMO.contoso}/organization`,
    `http://example.com${ORGANIZATION}`,
    '/v1/customers/not-a-guid/organization',
  ];
  const elsewhere = [`${ORGANIZATION}x`, `/v1/customers/${DEMO.contoso}`, '/v1/customers//organization', '/', '*', `/v1/customers/a/b/organization`];
  for (const [target, expected] of [...spellings.map((path) => [path, 'methodNotAllowed'] as const), ...elsewhere.map((path) => [path, 'routeNotFound'] as const)]) {
    // PROPFIND is routed by Fastify; FOO never reaches it.
    for (const method of ['PROPFIND', 'FOO']) {
      const { responses } = await refusal(`${method} ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assertCatalogAnswer(responses[0], expected, `${method} ${target}`);
    }
  }
});

test('an unknown method on any other path: 404 routeNotFound, whatever its body', async () => {
  const token = `/${DEMO.fabrikam}/oauth2/v2.0/token`;
  const cases = [
    `FOO /nowhere HTTP/1.1\r\nHost: x\r\n\r\n`,
    `FOO ${token} HTTP/1.1\r\nHost: x\r\n\r\n`,
    `PROPFIND ${token} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    `CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n`,
    // Fastify reads a body before it knows no route matches: the path still decides.
    `QUERY /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    `POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: 4\r\nConnection: close\r\n\r\n<a/>`,
    `POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1\r\nConnection: close\r\n\r\n{`,
  ];
  for (const bytes of cases) {
    const { responses } = await refusal(bytes);
    assertCatalogAnswer(responses[0], 'routeNotFound', bytes.split('\r\n')[0]);
  }
});

test('an unknown method whose request line arrives in pieces, or after a served request, is still answered by its target', async () => {
  const pieces = await refusal(['FO', `O ${ORGANIZATION.slice(0, 20)}`, `${ORGANIZATION.slice(20)} HTTP/1.1\r\n`, 'Host: x\r\n\r\n'], { pauseMs: 50 });
  assertCatalogAnswer(pieces.responses[0], 'methodNotAllowed', 'in pieces');

  const keepAlive = await refusal(`GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\nSEARCHX ${ORGANIZATION} HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.equal(keepAlive.responses.length, 2, keepAlive.text);
  assertCatalogAnswer(keepAlive.responses[0], 'routeNotFound', 'first request');
  assertCatalogAnswer(keepAlive.responses[1], 'methodNotAllowed', 'second request, a method token starting like a known one');
});

test('CONNECT on the organization resource: 405 like any other method', async () => {
  const { responses } = await refusal(`CONNECT ${ORGANIZATION} HTTP/1.1\r\nHost: x\r\n\r\n`);
  assertCatalogAnswer(responses[0], 'methodNotAllowed', 'CONNECT');
  assert.equal(responses[0]!.headers.allow, 'GET, HEAD');
});

test('requests Node would answer by itself reach pcapi: no Host (a catalog 400), or an Expect it does not know', async () => {
  const hostless = await refusal(`GET ${ORGANIZATION} HTTP/1.1\r\nConnection: close\r\n\r\n`);
  assertCatalogAnswer(hostless.responses[0], 'badRequest', 'no Host');
  assert.match(hostless.text, /no Host header/);
  const http10 = await refusal(`GET ${ORGANIZATION} HTTP/1.0\r\n\r\n`);
  assertCatalogAnswer(http10.responses[0], 'tokenMissing', 'HTTP/1.0 needs no Host');

  const expectation = await refusal(`GET ${ORGANIZATION} HTTP/1.1\r\nHost: x\r\nExpect: ${MARKER}\r\nConnection: close\r\n\r\n`);
  assertCatalogAnswer(expectation.responses[0], 'tokenMissing', 'Expect: unknown');

  const token = await pcapi.tokenFor(DEMO.fabrikamAutomation);
  const served = await refusal(`GET ${ORGANIZATION} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nExpect: x\r\nConnection: close\r\n\r\n`);
  assert.equal(served.responses[0]?.status, 200, served.text);
});

test('framework refusals never quote the body they could not read', async () => {
  const tokenUrl = `${pcapi.url}/${DEMO.fabrikam}/oauth2/v2.0/token`;
  const response = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `${MARKER}{` });
  const text = await response.text();
  assert.equal(response.status, 400);
  assert.ok(!text.includes(MARKER.slice(0, 8)), text);
  assert.match(text, /"data":\["failed: the body is not valid JSON"\]/);
});
