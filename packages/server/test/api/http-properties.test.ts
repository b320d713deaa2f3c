/**
 * Property-based tests over the HTTP surface (fast-check through inject): random methods, paths,
 * headers, tokens (real ones mutated) and token-endpoint bodies. Whatever arrives, pcapi never answers
 * 5xx, always answers with a body of its catalogs and the MS-* headers, and never reflects a request
 * header value into a response header. Seeds are printed on failure, so a failing case replays.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { ERROR_CATALOG } from '../../src/surfaces/partner-center/errors/catalog.js';
import { buildInjectApp, DEMO, type InjectApp } from '../helpers/inject-app.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RUNS = Number(process.env.PCAPI_FUZZ_RUNS ?? 2000);
const PC = 'https://api.partnercenter.microsoft.com';

let pcapi: InjectApp;
let tokens: string[];
const counts = { requests: 0, byStatus: new Map<number, number>() };

before(async () => {
  pcapi = await buildInjectApp(undefined, { throttleTenant: '50/1', throttleTenantCustomer: '20/1' });
  tokens = await Promise.all([
    pcapi.tokenFor(DEMO.fabrikamAutomation),
    pcapi.tokenFor('admin@fabrikam.example'),
    pcapi.tokenFor('guest@fabrikam.example'),
    pcapi.tokenFor(DEMO.adatumAutomation),
  ]);
});
after(async () => {
  await pcapi.close();
  const statuses = [...counts.byStatus.entries()].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join(', ');
  console.log(`# http properties: ${counts.requests} requests, ${statuses}`);
});

const catalogBodies = Object.values(ERROR_CATALOG).map((entry) => ({ status: entry.status as number, code: entry.code, description: entry.description as string }));
/** The organization resource, whatever the case or a trailing slash, with a segment the router can read. */
const ORGANIZATION_RESOURCE = /^\/v1\/customers\/(?!\.\.?\/)[A-Za-z0-9._~!$&'()*+,;=:@-]+\/organization\/?$/i;

/** A printable-ASCII string that may carry the characters attackers like (quotes, CR/LF as text, %-escapes). */
const headerText = fc.stringMatching(/^[\x20-\x7e]{0,80}$/);

/** A real token, damaged in one of the ways a forger or a broken client would. */
const mutatedToken = fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('flip', 'truncate', 'swap-segments', 'append', 'alg-none', 'drop-signature', 'as-is')).map(([which, at, how]) => {
  const token = tokens[which % tokens.length]!;
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const position = at % token.length;
  switch (how) {
    case 'flip': return token.slice(0, position) + (token[position] === 'A' ? 'B' : 'A') + token.slice(position + 1);
    case 'truncate': return token.slice(0, position);
    case 'swap-segments': return [payload, header, signature].join('.');
    case 'append': return `${token}.${token}`;
    case 'alg-none': return `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    case 'drop-signature': return `${header}.${payload}.`;
    default: return token;
  }
});

const authorization = fc.oneof(
  { arbitrary: fc.nat().map((which) => `Bearer ${tokens[which % tokens.length]}`), weight: 4 },
  { arbitrary: mutatedToken.map((token) => `Bearer ${token}`), weight: 3 },
  headerText,
  headerText.map((text) => `Bearer ${text}`),
  fc.constantFrom('Basic dXNlcjpwYXNz', 'Bearer', 'bearer  ', 'Bearer a.b.c', ''),
);

const customerSegment = fc.oneof(
  fc.constantFrom(DEMO.contoso, DEMO.northwind, DEMO.tailspin, DEMO.woodgrove, DEMO.litware, DEMO.contoso.toUpperCase()),
  fc.uuid(),
  fc.stringMatching(/^[A-Za-z0-9%._~!$&'()*+,;=:@-]{0,60}$/),
);

const path = fc.oneof(
  { arbitrary: customerSegment.map((id) => `/v1/customers/${id}/organization`), weight: 6 },
  { arbitrary: customerSegment.map((id) => `/V1/Customers/${id}/Organization/`), weight: 2 },
  fc.tuple(customerSegment, fc.stringMatching(/^[A-Za-z0-9%._~-]{0,20}$/)).map(([id, tail]) => `/v1/customers/${id}/${tail}`),
  fc.stringMatching(/^\/[A-Za-z0-9%._~!$&'()*+,;=:@\/-]{0,80}$/),
  fc.constantFrom('/', '/v1', '/v1/customers', `/${DEMO.fabrikam}/v2.0/.well-known/openid-configuration`, `/${DEMO.fabrikam}/discovery/v2.0/keys`),
  fc.tuple(fc.constantFrom('fabrikam.example', DEMO.fabrikam, 'nope.example', 'common', '%00'), fc.stringMatching(/^[a-z=&._-]{0,20}$/)).map(([tenant, query]) => `/${tenant}/oauth2/v2.0/token?${query}`),
);

const method = fc.oneof({ arbitrary: fc.constant('GET'), weight: 8 }, fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND', 'SEARCH', 'LOCK', 'QUERY', 'MKCOL', 'COPY'));

const formBody = fc.dictionary(
  fc.constantFrom('grant_type', 'client_id', 'client_secret', 'scope', 'username', 'password', 'client_assertion', 'client_info', 'x'),
  fc.oneof(headerText, fc.constantFrom('client_credentials', 'password', DEMO.fabrikamAutomation, DEMO.secret, `${PC}/.default`, 'admin@fabrikam.example')),
).map((fields) => new URLSearchParams(fields).toString());

const body = fc.oneof(fc.constant(undefined), formBody, headerText, fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)));

const request = fc.record({
  method,
  path,
  authorization: fc.option(authorization, { nil: undefined }),
  requestId: fc.option(fc.oneof(fc.uuid(), headerText), { nil: undefined }),
  correlationId: fc.option(fc.oneof(fc.uuid(), headerText), { nil: undefined }),
  cv: fc.option(headerText, { nil: undefined }),
  contentType: fc.option(fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded; charset=latin1'), { nil: undefined }),
  body,
});

type Request = typeof request extends fc.Arbitrary<infer T> ? T : never;

/** Sends one generated request and checks every property; returns nothing, throws on a violation. */
async function check(generated: Request): Promise<void> {
  const headers: Record<string, string> = {};
  if (generated.authorization !== undefined) headers.authorization = generated.authorization;
  if (generated.requestId !== undefined) headers['ms-requestid'] = generated.requestId;
  if (generated.correlationId !== undefined) headers['ms-correlationid'] = generated.correlationId;
  if (generated.cv !== undefined) headers['ms-cv'] = generated.cv;
  if (generated.contentType !== undefined) headers['content-type'] = generated.contentType;
  const sendsBody = generated.body !== undefined && !['GET', 'HEAD'].includes(generated.method);
  const response = await pcapi.inject({
    method: generated.method as 'GET', url: generated.path, headers,
    ...(sendsBody ? { payload: generated.body } : {}),
  });
  counts.requests++;
  counts.byStatus.set(response.statusCode, (counts.byStatus.get(response.statusCode) ?? 0) + 1);
  const label = `${generated.method} ${generated.path} → ${response.statusCode} ${response.body.slice(0, 200)}`;

  assert.ok(response.statusCode < 500 || response.statusCode === 503, `no server error: ${label}`);
  assert.match(String(response.headers['ms-requestid']), GUID, `MS-RequestId: ${label}`);
  assert.match(String(response.headers['ms-correlationid']), GUID, `MS-CorrelationId: ${label}`);
  assert.ok(response.headers['ms-cv'] && response.headers['ms-serverid'], `MS-CV and MS-ServerId: ${label}`);
  if (GUID.test(generated.requestId ?? '')) assert.equal(response.headers['ms-requestid'], generated.requestId);
  if (ORGANIZATION_RESOURCE.test(generated.path) && !['GET', 'HEAD'].includes(generated.method)) {
    assert.equal(response.statusCode, 405, `any other method on the organization resource: ${label}`);
    assert.equal(response.headers.allow, 'GET, HEAD', label);
  }

  // Nothing the caller sent comes back in a response header, except a well-formed id where it belongs.
  const sent = Object.values(headers).filter((value) => value.length >= 8 && !GUID.test(value) && !/^application\//.test(value));
  for (const [name, value] of Object.entries(response.headers)) {
    // The challenge's fixed opening (`Bearer realm="..."`) is pcapi's own text, whatever was sent.
    const own = String(value).replace(/^Bearer realm="[^"]*"/, '');
    for (const text of sent) assert.ok(!own.includes(text), `header ${name} reflects the request: ${label}`);
  }

  if (generated.method === 'HEAD') return;
  assert.match(String(response.headers['content-type']), /^application\/json/, `JSON: ${label}`);
  const parsed = JSON.parse(response.body) as Record<string, unknown> | unknown[];
  if (response.statusCode === 200) return;
  if (Array.isArray(parsed)) assert.fail(`an array only on 200: ${label}`);
  if ('error' in parsed) {
    // The Entra surface: an OAuth error body.
    assert.equal(typeof parsed.error, 'string', label);
    assert.ok(Array.isArray(parsed.error_codes), label);
    return;
  }
  if ('statusCode' in parsed) {
    assert.equal(parsed.statusCode, response.statusCode, `gateway body code is the status: ${label}`);
    return;
  }
  assert.deepEqual(Object.keys(parsed), ['code', 'description', 'data', 'source'], label);
  const row = catalogBodies.find((entry) => entry.code === parsed.code && entry.description === parsed.description);
  assert.ok(row, `a catalog row: ${label}`);
  assert.equal(response.statusCode, row.status, `the status is the catalog row's: ${label}`);
}

test(`random requests (${RUNS} runs): never a 5xx, always a catalog body with the MS-* headers, never a reflected header`, async () => {
  await fc.assert(fc.asyncProperty(request, check), { numRuns: RUNS });
});

test('random token-endpoint forms: OAuth answers only, never a 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('fabrikam.example', DEMO.fabrikam, 'adatum.example', 'unknown.example'), formBody, async (tenant, form) => {
      await check({ method: 'POST', path: `/${tenant}/oauth2/v2.0/token`, authorization: undefined, requestId: undefined, correlationId: undefined, cv: undefined, contentType: 'application/x-www-form-urlencoded', body: form });
    }),
    { numRuns: Math.ceil(RUNS / 4) },
  );
});

