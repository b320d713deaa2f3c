/**
 * The token endpoint's handling of what a request carries: one client-authentication method per
 * request (RFC 6749 §2.3), and request values repeated in error descriptions cut to a bounded length
 * with no control characters.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ECHO_LIMIT, echoed, OAuthError } from '../../src/surfaces/identity/oauth-errors.js';
import { buildInjectApp, DEMO, type InjectApp } from '../helpers/inject-app.js';

const PC = 'https://api.partnercenter.microsoft.com';
type Form = Record<string, string>;

const appForm = (extra: Form = {}): Form => ({ grant_type: 'client_credentials', client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret, scope: `${PC}/.default`, ...extra });
const userForm = (extra: Form = {}): Form => ({
  grant_type: 'password', client_id: DEMO.fabrikamAutomation, username: 'admin@fabrikam.example', password: DEMO.secret, scope: `${PC}/user_impersonation`, ...extra,
});
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function post(pcapi: InjectApp, form: Form, options: { authorization?: string; tenant?: string } = {}) {
  const response = await pcapi.inject({
    method: 'POST', url: `/${options.tenant ?? DEMO.fabrikam}/oauth2/v2.0/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(options.authorization ? { authorization: options.authorization } : {}) },
    payload: new URLSearchParams(form).toString(),
  });
  const body = JSON.parse(response.body) as Record<string, unknown>;
  return { status: response.statusCode, headers: response.headers, body, code: (body.error_codes as number[] | undefined)?.[0], description: String(body.error_description ?? '') };
}

test('HTTP Basic and client_secret in the body together are invalid_request, even when both are right', async (t) => {
  const pcapi = await buildInjectApp(t, { lockoutThreshold: '1' });
  const authorization = basic(DEMO.fabrikamAutomation, DEMO.secret);
  const cases: [string, Form][] = [
    ['client_secret', appForm()],
    ['client_secret without client_id', (({ client_id: _id, ...rest }) => rest)(appForm())],
    ['client_assertion', { ...appForm({ client_assertion: 'x.y.z', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' }) }],
    ['password grant with client_secret', userForm({ client_secret: DEMO.secret })],
  ];
  for (const [label, form] of cases) {
    const refused = await post(pcapi, form, { authorization });
    assert.equal(refused.status, 400, `${label}: ${JSON.stringify(refused.body)}`);
    assert.equal(refused.body.error, 'invalid_request', label);
    assert.equal(refused.code, 9002313, label);
    assert.match(refused.description, /more than one method/, label);
    assert.ok(!('access_token' in refused.body), label);
  }
  // Nothing was counted against the client: with a threshold of 1 a counted failure would lock it.
  assert.equal((await post(pcapi, appForm())).status, 200);
});

test('HTTP Basic with a client_id in the body: the same client is fine, another is invalid_request', async (t) => {
  const pcapi = await buildInjectApp(t);
  const authorization = basic(DEMO.fabrikamAutomation, DEMO.secret);
  const form = { grant_type: 'client_credentials', scope: `${PC}/.default` };
  assert.equal((await post(pcapi, { ...form, client_id: DEMO.fabrikamAutomation.toUpperCase() }, { authorization })).status, 200);
  const other = await post(pcapi, { ...form, client_id: DEMO.fabrikamReporting }, { authorization });
  assert.equal(other.status, 400);
  assert.equal(other.body.error, 'invalid_request');
  assert.match(other.description, /not the client of the HTTP Basic credentials/);
});

test('a malformed Basic header is not ignored in favour of the form\u2019s credentials', async (t) => {
  const pcapi = await buildInjectApp(t);
  for (const authorization of ['Basic', 'Basic !!!not-base64!!!', `Basic ${Buffer.from('no-colon').toString('base64')}`]) {
    const alone = await post(pcapi, { grant_type: 'client_credentials', scope: `${PC}/.default` }, { authorization });
    assert.equal(alone.status, 401, `${authorization}: ${JSON.stringify(alone.body)}`);
    assert.equal(alone.body.error, 'invalid_client');
    const withForm = await post(pcapi, appForm(), { authorization });
    assert.equal(withForm.status, 400, `${authorization}: ${JSON.stringify(withForm.body)}`);
    assert.equal(withForm.body.error, 'invalid_request');
  }
  // Another scheme is not client authentication: the form's credentials are used.
  assert.equal((await post(pcapi, appForm(), { authorization: 'Bearer something' })).status, 200);
});

/** Control characters, bidi and zero-width marks, line separators; and astral characters to cut through. */
const NASTY_START = 'a\u0000b\u0007c\r\nd\u001b[31me\u007f\u0085f\u2028g\u202eh\u200bi';
const NASTY = NASTY_START + '\u{1F600}'.repeat(200);
/** A path segment stays under the router's 256-character limit once percent-encoded. */
const NASTY_TENANT = NASTY_START + 'x'.repeat(70);
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** What a description must repeat of `value`: its first 64 characters, each unsafe one replaced, then "…". */
function expectedEcho(value: string): string {
  return `${Array.from(value).slice(0, ECHO_LIMIT).map((c) => (UNSAFE.test(c) ? '\uFFFD' : c)).join('')}…`;
}

