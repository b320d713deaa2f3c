/**
 * Schemas of the Graph surface's bodies (graph-json.ts): the delegatedAdmin* and directory
 * resources as Microsoft Graph shapes them. `$select` may leave any property out, so none is
 * required on a resource; request bodies state what pcapi requires.
 */
import { ASSIGNMENT_STATUSES, RELATIONSHIP_STATUSES } from '../../domain/model.js';
import type { Json } from './openapi-common.js';

const string = { type: 'string' };
const nullableString = { type: ['string', 'null'] };
const boolean = { type: 'boolean' };
const dateTime = { type: 'string', format: 'date-time' };
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' };
const duration = { type: 'string', description: 'An ISO 8601 duration, e.g. P730D.' };
const object = (properties: Record<string, unknown>, required: string[] = [], extra: Json = {}): Json => ({ type: 'object', properties, ...(required.length ? { required } : {}), ...extra });
const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

const etag = { type: 'string', description: 'Send it back in If-Match to update or delete.' };
const RELATIONSHIP_ACTIONS = ['lockForApproval', 'approve', 'terminate', 'reject'];
const odataType = (name: string) => ({ const: `#microsoft.graph.${name}` });

export const GRAPH_SCHEMAS: Record<string, Json> = {
  GraphError: object({
    error: object({
      code: string,
      message: string,
      innerError: object({ date: string, 'request-id': string, 'client-request-id': string }, ['date', 'request-id', 'client-request-id']),
    }, ['code', 'message', 'innerError']),
  }, ['error']),
  UnifiedRoles: object({ unifiedRoles: { type: 'array', items: object({ roleDefinitionId: string }, ['roleDefinitionId']) } }, ['unifiedRoles']),
  DelegatedAdminRelationship: object({
    '@odata.type': odataType('delegatedAdminRelationship'), '@odata.etag': etag, id: string, displayName: string, duration, status: { type: 'string', enum: [...RELATIONSHIP_STATUSES] },
    autoExtendDuration: duration, createdDateTime: dateTime, lastModifiedDateTime: dateTime, activatedDateTime: nullableDateTime, endDateTime: nullableDateTime,
    customer: object({ displayName: nullableString, tenantId: string }), accessDetails: ref('UnifiedRoles'),
  }),
  DelegatedAdminRelationshipCreate: object({
    displayName: string, duration, customer: object({ tenantId: { type: 'string', format: 'uuid' }, displayName: string }, ['tenantId']),
    accessDetails: ref('UnifiedRoles'), autoExtendDuration: { ...duration, description: 'PT0S (the default) or P180D.' },
  }, ['displayName', 'duration', 'customer', 'accessDetails']),
  DelegatedAdminRelationshipUpdate: object({
    displayName: string, duration, customer: object({ tenantId: { type: 'string', format: 'uuid' } }, ['tenantId']), accessDetails: ref('UnifiedRoles'), autoExtendDuration: duration,
  }),
  DelegatedAdminRelationshipRequest: object({
    '@odata.type': odataType('delegatedAdminRelationshipRequest'), '@odata.etag': string, id: string,
    action: { type: 'string', enum: [...RELATIONSHIP_ACTIONS, 'unknownFutureValue'], description: '`reject` reads `unknownFutureValue` unless the request sent `Prefer: include-unknown-enum-members`.' }, status: { type: 'string', examples: ['created', 'succeeded'] }, createdDateTime: dateTime, lastModifiedDateTime: dateTime,
  }),
  DelegatedAdminRelationshipRequestCreate: object({ action: { type: 'string', enum: RELATIONSHIP_ACTIONS } }, ['action']),
  DelegatedAdminRelationshipOperation: object({ id: string, operationType: string, status: string, data: string, createdDateTime: dateTime, lastModifiedDateTime: dateTime }),
  DelegatedAdminAccessAssignment: object({
    '@odata.type': odataType('delegatedAdminAccessAssignment'), '@odata.etag': etag, id: string, status: { type: 'string', enum: [...ASSIGNMENT_STATUSES] }, createdDateTime: dateTime, lastModifiedDateTime: dateTime,
    accessContainer: object({ accessContainerId: string, accessContainerType: { const: 'securityGroup' } }), accessDetails: ref('UnifiedRoles'),
  }),
  DelegatedAdminAccessAssignmentCreate: object({
    accessContainer: object({ accessContainerId: string, accessContainerType: { const: 'securityGroup' } }, ['accessContainerId']), accessDetails: ref('UnifiedRoles'),
  }, ['accessContainer', 'accessDetails']),
  DelegatedAdminAccessAssignmentUpdate: object({ accessDetails: ref('UnifiedRoles') }, ['accessDetails']),
  DelegatedAdminCustomer: object({ '@odata.type': odataType('delegatedAdminCustomer'), '@odata.etag': string, id: string, tenantId: string, displayName: string }),
  DelegatedAdminServiceManagementDetail: object({ '@odata.type': odataType('delegatedAdminServiceManagementDetail'), id: string, serviceManagementUrl: string, serviceName: string }),
  Group: object({
    id: string, displayName: string, description: nullableString, mailNickname: string, mailEnabled: boolean, securityEnabled: boolean,
    groupTypes: { type: 'array', items: string }, createdDateTime: dateTime,
  }),
  GroupCreate: object({
    displayName: string, mailNickname: string, description: string, groupTypes: { type: 'array', items: string },
    securityEnabled: { ...boolean, description: 'Groups are created as security groups whatever is sent.' }, mailEnabled: boolean,
  }, ['displayName', 'mailNickname']),
  User: object({ '@odata.type': { const: '#microsoft.graph.user' }, id: string, displayName: string, userPrincipalName: string, mail: string, accountEnabled: boolean }),
  ServicePrincipal: object({
    '@odata.type': { const: '#microsoft.graph.servicePrincipal' }, id: string, appId: string, displayName: string, servicePrincipalType: string, accountEnabled: boolean,
  }),
  DirectoryObject: {
    description: 'A group member: a user, a service principal or a group (told apart by `@odata.type`).',
    anyOf: [ref('User'), ref('ServicePrincipal'), { allOf: [object({ '@odata.type': { const: '#microsoft.graph.group' } }), ref('Group')] }],
  },
  DirectoryObjectReference: object({ '@odata.id': { type: 'string', format: 'uri', examples: ['https://graph.microsoft.com/v1.0/directoryObjects/{id}'] } }, ['@odata.id']),
};
