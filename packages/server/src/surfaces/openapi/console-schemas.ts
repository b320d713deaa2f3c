/**
 * Schemas of the console API's bodies (/_pcapi/console/api/, surfaces/console/console-api-routes.ts).
 * The console may grow them: objects keep additionalProperties open.
 */
import { RELATIONSHIP_STATUSES, ASSIGNMENT_STATUSES } from '../../domain/model.js';
import type { Json } from './openapi-common.js';

const string = { type: 'string' };
const nullableString = { type: ['string', 'null'] };
const guid = { type: 'string', format: 'uuid', description: 'A lowercase GUID.' };
const dateTime = { type: 'string', format: 'date-time' };
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' };
const boolean = { type: 'boolean' };
const array = (items: Json): Json => ({ type: 'array', items });
const object = (properties: Record<string, unknown>, required: string[] = Object.keys(properties), extra: Json = {}): Json => ({ type: 'object', properties, required, ...extra });
const schema = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

const role = object({ id: guid, name: { ...string, description: 'The Entra role\'s name; the id when the role is not in the catalog.' } });
const member = object({
  objectId: guid,
  kind: { type: 'string', enum: ['user', 'app', 'group'], description: '`group`: a nested group (with nested groups on).' },
  name: { ...string, description: 'A user\'s principal name, an app\'s or group\'s display name.' },
});
const partnerSummary = object({ tenantId: guid, displayName: string, domain: nullableString });

export const CONSOLE_SCHEMAS: Record<string, Json> = {
  ConsolePartnerList: object({ value: array(partnerSummary) }, ['value'], { description: 'Every partner, by display name.' }),
  ConsoleRelationship: object({
    id: string, displayName: string, customerTenantId: guid, customerName: string,
    status: { type: 'string', enum: [...RELATIONSHIP_STATUSES], description: 'The effective status now, by the server\'s clock.' },
    roles: array(role), createdDateTime: dateTime, activatedDateTime: nullableDateTime, endDateTime: nullableDateTime,
    duration: string, autoExtendDuration: string,
    assignments: array(object({ id: guid, groupId: guid, groupName: string, status: { type: 'string', enum: [...ASSIGNMENT_STATUSES] }, roles: array(role) })),
  }, ['id', 'displayName', 'customerTenantId', 'customerName', 'status', 'roles', 'createdDateTime', 'activatedDateTime', 'endDateTime', 'assignments']),
  ConsolePartner: object({
    tenantId: guid, displayName: string, domain: nullableString,
    principals: array(object({
      objectId: guid, kind: { type: 'string', enum: ['user', 'app'] }, name: { ...string, description: 'A user\'s principal name, an app\'s display name.' },
      displayName: string, clientId: { type: ['string', 'null'], description: 'Apps: the application (client) id.' }, groups: array({ ...guid, description: 'Groups it is a direct member of.' }),
    }, ['objectId', 'kind', 'name', 'displayName', 'clientId', 'groups'])),
    groups: array(object({
      groupId: guid, displayName: string, agentRole: { type: ['string', 'null'], enum: ['AdminAgents', 'HelpdeskAgents', 'SalesAgents', null], description: 'null: a security group.' },
      members: array(member),
    }, ['groupId', 'displayName', 'agentRole', 'members'])),
    relationships: array(schema('ConsoleRelationship')),
    relationshipCount: { type: 'integer', description: 'How many GDAP relationships the partner has; `relationships` lists up to 100 of them from `relationshipsFrom`.' },
    relationshipsFrom: { type: 'integer', description: 'The position of the first relationship listed.' },
    relationshipsNext: { type: ['integer', 'null'], description: 'The `relationshipsFrom` of the next 100, or null after the last.' },
    customers: { type: 'integer', description: 'How many customers the partner has.' },
  }),
  ConsoleCustomerPage: object({
    value: array(object({ tenantId: guid, displayName: string, partners: array(object({ tenantId: guid, displayName: string, dapEnabled: boolean })) })),
    next: { type: ['string', 'null'], description: 'The cursor of the next page (pass it as `after`); null on the last page.' },
  }, ['value', 'next'], { description: 'Customers by display name (ASCII letters folded, compared by bytes), then tenant id.' }),
  ConsoleCustomer: object({
    tenantId: guid, displayName: string,
    organization: { type: 'array', items: schema('CustomerOrganization'), description: 'The body GET /v1/customers/{id}/organization answers an allowed caller.' },
    partners: array(object({ tenantId: guid, displayName: string, dapEnabled: boolean, relationships: array(schema('ConsoleRelationship')) }, ['tenantId', 'displayName', 'dapEnabled', 'relationships'])),
  }),
  ConsoleExplanation: object({
    principal: object({ objectId: guid, kind: { type: 'string', enum: ['user', 'app'] }, name: string, partnerTenantId: guid }),
    partner: { ...string, description: 'The partner\'s display name.' }, customer: guid, at: dateTime,
    allowed: boolean, status: { type: 'integer', description: 'What GET /v1/customers/{id}/organization would answer.' },
    grantedUntil: { ...dateTime, description: 'When allowed: when the granting relationship ends.' },
    reason: { ...string, description: 'When denied: the denial (docs/errors.md).' },
    code: { type: 'integer', description: 'When denied: Partner Center\'s error code.' },
    checks: array({ ...string, description: '`passed: …` or `failed: …`, in order.' }),
    links: object({ principal: guid, partner: guid, customer: guid, relationships: array(string), groups: array(guid) }),
  }, ['principal', 'partner', 'customer', 'at', 'allowed', 'status', 'checks', 'links'], { description: 'The decision as `pcapi explain --json` prints it, with the principal and the objects it names.' }),
};