test('a parameter given twice is invalid_request (RFC 6749 §3.1), at the token endpoint, /devicecode and /authorize', async (t) => {
  const pcapi = await buildInjectApp(t);
  const twice = (form: Form, name: string, second: string) => `${new URLSearchParams(form)}&${name}=${encodeURIComponent(second)}`;
  for (const [form, name, second] of [
    [userForm(), 'password', 'other'],
    [userForm(), 'client_id', DEMO.fabrikamAutomation],
    [appForm(), 'scope', `${PC}/.default`],
  ] as const) {
    const response = await pcapi.inject({
      method: 'POST', url: `/${DEMO.fabrikam}/oauth2/v2.0/token`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: twice(form, name, second),
    });
    assert.equal(response.statusCode, 400, name);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    assert.equal(body.error, 'invalid_request');
    assert.deepEqual(body.error_codes, [9002313]);
    assert.match(String(body.error_description), new RegExp(`the parameter '${name}' appears more than once`));
  }
  const device = await pcapi.inject({
    method: 'POST', url: '/fabrikam.example/oauth2/v2.0/devicecode', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `client_id=${DEMO.fabrikamAutomation}&scope=openid&scope=profile`,
  });
  assert.equal(device.statusCode, 400);
  assert.match(JSON.parse(device.body).error_description, /'scope' appears more than once/);
  // Two states: which one to send back cannot be told, so the error is shown and nothing is redirected.
  const authorize = await pcapi.inject({
    method: 'GET', url: `/fabrikam.example/oauth2/v2.0/authorize?client_id=${DEMO.fabrikamAutomation}&response_type=code&redirect_uri=https%3A%2F%2Flocalhost%2Fcallback&state=a&state=b`,
  });
  assert.equal(authorize.statusCode, 400);
  assert.equal(authorize.headers.location, undefined);
  assert.match(authorize.body, /AADSTS9002313/);
});

