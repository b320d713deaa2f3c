/**
 * The comparison behind scripts/check-openapi-coverage.ts, on small documents: what a test run
 * produced against what a document states, both ways.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BEFORE_ROUTING, compareCoverage, documentedOperations, fastifyRoute, formatCoverage, INJECTED_FAULT, unroutedScope,
  UNROUTED_EMULATOR, UNROUTED_GRAPH, UNROUTED_OTHER, type CheckedDocument, type ObservedResponse,
} from './status-coverage.js';

const ok = { description: 'ok' };
const DOCUMENT: CheckedDocument = {
  paths: {
    '/items/{id}': {
      get: { responses: { 200: ok, 404: ok } },
      delete: { responses: { 204: ok } },
      'x-additionalOperations': { PROPFIND: { responses: { 405: ok } } },
    },
    '/things': { get: { responses: { 200: ok, default: ok } }, head: { responses: { 200: ok } } },
  },
  'x-pcapi-unrouted': { [UNROUTED_OTHER]: { responses: { 404: ok } } },
  'x-pcapi-injected-faults': { responses: { 503: ok } },
};

const seen = (method: string, route: string, status: number, file = 'a.test.ts'): ObservedResponse => ({ method, route, status, file });

/** Everything DOCUMENT states, produced once. */
const EVERYTHING = [
  seen('GET', '/items/:id', 200), seen('GET', '/items/:id', 404), seen('DELETE', '/items/:id', 204), seen('PROPFIND', '/items/:id', 405),
  seen('GET', '/things', 200), seen('HEAD', '/things', 200), seen('*', UNROUTED_OTHER, 404), seen('*', INJECTED_FAULT, 503),
];

test('a run that produced exactly what the document states reports nothing', () => {
  const report = compareCoverage(DOCUMENT, EVERYTHING);
  assert.deepEqual(report, { undocumented: [], unproduced: [] });
  assert.deepEqual(formatCoverage(report), []);
});

test('a status a test saw that the document does not state is reported with the files that saw it', () => {
  const report = compareCoverage(DOCUMENT, [...EVERYTHING, seen('GET', '/items/:id', 500, 'x.test.ts'), seen('GET', '/items/:id', 500, 'y.test.ts'), seen('GET', '/items/:id', 500, 'x.test.ts')]);
  assert.deepEqual(report.undocumented, [{ method: 'GET', route: '/items/:id', status: 500, files: ['x.test.ts', 'y.test.ts'] }]);
  assert.deepEqual(report.unproduced, []);
  assert.match(formatCoverage(report).join('\n'), /1 status\(es\) the tests produced[\s\S]*GET \/items\/:id → 500 {3}\(x\.test\.ts, y\.test\.ts\)/);
});

test('a documented status no test produced is reported, per method and route', () => {
  const report = compareCoverage(DOCUMENT, EVERYTHING.filter((entry) => !(entry.method === 'DELETE' || entry.route === INJECTED_FAULT)));
  assert.deepEqual(report.unproduced, [
    { method: '*', route: INJECTED_FAULT, status: 503 },
    { method: 'DELETE', route: '/items/:id', status: 204 },
  ]);
  assert.deepEqual(report.undocumented, []);
  assert.match(formatCoverage(report).join('\n'), /2 documented status\(es\) no test produced:\n {2}\* \(injected fault\) → 503\n {2}DELETE \/items\/:id → 204/);
});

test('the same status on another method or route is another statement', () => {
  const report = compareCoverage(DOCUMENT, [...EVERYTHING, seen('PUT', '/items/:id', 200), seen('GET', '/other', 200)]);
  assert.deepEqual(report.undocumented.map(({ method, route, status }) => `${method} ${route} ${status}`), ['PUT /items/:id 200', 'GET /other 200']);
});

test('a HEAD Fastify adds to a GET route counts as that GET; a path that documents HEAD keeps it apart', () => {
  const withHead = compareCoverage(DOCUMENT, [...EVERYTHING, seen('HEAD', '/items/:id', 404)]);
  assert.deepEqual(withHead, { undocumented: [], unproduced: [] }, 'HEAD /items/:id → 404 is GET\'s 404');
  const headOnly = compareCoverage(DOCUMENT, [...EVERYTHING.filter((entry) => !(entry.method === 'GET' && entry.route === '/items/:id')), seen('HEAD', '/items/:id', 200), seen('HEAD', '/items/:id', 404)]);
  assert.deepEqual(headOnly.unproduced, [], 'a HEAD alone produces the GET statuses');
  const documentedHead = compareCoverage(DOCUMENT, [...EVERYTHING, seen('HEAD', '/things', 404)]);
  assert.deepEqual(documentedHead.undocumented.map(({ method, status }) => `${method} ${status}`), ['HEAD 404'], '/things documents HEAD: its 404 is not GET\'s');
});

test('unrouted answers, refusals before routing and injected faults are compared whatever the method', () => {
  const report = compareCoverage(DOCUMENT, [...EVERYTHING, seen('DELETE', UNROUTED_OTHER, 404), seen('*', BEFORE_ROUTING, 431), seen('*', INJECTED_FAULT, 502)]);
  assert.deepEqual(report.undocumented.map(({ method, route, status }) => `${method} ${route} ${status}`), ['* (before routing) 431', '* (injected fault) 502']);
});

test('ranges and default are not statuses a test can be held to', () => {
  const document: CheckedDocument = { paths: { '/x': { get: { responses: { '2XX': ok, default: ok } } } } };
  assert.deepEqual(compareCoverage(document, [seen('GET', '/x', 200)]).undocumented.map((key) => key.status), [200]);
});

test('paths map to Fastify routes, methods OpenAPI 3.1 has no field for come from x-additionalOperations', () => {
  assert.equal(fastifyRoute('/v1.0/groups/{id}/members/{memberId}/$ref'), '/v1.0/groups/:id/members/:memberId/$ref');
  assert.deepEqual(documentedOperations(DOCUMENT).map(({ method, route }) => `${method} ${route}`), ['GET /items/:id', 'DELETE /items/:id', 'PROPFIND /items/:id', 'GET /things', 'HEAD /things']);
});

test('a path no route matches is answered by the not-found handler of its prefix, as the router matches it', () => {
  assert.equal(unroutedScope('/v1.0/nothing?$top=1'), UNROUTED_GRAPH);
  assert.equal(unroutedScope('/V1.0'), UNROUTED_GRAPH);
  assert.equal(unroutedScope('//_pcapi//nothing'), UNROUTED_EMULATOR);
  assert.equal(unroutedScope('/v1.00/x'), UNROUTED_OTHER);
  assert.equal(unroutedScope('/nothing'), UNROUTED_OTHER);
});
