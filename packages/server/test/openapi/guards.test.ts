/**
 * The refusals the OpenAPI document states for every operation of a surface, produced on every
 * operation it lists: Graph's 401 (no token) and 403 (a token without the permission), and the
 * emulator guard's 401 (wrong admin key) and 403 (not loopback, no key configured). The operations
 * come from the document, so one added there is checked here too.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import type { InjectOptions } from 'fastify';
import { EmulatedClock, ManualClock } from '../../src/clock.js';
import { DEMO_SEED_FILE } from '../../src/seed/import-seed.js';
import { buildOpenApiDocument } from '../../src/surfaces/openapi/openapi-document.js';
import { buildInjectApp, DEMO, TEST_EPOCH, TEST_PUBLIC_URL, type InjectApp } from '../helpers/inject-app.js';
import { documentedOperations, type CheckedDocument } from './status-coverage.js';

const operations = documentedOperations(buildOpenApiDocument({ serverUrl: TEST_PUBLIC_URL, version: '0' }) as CheckedDocument);
const under = (prefix: string) => operations.filter(({ route }) => route.startsWith(prefix));
/** A concrete URL for a route: every parameter a fresh GUID. */
const urlOf = (route: string) => route.replace(/:[A-Za-z]+/g, () => randomUUID());

function request(method: string, route: string, headers: Record<string, string>, extra: Partial<InjectOptions> = {}): InjectOptions {
  const withBody = method === 'POST' || method === 'PATCH' || method === 'PUT';
  return {
    method: method as InjectOptions['method'], url: urlOf(route), ...extra,
    headers: { ...headers, ...(withBody ? { 'content-type': 'application/json' } : {}) },
    ...(withBody ? { payload: '{}' } : {}),
  };
}

function assertGraphError(response: { statusCode: number; body: string }, status: number, code: string, label: string): void {
  assert.equal(response.statusCode, status, `${label}: ${response.body.slice(0, 200)}`);
  assert.equal((JSON.parse(response.body) as { error: { code: string } }).error.code, code, label);
}

describe('Graph: every operation refuses a caller without a token, and a token without the permission', () => {
  // The methods a path does not have are refused before authentication (graph-methods.test.ts).
  const graph = under('/v1.0/').filter(({ operation }) => !(operation as { operationId?: string }).operationId?.endsWith('Refused'));

  test(`${graph.length} operations: 401 InvalidAuthenticationToken without a token`, async (t) => {
    const pcapi = await buildInjectApp(t);
    assert.ok(graph.length >= 20);
    for (const { method, route } of graph) assertGraphError(await pcapi.inject(request(method, route, {})), 401, 'InvalidAuthenticationToken', `${method} ${route}`);
  });

  test(`${graph.length} operations: 403 Authorization_RequestDenied for an app token with no Graph permission`, async (t) => {
    const pcapi = await buildInjectApp(t);
    const token = await pcapi.tokenFor(DEMO.fabrikamAutomation, { audience: 'https://graph.microsoft.com', roles: [] });
    for (const { method, route } of graph) {
      assertGraphError(await pcapi.inject(request(method, route, { authorization: `Bearer ${token}` })), 403, 'Authorization_RequestDenied', `${method} ${route}`);
    }
  });

  test('a /v1.0 path no route matches is authenticated first (401), then not found (404)', async (t) => {
    const pcapi = await buildInjectApp(t);
    assertGraphError(await pcapi.inject({ method: 'GET', url: '/v1.0/nothingHere' }), 401, 'InvalidAuthenticationToken', 'no token');
    const token = await pcapi.tokenFor(DEMO.fabrikamAutomation, { audience: 'https://graph.microsoft.com', roles: ['Directory.Read.All'] });
    assertGraphError(await pcapi.inject({ method: 'GET', url: '/v1.0/nothingHere', headers: { authorization: `Bearer ${token}` } }), 404, 'Request_ResourceNotFound', 'with a token');
  });
});

describe('emulator: every endpoint is guarded', () => {
  const emulatorApp = (t: TestContext, adminKey: string | undefined): Promise<InjectApp> => buildInjectApp(t, {}, {
    clock: new EmulatedClock(new ManualClock(TEST_EPOCH)),
    emulator: { adminKey, seed: { file: DEMO_SEED_FILE } },
    audit: { retentionDays: 1 },
  });
  const endpoints = under('/_pcapi/');

  // The console's page and files hold no data and are served without the key (console-pages.ts); the document says which.
  const keyed = endpoints.filter(({ operation }) => '401' in (operation.responses ?? {}));

  test(`${keyed.length} endpoints: 401 without the admin key when one is configured`, async (t) => {
    const pcapi = await emulatorApp(t, 'an-admin-key-of-some-length');
    assert.ok(keyed.length >= 10);
    for (const { method, route } of keyed) {
      assertGraphError(await pcapi.inject(request(method, route, { 'x-pcapi-admin-key': 'not-the-admin-key-at-all' })), 401, 'InvalidAuthenticationToken', `${method} ${route}`);
    }
  });

  test(`${endpoints.length} endpoints: 403 from a non-loopback address when no key is configured`, async (t) => {
    const pcapi = await emulatorApp(t, undefined);
    for (const { method, route } of endpoints) {
      assertGraphError(await pcapi.inject(request(method, route, {}, { remoteAddress: '203.0.113.9' })), 403, 'Authorization_RequestDenied', `${method} ${route}`);
    }
  });
});
