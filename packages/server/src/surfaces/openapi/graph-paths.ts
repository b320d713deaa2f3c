/**
 * The Graph-compatible surface under /v1.0 (relationship-routes.ts, directory-routes.ts): GDAP
 * relationships with their requests, operations and access assignments, customers, and the partner
 * tenant's groups, users and service principals. docs/graph.md describes them.
 */
import { allowOf, GRAPH_METHODS } from '../graph/graph-surface.js';
import { GRAPH_ID_HEADERS, jsonContent, PARAMETER, pathParameter, ref, response, responses, schemaRef, type Json } from './openapi-common.js';

const RELATIONSHIPS = '/v1.0/tenantRelationships/delegatedAdminRelationships';
const READ = 'DelegatedAdminRelationship.Read.All or .ReadWrite.All';
const WRITE = 'DelegatedAdminRelationship.ReadWrite.All';

interface GraphOperation {
  operationId: string;
  tags: string;
  summary: string;
  /** The permissions that allow it, as the message of a 403 names them. */
  permission: string;
  /** Path parameters, in order. */
  path?: Json[];
  /** OData options this operation reads. */
  query?: 'collection' | 'entity';
  ifMatch?: boolean;
  body?: string;
  /** What it answers when it succeeds; none for an operation that never does. */
  ok?: { status: 200 | 201 | 204; schema?: string | Json; description: string };
  errors: number[];
}

const id = (what: string) => pathParameter('id', `The ${what}'s id.`);
const collection = (item: string): Json => ({
  type: 'object',
  required: ['@odata.context', 'value'],
  properties: {
    '@odata.context': { type: 'string', format: 'uri' },
    '@odata.count': { type: 'integer', description: 'With `$count=true`.' },
    '@odata.nextLink': { type: 'string', format: 'uri', description: 'The next page, while there is one (`$skiptoken`).' },
    value: { type: 'array', items: schemaRef(item) },
  },
});
const entity = (item: string): Json => ({ allOf: [{ type: 'object', properties: { '@odata.context': { type: 'string', format: 'uri' } } }, schemaRef(item)] });

function operation(spec: GraphOperation): Json {
  const parameters = [...(spec.path ?? []), PARAMETER.clientRequestId];
  if (spec.query === 'collection') parameters.push(PARAMETER.filter, PARAMETER.select, PARAMETER.orderby, PARAMETER.top, PARAMETER.count, PARAMETER.skiptoken);
  if (spec.query === 'entity') parameters.push(PARAMETER.select);
  if (spec.ifMatch) parameters.push(PARAMETER.ifMatch);
  const own: Record<number, Json> = {};
  if (spec.ok) {
    const { status, schema, description } = spec.ok;
    const content = schema === undefined ? undefined : jsonContent(typeof schema === 'string' ? entity(schema) : schema);
    const headers = { ...GRAPH_ID_HEADERS, ...(status === 201 ? { Location: ref('headers/Location') } : {}) };
    own[status] = response(description, { ...(content ? { content } : {}), headers });
  }
  return {
    operationId: spec.operationId,
    tags: [spec.tags],
    summary: spec.summary,
    description: `Permission (app-only \`roles\` or delegated \`scp\`): ${spec.permission}.`,
    security: [{ graphBearer: [] }],
    parameters,
    ...(spec.body ? { requestBody: { required: true, content: jsonContent(schemaRef(spec.body)) } } : {}),
    // Every Graph call is authenticated, then checked for its permission (graph-surface.ts).
    responses: responses('graph', own, [...new Set([...spec.errors, 401, 403])]),
  };
}

const GDAP = 'Graph: GDAP';
const DIRECTORY = 'Graph: directory';
const relationshipId = id('relationship');