const signInValue = fc.oneof(
  headerText,
  fc.constantFrom(
    DEMO.fabrikamAutomation, DEMO.fabrikamReporting, '04b07795-8ddb-461a-bbee-02f9e1bf7b46', 'https://localhost/callback', 'http://localhost:1234', 'https://evil.example/',
    'code', 'code id_token', 'token', 'query', 'form_post', 'fragment', 'none', 'consent', 'S256', 'plain', 'x'.repeat(43), `${PC}/user_impersonation offline_access openid`,
    'https://graph.microsoft.com/User.Read', 'authorization_code', 'refresh_token', 'device_code', 'urn:ietf:params:oauth:grant-type:device_code',
    'password', 'mfa', 'consent', 'approve', 'accept', 'admin@fabrikam.example', DEMO.secret, 'https://api.partnercenter.microsoft.com',
  ),
);
const signInFields = fc.dictionary(
  fc.constantFrom(
    'client_id', 'response_type', 'redirect_uri', 'scope', 'resource', 'response_mode', 'state', 'nonce', 'prompt', 'code_challenge', 'code_challenge_method',
    'login_hint', 'amr_values', 'client_info', 'grant_type', 'code', 'code_verifier', 'refresh_token', 'device_code', 'client_secret', 'flow', 'step',
    'login', 'passwd', 'action', 'otc',
  ),
  signInValue,
);
const signInRequest = fc.tuple(
  fc.constantFrom(
    'GET /T/oauth2/v2.0/authorize', 'GET /T/oauth2/authorize', 'POST /T/login', 'GET /devicelogin', 'POST /devicelogin', 'POST /T/oauth2/v2.0/devicecode',
    'POST /T/oauth2/devicecode', 'POST /T/oauth2/v2.0/token', 'POST /T/oauth2/token', 'GET /T/.well-known/openid-configuration', 'GET /common/discovery/instance',
  ),
  fc.constantFrom('fabrikam.example', DEMO.fabrikam, 'common', 'organizations', 'nope.example', '%00'),
  signInFields,
);