test('an error\'s correlation_id is the client-request-id MSAL sent (query, header or form), echoed in a header; else the request\'s own', async (t) => {
  const pcapi = await buildInjectApp(t);
  const id = '0a1b2c3d-1111-4222-8333-444455556666';
  const failing = userForm({ password: 'wrong' });
  for (const where of ['query', 'header', 'form'] as const) {
    const response = await pcapi.inject({
      method: 'POST', url: `/${DEMO.fabrikam}/oauth2/v2.0/token${where === 'query' ? `?client-request-id=${id.toUpperCase()}` : ''}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(where === 'header' ? { 'client-request-id': id } : {}) },
      payload: new URLSearchParams(where === 'form' ? { ...failing, 'client-request-id': id } : failing).toString(),
    });
    assert.equal(response.statusCode, 400, where);
    assert.equal(JSON.parse(response.body).correlation_id, id, where);
    assert.equal(response.headers['client-request-id'], id, where);
  }
  // Not a GUID: not taken; the error still has a correlation id of its own.
  const odd = await pcapi.inject({
    method: 'POST', url: `/${DEMO.fabrikam}/oauth2/v2.0/token`, headers: { 'content-type': 'application/x-www-form-urlencoded', 'client-request-id': '<script>' },
    payload: new URLSearchParams(failing).toString(),
  });
  assert.match(JSON.parse(odd.body).correlation_id, /^[0-9a-f-]{36}$/);
  assert.equal(odd.headers['client-request-id'], undefined);
});

test("Entra's codes: client credentials at /common or /organizations is 50059, a request without scope 900144", async (t) => {
  const pcapi = await buildInjectApp(t);
  for (const tenant of ['common', 'organizations']) {
    const answer = await post(pcapi, appForm(), { tenant });
    assert.deepEqual([answer.status, answer.body.error, answer.code], [400, 'invalid_request', 50059], tenant);
  }
  const { scope: _scope, ...noScope } = appForm();
  for (const form of [noScope, appForm({ scope: ' ' }), userForm({ scope: '' })]) {
    const answer = await post(pcapi, form as Form);
    assert.deepEqual([answer.status, answer.code], [400, 900144], JSON.stringify(form));
    assert.match(answer.description, /'scope'/);
  }
});

test('every answer names itself in x-ms-request-id, as Entra\'s do: an error by its trace_id', async (t) => {
  const pcapi = await buildInjectApp(t);
  const issued = await post(pcapi, appForm());
  assert.equal(issued.status, 200);
  assert.match(String(issued.headers['x-ms-request-id']), /^[0-9a-f-]{36}$/);
  const refused = await post(pcapi, appForm({ client_secret: 'wrong' }));
  assert.equal(refused.status, 401);
  assert.equal(refused.headers['x-ms-request-id'], refused.body.trace_id);
});

test('every echoed request value is cut to 64 characters and carries no control characters', async (t) => {
  const pcapi = await buildInjectApp(t, { lockoutThreshold: '0' });
  // Each case: the request, the value its description repeats, and the code it answers with.
  const cases: { label: string; form: Form; tenant?: string; echoes: string; code: number }[] = [
    { label: 'tenant', form: appForm(), tenant: NASTY_TENANT, echoes: NASTY_TENANT, code: 90002 },
    { label: 'grant_type', form: appForm({ grant_type: NASTY }), echoes: NASTY, code: 70003 },
    { label: 'client_id (client credentials)', form: appForm({ client_id: NASTY }), echoes: NASTY.toLowerCase(), code: 7000215 },
    { label: 'client_id (password grant, unknown app)', form: userForm({ client_id: NASTY }), echoes: NASTY.toLowerCase(), code: 700016 },
    { label: 'scope resource', form: appForm({ scope: `${NASTY}/.default` }), echoes: NASTY, code: 500011 },
    { label: 'scope permission', form: appForm({ scope: `${PC}/${NASTY}` }), echoes: `${PC}/${NASTY}`, code: 1002012 },
  ];
  for (const { label, form, tenant, echoes, code } of cases) {
    const answer = await post(pcapi, form, tenant === undefined ? {} : { tenant: encodeURIComponent(tenant) });
    assert.equal(answer.code, code, `${label}: ${JSON.stringify(answer.body)}`);
    // Entra's own lines (message, Trace ID, Correlation ID, Timestamp) are the only line breaks.
    const [message, ...framing] = answer.description.split('\r\n');
    assert.deepEqual(framing.map((line) => line.split(':')[0]), ['Trace ID', 'Correlation ID', 'Timestamp'], label);
    assert.doesNotMatch([message, ...framing].join(' '), UNSAFE, `${label}: ${JSON.stringify(answer.description)}`);
    assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(answer.description), `${label}: half a surrogate pair`);
    assert.ok(answer.description.includes(expectedEcho(echoes)), `${label}: ${JSON.stringify(answer.description)}`);
  }
});

test('echoed() cuts whole characters; an OAuthError never renders a control character, however it was built', () => {
  assert.equal(echoed('short'), 'short');
  assert.equal(echoed('x'.repeat(ECHO_LIMIT)), 'x'.repeat(ECHO_LIMIT));
  assert.equal(echoed('x'.repeat(ECHO_LIMIT + 1)), `${'x'.repeat(ECHO_LIMIT)}…`);
  assert.equal(echoed('\u{1F600}'.repeat(ECHO_LIMIT + 5)), `${'\u{1F600}'.repeat(ECHO_LIMIT)}…`);
  assert.equal(echoed('a\nb\u202ec'), 'a\uFFFDb\uFFFDc');
  const body = new OAuthError(400, 'invalid_request', 900144, 'raw \r\n\u0000 value').body('00000000-0000-4000-8000-000000000000', Date.UTC(2026, 5, 1));
  assert.match(body.error_description, /^AADSTS900144: raw \uFFFD\uFFFD\uFFFD value\r\nTrace ID: /);
});
