/**
 * The OpenAPI document: valid OpenAPI 3.1 by a real validator, served at /openapi.json without a
 * token or throttle, stating exactly the routes the server registers, and the same as the copy in
 * packages/contracts. What each operation answers is held against the test suite by
 * scripts/check-openapi-coverage.ts (status-coverage.ts).
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { EmulatedClock, ManualClock } from '../../src/clock.js';
import { Metrics } from '../../src/metrics.js';
import { DEMO_SEED_FILE } from '../../src/seed/import-seed.js';
import { buildOpenApiDocument } from '../../src/surfaces/openapi/openapi-document.js';
import { serverVersion } from '../../src/package-paths.js';
import { buildInjectApp, TEST_EPOCH, TEST_PUBLIC_URL } from '../helpers/inject-app.js';
import { ANY_METHOD_LABELS, documentedOperations, INJECTED_FAULT, type CheckedDocument } from './status-coverage.js';

export const CONTRACT_FILE = new URL('../../../contracts/openapi.json', import.meta.url);
const document = () => buildOpenApiDocument({ serverUrl: TEST_PUBLIC_URL, version: serverVersion() });

test('the document is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async () => {
  const validator = new Validator();
  const result = await validator.validate(document());
  assert.deepEqual(result.errors, undefined);
  assert.equal(result.valid, true);
  assert.equal(validator.version, '3.1');
});

test('every $ref points at something in the document, and operation ids are unique', () => {
  const built = document();
  const dangling: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        let target: unknown = built;
        for (const part of value.replace(/^#\//, '').split('/')) target = (target as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
        if (target === undefined) dangling.push(value);
      } else walk(value);
    }
  };
  walk(built);
  assert.deepEqual(dangling, []);
  const ids = documentedOperations(built as CheckedDocument).map(({ operation }) => (operation as { operationId?: string }).operationId);
  assert.ok(ids.every((id) => typeof id === 'string'), 'every operation has an id');
  assert.equal(new Set(ids).size, ids.length, 'operation ids are unique');
});

test('GET /openapi.json serves it with the server\'s public URL, with no token and whatever the throttle', async (t) => {
  const pcapi = await buildInjectApp(t, { throttleTenant: '1/60', throttleTenantCustomer: '1/60' });
  for (let call = 0; call < 5; call += 1) {
    const response = await pcapi.fetch('/openapi.json');
    assert.equal(response.status, 200, `call ${call + 1}`);
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    const served = (await response.json()) as { openapi: string; servers: Array<{ url: string }> };
    assert.equal(served.openapi, '3.1.0');
    assert.deepEqual(served.servers.map((server) => server.url), [TEST_PUBLIC_URL]);
    assert.deepEqual(served, document());
  }
});

test('x-pcapi-unrouted names the handlers the status recorder tells apart', () => {
  const unrouted = (document() as CheckedDocument)['x-pcapi-unrouted'] ?? {};
  assert.deepEqual(Object.keys(unrouted).sort(), ANY_METHOD_LABELS.filter((label) => label !== INJECTED_FAULT).sort());
  assert.ok((document() as CheckedDocument)['x-pcapi-injected-faults']?.responses);
});

/** Every (method, route) an app registers, seen through Fastify's onRoute hook from its creation. */
async function registeredRoutes(build: () => Promise<{ close(): Promise<void> }>): Promise<string[]> {
  const routes: string[] = [];
  const onCreated = (message: unknown) => {
    (message as { fastify: FastifyInstance }).fastify.addHook('onRoute', (route: RouteOptions) => {
      for (const method of [route.method].flat()) routes.push(`${method} ${route.url}`);
    });
  };
  subscribe('fastify.initialization', onCreated);
  try {
    await (await build()).close();
  } finally {
    unsubscribe('fastify.initialization', onCreated);
  }
  return routes;
}

test('every route the server registers (all surfaces on) is documented, and every documented operation is registered', async () => {
  const registered = await registeredRoutes(() => buildInjectApp(undefined, {}, {
    clock: new EmulatedClock(new ManualClock(TEST_EPOCH)),
    emulator: { adminKey: undefined, seed: { file: DEMO_SEED_FILE } },
    metrics: new Metrics(),
    audit: { retentionDays: 1 },
  }));
  const documented = new Set(documentedOperations(document() as CheckedDocument).map(({ method, route }) => `${method} ${route}`));
  // Fastify adds a HEAD to every GET; it is that GET unless the path documents HEAD itself.
  const asDocumented = (route: string) => (route.startsWith('HEAD ') && !documented.has(route) ? route.replace(/^HEAD /, 'GET ') : route);
  const registeredAsDocumented = new Set(registered.map(asDocumented));
  assert.ok(registered.length > 90, `${registered.length} routes seen`);
  assert.deepEqual(registered.filter((route) => !documented.has(asDocumented(route))), [], 'registered, not documented');
  assert.deepEqual([...documented].filter((route) => !registeredAsDocumented.has(route)), [], 'documented, not registered');
});

test('packages/contracts/openapi.json is the document as built (node --import tsx scripts/write-openapi-contract.ts rewrites it)', () => {
  const written = JSON.parse(readFileSync(CONTRACT_FILE, 'utf8')) as Record<string, unknown>;
  assert.deepEqual(written, buildOpenApiDocument({ serverUrl: 'http://127.0.0.1:8080', version: serverVersion() }));
});