function gdapPaths(): Json {
  return {
    [RELATIONSHIPS]: {
      get: operation({ operationId: 'listDelegatedAdminRelationships', tags: GDAP, summary: 'The partner\'s relationships (a customer\'s administrator: those offered to the customer).', permission: READ, query: 'collection',
        ok: { status: 200, schema: collection('DelegatedAdminRelationship'), description: 'One page of relationships.' }, errors: [400, 401, 403, 503] }),
      post: operation({ operationId: 'createDelegatedAdminRelationship', tags: GDAP, summary: 'Creates a relationship (status `created`).', permission: WRITE, body: 'DelegatedAdminRelationshipCreate',
        ok: { status: 201, schema: 'DelegatedAdminRelationship', description: 'The relationship, and its URL in Location.' }, errors: [400, 401, 403, 409] }),
    },
    [`${RELATIONSHIPS}/{id}`]: {
      get: operation({ operationId: 'getDelegatedAdminRelationship', tags: GDAP, summary: 'One relationship.', permission: READ, path: [relationshipId], query: 'entity',
        ok: { status: 200, schema: 'DelegatedAdminRelationship', description: 'The relationship.' }, errors: [404] }),
      patch: operation({ operationId: 'updateDelegatedAdminRelationship', tags: GDAP, summary: 'Updates a relationship not yet locked for approval.', permission: WRITE, path: [relationshipId], ifMatch: true, body: 'DelegatedAdminRelationshipUpdate',
        ok: { status: 200, schema: 'DelegatedAdminRelationship', description: 'The updated relationship.' }, errors: [400, 404, 409, 412] }),
      delete: operation({ operationId: 'deleteDelegatedAdminRelationship', tags: GDAP, summary: 'Deletes a relationship in status `created`.', permission: WRITE, path: [relationshipId], ifMatch: true,
        ok: { status: 204, description: 'Deleted.' }, errors: [400, 404, 412] }),
    },
    [`${RELATIONSHIPS}/{id}/requests`]: {
      get: operation({ operationId: 'listDelegatedAdminRelationshipRequests', tags: GDAP, summary: 'The actions requested on a relationship.', permission: READ, path: [relationshipId], query: 'collection',
        ok: { status: 200, schema: collection('DelegatedAdminRelationshipRequest'), description: 'One page of requests.' }, errors: [404] }),
      post: operation({ operationId: 'createDelegatedAdminRelationshipRequest', tags: GDAP, summary: '`lockForApproval` (the partner); `approve` or `reject` (a Global Administrator of the customer, with a token from the customer\'s tenant); `terminate` (either).', permission: WRITE, path: [relationshipId], body: 'DelegatedAdminRelationshipRequestCreate',
        ok: { status: 201, schema: 'DelegatedAdminRelationshipRequest', description: 'The request, and its URL in Location.' }, errors: [400, 403, 404] }),
    },
    [`${RELATIONSHIPS}/{id}/requests/{requestId}`]: {
      get: operation({ operationId: 'getDelegatedAdminRelationshipRequest', tags: GDAP, summary: 'One request.', permission: READ, path: [relationshipId, pathParameter('requestId', 'The request\'s id.')], query: 'entity',
        ok: { status: 200, schema: 'DelegatedAdminRelationshipRequest', description: 'The request.' }, errors: [404] }),
    },
    [`${RELATIONSHIPS}/{id}/operations`]: {
      get: operation({ operationId: 'listDelegatedAdminRelationshipOperations', tags: GDAP, summary: 'Long-running operations: always none here.', permission: READ, path: [relationshipId], query: 'collection',
        ok: { status: 200, schema: collection('DelegatedAdminRelationshipOperation'), description: 'An empty list.' }, errors: [400, 404] }),
    },
    [`${RELATIONSHIPS}/{id}/operations/{operationId}`]: {
      get: operation({ operationId: 'getDelegatedAdminRelationshipOperation', tags: GDAP, summary: 'One operation: never found (404), as none is long-running here.', permission: READ, path: [relationshipId, pathParameter('operationId', 'The operation\'s id.')],
        errors: [404] }),
    },
    [`${RELATIONSHIPS}/{id}/accessAssignments`]: {
      get: operation({ operationId: 'listDelegatedAdminAccessAssignments', tags: GDAP, summary: 'A relationship\'s access assignments.', permission: READ, path: [relationshipId], query: 'collection',
        ok: { status: 200, schema: collection('DelegatedAdminAccessAssignment'), description: 'One page of assignments.' }, errors: [404] }),
      post: operation({ operationId: 'createDelegatedAdminAccessAssignment', tags: GDAP, summary: 'Assigns roles of an active relationship to a security group (one assignment per group).', permission: WRITE, path: [relationshipId], body: 'DelegatedAdminAccessAssignmentCreate',
        ok: { status: 201, schema: 'DelegatedAdminAccessAssignment', description: 'The assignment, and its URL in Location.' }, errors: [400, 409] }),
    },
    [`${RELATIONSHIPS}/{id}/accessAssignments/{assignmentId}`]: assignmentPath(),
    '/v1.0/tenantRelationships/delegatedAdminCustomers': {
      get: operation({ operationId: 'listDelegatedAdminCustomers', tags: GDAP, summary: 'The customers with at least one relationship that has not ended (expired or terminated).', permission: READ, query: 'collection',
        ok: { status: 200, schema: collection('DelegatedAdminCustomer'), description: 'One page of customers.' }, errors: [] }),
    },
    '/v1.0/tenantRelationships/delegatedAdminCustomers/{id}': {
      get: operation({ operationId: 'getDelegatedAdminCustomer', tags: GDAP, summary: 'One customer.', permission: READ, path: [id('customer (tenant)')], query: 'entity',
        ok: { status: 200, schema: 'DelegatedAdminCustomer', description: 'The customer.' }, errors: [404] }),
    },
    '/v1.0/tenantRelationships/delegatedAdminCustomers/{id}/serviceManagementDetails': {
      get: operation({ operationId: 'listDelegatedAdminServiceManagementDetails', tags: GDAP, summary: 'The admin portals the partner opens for this customer (a fixed list here; docs/parity.md). Delegated tokens only: an app-only token is refused with 403.', permission: READ, path: [id('customer (tenant)')], query: 'entity',
        ok: { status: 200, schema: collection('DelegatedAdminServiceManagementDetail'), description: 'The portals.' }, errors: [403, 404] }),
    },
  };
}

