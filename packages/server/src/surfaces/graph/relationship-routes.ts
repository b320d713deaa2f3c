/**
 * /v1.0/tenantRelationships: delegatedAdminRelationships with their requests, operations and
 * accessAssignments, and delegatedAdminCustomers, as Graph serves them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RelationshipAction } from '../../domain/gdap-lifecycle.js';
import { GraphError } from './graph-errors.js';
import {
  assignmentJson, bodyObject, customerJson, customerTenantId, prefersUnknownEnumMembers, relationshipJson, relationshipState, relationshipValue, requestJson, serviceManagementDetailsJson,
  stringProperty, unifiedRoles, versionFromIfMatch,
} from './graph-json.js';
import type { GraphContext } from './graph-surface.js';
import { equalityValue, type ODataOptions } from './odata.js';

const READ = ['DelegatedAdminRelationship.Read.All', 'DelegatedAdminRelationship.ReadWrite.All'];
const WRITE = ['DelegatedAdminRelationship.ReadWrite.All'];
const RELATIONSHIPS = 'tenantRelationships/delegatedAdminRelationships';

const RELATIONSHIP_OPTIONS: ODataOptions = {
  entityType: 'microsoft.graph.delegatedAdminRelationship',
  filterable: { id: 'string', displayName: 'string', status: 'enum', 'customer/tenantId': 'guid', 'customer/displayName': 'string', createdDateTime: 'dateTime', endDateTime: 'dateTime' },
  selectable: ['id', 'displayName', 'duration', 'status', 'autoExtendDuration', 'createdDateTime', 'lastModifiedDateTime', 'activatedDateTime', 'endDateTime', 'customer', 'accessDetails'],
  orderable: ['displayName', 'status', 'createdDateTime', 'lastModifiedDateTime', 'activatedDateTime', 'endDateTime'],
};
const REQUEST_OPTIONS: ODataOptions = {
  entityType: 'microsoft.graph.delegatedAdminRelationshipRequest',
  filterable: { action: 'enum', status: 'enum' }, selectable: ['id', 'action', 'status', 'createdDateTime', 'lastModifiedDateTime'], orderable: ['createdDateTime'],
};
const ASSIGNMENT_OPTIONS: ODataOptions = {
  entityType: 'microsoft.graph.delegatedAdminAccessAssignment',
  filterable: { status: 'enum', 'accessContainer/accessContainerId': 'guid' },
  selectable: ['id', 'status', 'createdDateTime', 'lastModifiedDateTime', 'accessContainer', 'accessDetails'],
  orderable: ['createdDateTime', 'lastModifiedDateTime', 'status'],
};
const CUSTOMER_OPTIONS: ODataOptions = {
  entityType: 'microsoft.graph.delegatedAdminCustomer',
  filterable: { id: 'guid', tenantId: 'guid', displayName: 'string' }, selectable: ['id', 'tenantId', 'displayName'], orderable: ['displayName'],
};
const OPERATION_OPTIONS: ODataOptions = {
  entityType: 'microsoft.graph.delegatedAdminRelationshipOperation',
  filterable: { status: 'enum', operationType: 'enum' },
  selectable: ['id', 'operationType', 'status', 'data', 'createdDateTime', 'lastModifiedDateTime'],
  orderable: ['status', 'createdDateTime', 'lastModifiedDateTime'],
};
const SERVICE_DETAIL_OPTIONS: ODataOptions = {
  entityType: 'microsoft.graph.delegatedAdminServiceManagementDetail', filterable: {}, selectable: ['id', 'serviceName', 'serviceManagementUrl'], orderable: [],
};
const READ_ONLY = ['id', 'status', 'createdDateTime', 'lastModifiedDateTime', 'activatedDateTime', 'endDateTime'];
const ACTIONS: RelationshipAction[] = ['lockForApproval', 'approve', 'terminate', 'reject'];

type Params = { id: string; requestId?: string; assignmentId?: string; operationId?: string };

export function registerRelationshipRoutes(app: FastifyInstance, graph: GraphContext): void {
  const { gdap } = graph;
  const ifMatch = async (request: FastifyRequest<{ Params: Params }>) => {
    const current = await gdap.getRelationship(graph.caller(request), request.params.id);
    return versionFromIfMatch(request.headers['if-match'], current.id, current.version, relationshipState(current));
  };

  app.get(`/${RELATIONSHIPS}`, async (request, reply) => {
    graph.requirePermission(request, READ);
    const query = graph.query(request, RELATIONSHIP_OPTIONS);
    // Equality on stored fields narrows the read; the whole $filter (statuses are derived) runs after.
    const views = await gdap.listRelationships(graph.caller(request), { customerTenantId: equalityValue(query, 'customer/tenantId'), id: equalityValue(query, 'id') });
    return graph.page(request, reply, RELATIONSHIPS, views, query, { valueOf: relationshipValue, render: relationshipJson });
  });

  app.post(`/${RELATIONSHIPS}`, async (request, reply) => {
    graph.requirePermission(request, WRITE);
    const body = bodyObject(request.body, ['displayName', 'duration', 'customer', 'accessDetails', 'autoExtendDuration'], READ_ONLY, 'delegatedAdminRelationship');
    const created = await gdap.createRelationship(graph.caller(request), {
      displayName: stringProperty(body, 'displayName', true)!,
      duration: stringProperty(body, 'duration', true)!,
      roleIds: unifiedRoles(body.accessDetails, 'accessDetails'),
      customerTenantId: customerTenantId(body.customer),
      autoExtendDuration: stringProperty(body, 'autoExtendDuration', false) ?? 'PT0S',
    });
    return graph.entity(request, reply, RELATIONSHIPS, relationshipJson(created), RELATIONSHIP_OPTIONS.selectable, 201, graph.url(`${RELATIONSHIPS}/${created.id}`));
  });

  app.get<{ Params: Params }>(`/${RELATIONSHIPS}/:id`, async (request, reply) => {
    graph.requirePermission(request, READ);
    const customer = graph.customerCaller(request);
    const found = customer ? await gdap.getRelationshipForCustomer(customer, request.params.id) : await gdap.getRelationship(graph.caller(request), request.params.id);
    return graph.entity(request, reply, RELATIONSHIPS, relationshipJson(found), RELATIONSHIP_OPTIONS.selectable);
  });

  app.patch<{ Params: Params }>(`/${RELATIONSHIPS}/:id`, async (request, reply) => {
    graph.requirePermission(request, WRITE);
    const body = bodyObject(request.body, ['displayName', 'duration', 'customer', 'accessDetails', 'autoExtendDuration'], READ_ONLY, 'delegatedAdminRelationship');
    const version = await ifMatch(request);
    const updated = await gdap.updateRelationship(graph.caller(request), request.params.id, version, {
      ...(body.displayName !== undefined ? { displayName: stringProperty(body, 'displayName', true)! } : {}),
      ...(body.duration !== undefined ? { duration: stringProperty(body, 'duration', true)! } : {}),
      ...(body.autoExtendDuration !== undefined ? { autoExtendDuration: stringProperty(body, 'autoExtendDuration', true)! } : {}),
      ...(body.accessDetails !== undefined ? { roleIds: unifiedRoles(body.accessDetails, 'accessDetails') } : {}),
      ...(body.customer !== undefined ? { customerTenantId: customerTenantId(body.customer) } : {}),
    });
    return graph.entity(request, reply, RELATIONSHIPS, relationshipJson(updated), RELATIONSHIP_OPTIONS.selectable);
  });

  app.delete<{ Params: Params }>(`/${RELATIONSHIPS}/:id`, async (request, reply) => {
    graph.requirePermission(request, WRITE);
    await gdap.deleteRelationship(graph.caller(request), request.params.id, await ifMatch(request));
    return reply.code(204).send();
  });

  // ---- requests: the lifecycle's actions ----
  const requestsPath = (id: string) => `${RELATIONSHIPS}('${id}')/requests`;
  app.get<{ Params: Params }>(`/${RELATIONSHIPS}/:id/requests`, async (request, reply) => {
    graph.requirePermission(request, READ);
    const evolved = prefersUnknownEnumMembers(request.headers.prefer);
    const items = (await gdap.listRequests(graph.caller(request), request.params.id)).map((made) => requestJson(made, evolved));
    return graph.collection(request, reply, requestsPath(request.params.id), items, REQUEST_OPTIONS);
  });
  app.get<{ Params: Params }>(`/${RELATIONSHIPS}/:id/requests/:requestId`, async (request, reply) => {
    graph.requirePermission(request, READ);
    const found = (await gdap.listRequests(graph.caller(request), request.params.id)).find((r) => r.id === request.params.requestId?.toLowerCase());
    if (!found) throw new GraphError('notFound', `The delegatedAdminRelationshipRequest '${String(request.params.requestId).slice(0, 80)}' does not exist.`);
    return graph.entity(request, reply, requestsPath(request.params.id), requestJson(found, prefersUnknownEnumMembers(request.headers.prefer)), REQUEST_OPTIONS.selectable);
  });
  app.post<{ Params: Params }>(`/${RELATIONSHIPS}/:id/requests`, async (request, reply) => {
    graph.requirePermission(request, WRITE);
    const body = bodyObject(request.body, ['action'], ['id', 'status', 'createdDateTime', 'lastModifiedDateTime'], 'delegatedAdminRelationshipRequest');
    const action = stringProperty(body, 'action', true)!;
    if (!ACTIONS.includes(action as RelationshipAction)) throw new GraphError('badRequest', `The action '${action.slice(0, 40)}' is not one of ${ACTIONS.join(', ')}.`);
    const customer = graph.customerCaller(request);
    const { relationship, request: made } = customer
      ? await gdap.customerAction(customer, request.params.id, action as RelationshipAction)
      : await (async () => {
        const own = await gdap.getRelationship(graph.caller(request), request.params.id);
        return { relationship: own, request: await gdap.requestAction(own, action as RelationshipAction, { byCustomer: false }) };
      })();
    return graph.entity(request, reply, requestsPath(relationship.id), requestJson(made, prefersUnknownEnumMembers(request.headers.prefer)), REQUEST_OPTIONS.selectable, 201, graph.url(`${RELATIONSHIPS}/${relationship.id}/requests/${made.id}`));
  });

  // ---- operations: none are long-running here (see docs/parity.md) ----
  app.get<{ Params: Params }>(`/${RELATIONSHIPS}/:id/operations`, async (request, reply) => {
    graph.requirePermission(request, READ);
    await gdap.getRelationship(graph.caller(request), request.params.id);
    return graph.collection(request, reply, `${RELATIONSHIPS}('${request.params.id}')/operations`, [], OPERATION_OPTIONS);
  });
  app.get<{ Params: Params }>(`/${RELATIONSHIPS}/:id/operations/:operationId`, async (request) => {
    graph.requirePermission(request, READ);
    await gdap.getRelationship(graph.caller(request), request.params.id);
    throw new GraphError('notFound', `The delegatedAdminRelationshipOperation '${String(request.params.operationId).slice(0, 80)}' does not exist.`);
  });

  // ---- access assignments ----
  const assignmentsPath = (id: string) => `${RELATIONSHIPS}('${id}')/accessAssignments`;
  const assignmentIfMatch = async (request: FastifyRequest<{ Params: Params }>) => {
    const current = await gdap.getAssignment(graph.caller(request), request.params.id, request.params.assignmentId!);
    return versionFromIfMatch(request.headers['if-match'], current.id, current.version, current.effectiveStatus);
  };
  app.get<{ Params: Params }>(`/${RELATIONSHIPS}/:id/accessAssignments`, async (request, reply) => {
    graph.requirePermission(request, READ);
    const items = (await gdap.listAssignments(graph.caller(request), request.params.id)).map(assignmentJson);
    return graph.collection(request, reply, assignmentsPath(request.params.id), items, ASSIGNMENT_OPTIONS);
  });
  app.post<{ Params: Params }>(`/${RELATIONSHIPS}/:id/accessAssignments`, async (request, reply) => {
    graph.requirePermission(request, WRITE);
    const body = bodyObject(request.body, ['accessContainer', 'accessDetails'], READ_ONLY, 'delegatedAdminAccessAssignment');
    const container = body.accessContainer as { accessContainerId?: unknown; accessContainerType?: unknown } | undefined;
    if (typeof container !== 'object' || container === null || typeof container.accessContainerId !== 'string') {
      throw new GraphError('badRequest', "The property 'accessContainer' must be {\"accessContainerId\": \"<security group id>\", \"accessContainerType\": \"securityGroup\"}.");
    }
    if (container.accessContainerType !== undefined && container.accessContainerType !== 'securityGroup') {
      throw new GraphError('badRequest', "accessContainer.accessContainerType must be 'securityGroup'.");
    }
    const created = await gdap.createAssignment(graph.caller(request), request.params.id, {
      groupId: container.accessContainerId, roleIds: unifiedRoles(body.accessDetails, 'accessDetails'),
    });
    return graph.entity(request, reply, assignmentsPath(request.params.id), assignmentJson(created), ASSIGNMENT_OPTIONS.selectable, 201,
      graph.url(`${RELATIONSHIPS}/${request.params.id}/accessAssignments/${created.id}`));
  });
  app.get<{ Params: Params }>(`/${RELATIONSHIPS}/:id/accessAssignments/:assignmentId`, async (request, reply) => {
    graph.requirePermission(request, READ);
    const found = await gdap.getAssignment(graph.caller(request), request.params.id, request.params.assignmentId!);
    return graph.entity(request, reply, assignmentsPath(request.params.id), assignmentJson(found), ASSIGNMENT_OPTIONS.selectable);
  });
  app.patch<{ Params: Params }>(`/${RELATIONSHIPS}/:id/accessAssignments/:assignmentId`, async (request, reply) => {
    graph.requirePermission(request, WRITE);
    const body = bodyObject(request.body, ['accessDetails'], [...READ_ONLY, 'accessContainer'], 'delegatedAdminAccessAssignment');
    const version = await assignmentIfMatch(request);
    const updated = await gdap.updateAssignment(graph.caller(request), request.params.id, request.params.assignmentId!, version, unifiedRoles(body.accessDetails, 'accessDetails'));
    return graph.entity(request, reply, assignmentsPath(request.params.id), assignmentJson(updated), ASSIGNMENT_OPTIONS.selectable);
  });
  app.delete<{ Params: Params }>(`/${RELATIONSHIPS}/:id/accessAssignments/:assignmentId`, async (request, reply) => {
    graph.requirePermission(request, WRITE);
    await gdap.deleteAssignment(graph.caller(request), request.params.id, request.params.assignmentId!, await assignmentIfMatch(request));
    return reply.code(204).send();
  });

  // ---- customers ----
  const CUSTOMERS = 'tenantRelationships/delegatedAdminCustomers';
  const customerOf = async (request: FastifyRequest<{ Params: Params }>) => {
    const found = (await gdap.listCustomers(graph.caller(request))).find((c) => c.tenantId === request.params.id.toLowerCase());
    if (!found) throw new GraphError('notFound', `The delegatedAdminCustomer '${request.params.id.slice(0, 80)}' does not exist.`);
    return found;
  };
  app.get(`/${CUSTOMERS}`, async (request, reply) => {
    graph.requirePermission(request, READ);
    return graph.collection(request, reply, CUSTOMERS, (await gdap.listCustomers(graph.caller(request))).map(customerJson), CUSTOMER_OPTIONS);
  });
  app.get<{ Params: Params }>(`/${CUSTOMERS}/:id`, async (request, reply) => {
    graph.requirePermission(request, READ);
    return graph.entity(request, reply, CUSTOMERS, customerJson(await customerOf(request)), CUSTOMER_OPTIONS.selectable);
  });
  // Delegated permissions only: Graph documents no application permission for this list.
  app.get<{ Params: Params }>(`/${CUSTOMERS}/:id/serviceManagementDetails`, async (request, reply) => {
    graph.requirePermission(request, READ);
    if (graph.caller(request).appOnly) {
      throw new GraphError('forbidden', 'Listing serviceManagementDetails needs a delegated token (a user signed in to the app); application permissions are not supported for it.');
    }
    const customer = await customerOf(request);
    return graph.collection(request, reply, `${CUSTOMERS}('${customer.tenantId}')/serviceManagementDetails`, serviceManagementDetailsJson(customer.tenantId), SERVICE_DETAIL_OPTIONS);
  });
}