test('random sign-in requests (authorize, pages, device code, code and refresh grants): never a 5xx, always the MS-* headers', async () => {
  await fc.assert(
    fc.asyncProperty(signInRequest, async ([route, tenant, fields]) => {
      const [method, template] = route.split(' ') as [string, string];
      const query = new URLSearchParams(fields).toString();
      const url = template.replace('/T/', `/${tenant}/`) + (method === 'GET' ? `?${query}` : '');
      const response = await pcapi.inject({
        method: method as 'GET', url, ...(method === 'POST' ? { payload: query, headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
      });
      const label = `${method} ${url} → ${response.statusCode} ${response.body.slice(0, 200)}`;
      assert.ok(response.statusCode < 500, `no server error: ${label}`);
      assert.match(String(response.headers['ms-requestid']), GUID, `MS-RequestId: ${label}`);
      if (response.statusCode === 302) {
        // Only to a registered redirect URI of the demo apps.
        assert.match(String(response.headers.location), /^(https:\/\/localhost\/callback|http:\/\/localhost(:\d+)?\/?)[?#]/, label);
        return;
      }
      const type = String(response.headers['content-type']);
      assert.match(type, /^(application\/json|text\/html)/, label);
      if (type.startsWith('text/html')) assert.doesNotMatch(response.body, /<script>(?!document\.forms\[0\]\.submit\(\);<\/script>)/, `no script but the form_post one: ${label}`);
    }),
    { numRuns: RUNS },
  );
});