function assignmentPath(): Json {
  const path = [relationshipId, pathParameter('assignmentId', 'The assignment\'s id.')];
  return {
    get: operation({ operationId: 'getDelegatedAdminAccessAssignment', tags: GDAP, summary: 'One access assignment.', permission: READ, path, query: 'entity',
      ok: { status: 200, schema: 'DelegatedAdminAccessAssignment', description: 'The assignment.' }, errors: [404] }),
    patch: operation({ operationId: 'updateDelegatedAdminAccessAssignment', tags: GDAP, summary: 'Replaces an assignment\'s roles.', permission: WRITE, path, ifMatch: true, body: 'DelegatedAdminAccessAssignmentUpdate',
      ok: { status: 200, schema: 'DelegatedAdminAccessAssignment', description: 'The updated assignment.' }, errors: [400, 404, 412] }),
    delete: operation({ operationId: 'deleteDelegatedAdminAccessAssignment', tags: GDAP, summary: 'Removes an assignment (`deleting`, then `deleted`).', permission: WRITE, path, ifMatch: true,
      ok: { status: 204, description: 'Accepted for deletion.' }, errors: [404, 412] }),
  };
}

const GROUP_READ = 'Group.Read.All, Group.ReadWrite.All, Directory.Read.All or Directory.ReadWrite.All';
const MEMBER_WRITE = 'GroupMember.ReadWrite.All, Group.ReadWrite.All or Directory.ReadWrite.All';
const USER_READ = 'User.Read.All, Directory.Read.All or Directory.ReadWrite.All';
const APP_READ = 'Application.Read.All, Directory.Read.All or Directory.ReadWrite.All';
const groupId = id('group');

