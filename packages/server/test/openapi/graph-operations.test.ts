/**
 * Graph operations the OpenAPI coverage check (scripts/check-openapi-coverage.ts) found no test for:
 * updating and deleting access assignments, the operations collection, a request or assignment that
 * does not exist, and a rename onto another relationship's name. Through inject(), on the demo data.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { buildInjectApp, DEMO } from '../helpers/inject-app.js';

const RELS = '/v1.0/tenantRelationships/delegatedAdminRelationships';
const GRAPH_ROLES = ['DelegatedAdminRelationship.ReadWrite.All'];

type Send = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: any }>;

async function fabrikamGraph(t: TestContext): Promise<Send> {
  const pcapi = await buildInjectApp(t);
  const token = await pcapi.tokenFor(DEMO.fabrikamAutomation, { audience: 'https://graph.microsoft.com', roles: GRAPH_ROLES });
  return async (method, path, body, headers = {}) => {
    const response = await pcapi.fetch(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };
}

function expect(reply: { status: number; body: any }, status: number, code?: string): any {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  if (code) assert.equal(reply.body.error.code, code);
  return reply.body;
}

const roleIds = (details: any): string[] => details.unifiedRoles.map((role: any) => role.roleDefinitionId.toLowerCase()).sort();

/** An active demo relationship of Fabrikam's with an active assignment, and one role of the relationship the assignment does not hold alone. */
async function relationshipWithAssignment(graph: Send): Promise<{ relationship: any; assignment: any; otherRoles: any }> {
  const { value } = expect(await graph('GET', `${RELS}?$filter=${encodeURIComponent("status eq 'active'")}`), 200);
  for (const relationship of value) {
    const assignments = expect(await graph('GET', `${RELS}/${relationship.id}/accessAssignments`), 200).value;
    for (const assignment of assignments.filter((candidate: any) => candidate.status === 'active')) {
      const held = roleIds(assignment.accessDetails).join();
      const other = roleIds(relationship.accessDetails).find((role) => role !== held);
      if (other) return { relationship, assignment, otherRoles: { unifiedRoles: [{ roleDefinitionId: other }] } };
    }
  }
  throw new Error('the demo has no active relationship with an active assignment whose roles can change');
}

test('an access assignment: roles replaced under If-Match (400 without, 412 when stale), then deleted; unknown ids are 404', async (t) => {
  const graph = await fabrikamGraph(t);
  const { relationship, assignment, otherRoles: newRoles } = await relationshipWithAssignment(graph);
  const path = `${RELS}/${relationship.id}/accessAssignments/${assignment.id}`;

  expect(await graph('PATCH', path, { accessDetails: newRoles }), 400, 'badRequest');
  const updated = expect(await graph('PATCH', path, { accessDetails: newRoles }, { 'if-match': assignment['@odata.etag'] }), 200);
  assert.deepEqual(updated.accessDetails, newRoles);
  assert.notEqual(updated['@odata.etag'], assignment['@odata.etag']);
  expect(await graph('PATCH', path, { accessDetails: newRoles }, { 'if-match': assignment['@odata.etag'] }), 412, 'PreconditionFailed');
  expect(await graph('DELETE', path, undefined, { 'if-match': assignment['@odata.etag'] }), 412, 'PreconditionFailed');
  assert.deepEqual(expect(await graph('GET', path), 200).accessDetails, newRoles, 'a refused write changed nothing');

  expect(await graph('DELETE', path, undefined, { 'if-match': updated['@odata.etag'] }), 204);
  assert.match(expect(await graph('GET', path), 200).status, /^delet(ing|ed)$/);

  const unknown = `${RELS}/${relationship.id}/accessAssignments/${randomUUID()}`;
  expect(await graph('GET', unknown), 404, 'Request_ResourceNotFound');
  expect(await graph('PATCH', unknown, { accessDetails: newRoles }, { 'if-match': '*' }), 404, 'Request_ResourceNotFound');
  expect(await graph('DELETE', unknown, undefined, { 'if-match': '*' }), 404, 'Request_ResourceNotFound');
});

test('operations: always an empty list, no operation is ever found, and another relationship id is 404', async (t) => {
  const graph = await fabrikamGraph(t);
  const { relationship } = await relationshipWithAssignment(graph);
  const listed = expect(await graph('GET', `${RELS}/${relationship.id}/operations`), 200);
  assert.deepEqual(listed.value, []);
  assert.match(listed['@odata.context'], /\/operations$/);
  expect(await graph('GET', `${RELS}/${relationship.id}/operations/${randomUUID()}`), 404, 'Request_ResourceNotFound');
  expect(await graph('GET', `${RELS}/${randomUUID()}/operations`), 404, 'Request_ResourceNotFound');
  expect(await graph('GET', `${RELS}/${relationship.id}/requests/${randomUUID()}`), 404, 'Request_ResourceNotFound');
});

test('renaming a relationship onto another\'s display name is a conflict (409), and nothing changes', async (t) => {
  const graph = await fabrikamGraph(t);
  const create = (displayName: string) => graph('POST', RELS, {
    displayName, duration: 'P730D', customer: { tenantId: DEMO.litware },
    accessDetails: { unifiedRoles: [{ roleDefinitionId: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451' }] },
  });
  expect(await create('OpenAPI first'), 201);
  const second = expect(await create('OpenAPI second'), 201);
  expect(await graph('PATCH', `${RELS}/${second.id}`, { displayName: 'openapi FIRST' }, { 'if-match': second['@odata.etag'] }), 409, 'conflict');
  assert.equal(expect(await graph('GET', `${RELS}/${second.id}`), 200).displayName, 'OpenAPI second');
});
