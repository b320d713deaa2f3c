/**
 * Methods a Graph URL does not have: 405 with `Allow` naming those it has (OData 4.0, 9.2.2), in Graph's
 * error body, before authentication and before any body is read; the methods it has are untouched.
 * Every path of the OpenAPI document is tried, so a new route gets its 405s, and the document states them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildOpenApiDocument } from '../../src/surfaces/openapi/openapi-document.js';
import { buildInjectApp, DEMO, TEST_PUBLIC_URL } from '../helpers/inject-app.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const document = buildOpenApiDocument({ serverUrl: TEST_PUBLIC_URL, version: '0.0.0' }) as { paths: Record<string, Record<string, { summary?: string; operationId?: string }>> };
const graphPaths = Object.entries(document.paths).filter(([path]) => path.startsWith('/v1.0/'));
const isRefused = (operation: { operationId?: string } | undefined) => operation?.operationId?.endsWith('Refused') === true;
/** A concrete URL for a documented path: parameters filled with a GUID-shaped id. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, '13bba13f-49f8-49aa-8a22-1fe70d695fcb');

test('every method a Graph path does not have is 405 with Allow, before authentication; the document says the same', async (t) => {
  const pcapi = await buildInjectApp(t);
  let refused = 0;
  for (const [path, item] of graphPaths) {
    const answered = METHODS.filter((method) => item[method] && !isRefused(item[method]));
    const allow = answered.flatMap((method) => (method === 'get' ? ['GET', 'HEAD'] : [method.toUpperCase()])).join(', ');
    assert.ok(answered.length > 0, `${path} answers some method`);
    for (const method of METHODS.filter((candidate) => !answered.includes(candidate))) {
      assert.ok(isRefused(item[method]), `${method.toUpperCase()} ${path} is documented as refused`);
      assert.match(item[method]!.summary!, new RegExp(`Allow: ${allow}\``));
      // No token, and a body that is not JSON: neither is looked at.
      const response = await pcapi.inject({ method: method.toUpperCase() as 'PUT', url: concrete(path), headers: { 'content-type': 'application/json', 'client-request-id': 'a1b2c3d4-0000-4000-8000-000000000001' }, payload: '{not json' });
      assert.equal(response.statusCode, 405, `${method.toUpperCase()} ${path}: ${response.body}`);
      assert.equal(response.headers.allow, allow, `${method.toUpperCase()} ${path}`);
      const body = response.json() as { error: { code: string; message: string; innerError: Record<string, string> } };
      assert.equal(body.error.code, 'Request_BadRequest');
      assert.equal(body.error.message, 'Specified HTTP method is not allowed for the request target.');
      assert.equal(body.error.innerError['client-request-id'], 'a1b2c3d4-0000-4000-8000-000000000001');
      assert.ok(response.headers['request-id'], 'Graph\'s request-id header');
      refused++;
    }
  }
  assert.ok(refused >= 40, `${refused} refused (path, method) pairs tried`);
});

test('the methods a Graph path has still authenticate first, HEAD goes with GET, and an unknown path is still 404', async (t) => {
  const pcapi = await buildInjectApp(t);
  const relationships = '/v1.0/tenantRelationships/delegatedAdminRelationships';
  assert.equal((await pcapi.inject({ method: 'GET', url: relationships })).statusCode, 401);
  assert.equal((await pcapi.inject({ method: 'HEAD', url: relationships })).statusCode, 401);
  assert.equal((await pcapi.inject({ method: 'POST', url: relationships, payload: {} })).statusCode, 401);
  // With a token, a refused method is still 405: the method, not the caller, is wrong.
  const token = await pcapi.tokenFor(DEMO.fabrikamAutomation, { audience: 'https://graph.microsoft.com', roles: ['DelegatedAdminRelationship.ReadWrite.All'] });
  const refused = await pcapi.inject({ method: 'DELETE', url: relationships, headers: { authorization: `Bearer ${token}` } });
  assert.equal(refused.statusCode, 405);
  assert.equal(refused.headers.allow, 'GET, HEAD, POST');
  assert.equal((await pcapi.inject({ method: 'PUT', url: '/v1.0/no/such/resource', headers: { authorization: `Bearer ${token}` } })).statusCode, 404);
});