function directoryPaths(): Json {
  return {
    '/v1.0/groups': {
      get: operation({ operationId: 'listGroups', tags: DIRECTORY, summary: 'The partner tenant\'s groups (the agent groups included).', permission: GROUP_READ, query: 'collection',
        ok: { status: 200, schema: collection('Group'), description: 'One page of groups.' }, errors: [403] }),
      post: operation({ operationId: 'createGroup', tags: DIRECTORY, summary: 'Creates a security group.', permission: 'Group.ReadWrite.All or Directory.ReadWrite.All', body: 'GroupCreate',
        ok: { status: 201, schema: 'Group', description: 'The group, and its URL in Location.' }, errors: [400, 403, 409] }),
    },
    '/v1.0/groups/{id}': {
      get: operation({ operationId: 'getGroup', tags: DIRECTORY, summary: 'One group.', permission: GROUP_READ, path: [groupId], query: 'entity',
        ok: { status: 200, schema: 'Group', description: 'The group.' }, errors: [404] }),
    },
    '/v1.0/groups/{id}/members': {
      get: operation({ operationId: 'listGroupMembers', tags: DIRECTORY, summary: 'A group\'s members: users, service principals, groups.', permission: GROUP_READ, path: [groupId], query: 'collection',
        ok: { status: 200, schema: collection('DirectoryObject'), description: 'One page of members.' }, errors: [403, 404] }),
    },
    '/v1.0/groups/{id}/members/$ref': {
      post: operation({ operationId: 'addGroupMember', tags: DIRECTORY, summary: 'Adds a member by reference.', permission: MEMBER_WRITE, path: [groupId], body: 'DirectoryObjectReference',
        ok: { status: 204, description: 'Added.' }, errors: [400, 403, 404] }),
    },
    '/v1.0/groups/{id}/members/{memberId}/$ref': {
      delete: operation({ operationId: 'removeGroupMember', tags: DIRECTORY, summary: 'Removes a member.', permission: MEMBER_WRITE, path: [groupId, pathParameter('memberId', 'The member\'s id.')],
        ok: { status: 204, description: 'Removed.' }, errors: [403, 404] }),
    },
    '/v1.0/users': {
      get: operation({ operationId: 'listUsers', tags: DIRECTORY, summary: 'The partner tenant\'s users.', permission: USER_READ, query: 'collection',
        ok: { status: 200, schema: collection('User'), description: 'One page of users.' }, errors: [400, 403] }),
    },
    '/v1.0/users/{id}': {
      get: operation({ operationId: 'getUser', tags: DIRECTORY, summary: 'One user, by id or user principal name.', permission: USER_READ, path: [id('user')], query: 'entity',
        ok: { status: 200, schema: 'User', description: 'The user.' }, errors: [404] }),
    },
    '/v1.0/servicePrincipals': {
      get: operation({ operationId: 'listServicePrincipals', tags: DIRECTORY, summary: 'The partner tenant\'s applications.', permission: APP_READ, query: 'collection',
        ok: { status: 200, schema: collection('ServicePrincipal'), description: 'One page of service principals.' }, errors: [403] }),
    },
    '/v1.0/servicePrincipals/{id}': {
      get: operation({ operationId: 'getServicePrincipal', tags: DIRECTORY, summary: 'One service principal.', permission: APP_READ, path: [id('service principal')], query: 'entity',
        ok: { status: 200, schema: 'ServicePrincipal', description: 'The service principal.' }, errors: [404] }),
    },
  };
}

export function graphPaths(): Json {
  return withRefusedMethods({ ...gdapPaths(), ...directoryPaths() } as Record<string, Json>);
}

/** Graph's methods, as OpenAPI names them: each path answers the others 405, before authentication (graph-surface.ts). */
const METHODS = GRAPH_METHODS.map((method) => method.toLowerCase());

function withRefusedMethods(paths: Record<string, Json>): Json {
  for (const item of Object.values(paths)) {
    const answered = METHODS.filter((method) => item[method] !== undefined);
    const allow = allowOf(answered);
    const first = item[answered[0]!] as { operationId: string; tags: string[] };
    for (const method of METHODS.filter((candidate) => item[candidate] === undefined)) {
      item[method] = {
        operationId: `${first.operationId}${method[0]!.toUpperCase()}${method.slice(1)}Refused`,
        tags: first.tags,
        summary: `Refused (405 with \`Allow: ${allow}\`, before authentication and before any body is read).`,
        responses: responses('graph', {}, [405]),
      };
    }
  }
  return paths;
}
