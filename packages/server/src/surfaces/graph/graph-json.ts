/**
 * Graph's JSON for the GDAP and directory resources, and the request bodies it accepts: the shapes
 * of microsoft-graph-docs-contrib's delegatedAdmin* and group resources. Times are ISO 8601 UTC.
 */
import { isGuid } from '@pcapi/contracts';
import type { PrincipalCredential } from '../../domain/model.js';
import type { StoredGroup, StoredRelationshipRequest } from '../../store/gdap-rows.js';
import type { AssignmentView, RelationshipView } from '../../services/gdap-service.js';
import { GraphError } from './graph-errors.js';
import { unstorableCharacter } from '../../domain/storable-text.js';
import { stableId } from '../../seed/stable-id.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * A weak entity tag naming the row, its version and (for what the clock moves) its derived status:
 * If-Match must send it back unchanged, so a tag read before an activation or an expiry is stale.
 */
export function etag(id: string, version: number, status?: string): string {
  return `W/"${Buffer.from(`${id}:${version}${status === undefined ? '' : `:${status}`}`).toString('base64')}"`;
}

/**
 * The version an If-Match names for this row: `*` matches any. Absent → refused, as Graph requires
 * If-Match on these writes; another row's or a malformed tag → 412 like a stale one.
 */
export function versionFromIfMatch(header: string | string[] | undefined, id: string, currentVersion: number, currentStatus: string): number {
  if (header === undefined || header === '') throw new GraphError('badRequest', 'The If-Match header is required: send the @odata.etag of the object as you read it.');
  const value = Array.isArray(header) ? header[0]! : header;
  if (value.trim() === '*') return currentVersion;
  for (const tag of value.split(',').map((t) => t.trim())) {
    const match = /^(?:W\/)?"([A-Za-z0-9+/=]+)"$/.exec(tag);
    if (!match) continue;
    const [tagId, version, status] = Buffer.from(match[1]!, 'base64').toString('utf8').split(':');
    if (tagId !== id || !/^\d+$/.test(version ?? '')) continue;
    // The status the clock has moved on since the read: the object changed, as after a write.
    if (status === currentStatus) return Number(version);
  }
  return -1;
}

/** What the clock changes in a relationship without a write: its status, and its end date (auto-extension). */
export const relationshipState = (r: RelationshipView): string => `${r.effectiveStatus}/${r.effectiveEndMs ?? ''}`;

/** The last write, or the status the clock moved it to since, whichever is later: sync by lastModifiedDateTime sees expiries. */
const relationshipLastModified = (r: RelationshipView): number => Math.max(r.lastModifiedMs ?? r.createdMs, r.effectiveStatusSinceMs);

const roles = (roleIds: string[]) => ({ unifiedRoles: roleIds.map((roleDefinitionId) => ({ roleDefinitionId })) });

export function relationshipJson(r: RelationshipView): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.delegatedAdminRelationship',
    '@odata.etag': etag(r.id, r.version, relationshipState(r)),
    id: r.id,
    displayName: r.displayName,
    duration: r.duration,
    status: r.effectiveStatus,
    autoExtendDuration: r.autoExtendDuration,
    createdDateTime: iso(r.createdMs),
    lastModifiedDateTime: iso(relationshipLastModified(r)),
    activatedDateTime: iso(r.effectiveActivatedMs),
    endDateTime: iso(r.effectiveEndMs),
    customer: { displayName: r.customerDisplayName, tenantId: r.customerTenantId },
    accessDetails: roles(r.roleIds),
  };
}

/** A relationship's property at an OData path, read from the view (what relationshipJson would show), without rendering it. */
export function relationshipValue(r: RelationshipView, path: string): unknown {
  switch (path) {
    case 'status': return r.effectiveStatus;
    case 'customer/tenantId': return r.customerTenantId;
    case 'customer/displayName': return r.customerDisplayName;
    case 'createdDateTime': return iso(r.createdMs);
    case 'lastModifiedDateTime': return iso(relationshipLastModified(r));
    case 'activatedDateTime': return iso(r.effectiveActivatedMs);
    case 'endDateTime': return iso(r.effectiveEndMs);
    case 'id': case 'displayName': case 'duration': case 'autoExtendDuration': return r[path];
    default: return undefined;
  }
}

/** Actions after `unknownFutureValue` in Graph's evolvable enum: shown only to callers that ask for them. */
const EVOLVED_ACTIONS = new Set(['reject']);

/**
 * `includeUnknownEnumMembers`: the request sent `Prefer: include-unknown-enum-members`; otherwise an
 * action after the enum's sentinel reads `unknownFutureValue`, as Graph answers older clients.
 * Requests never change once made: their tag is the id's first version.
 */
export function requestJson(r: StoredRelationshipRequest, includeUnknownEnumMembers: boolean): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.delegatedAdminRelationshipRequest',
    '@odata.etag': etag(r.id, 1),
    id: r.id,
    action: EVOLVED_ACTIONS.has(r.action) && !includeUnknownEnumMembers ? 'unknownFutureValue' : r.action,
    status: r.status,
    createdDateTime: iso(r.createdMs),
    lastModifiedDateTime: iso(r.lastModifiedMs),
  };
}

/** Whether the request's `Prefer` header asks for evolvable enum members past the sentinel. */
export function prefersUnknownEnumMembers(prefer: string | string[] | undefined): boolean {
  return [prefer ?? []].flat().some((value) => value.split(',').some((part) => part.trim().toLowerCase() === 'include-unknown-enum-members'));
}

export function customerJson(c: { tenantId: string; displayName: string }): Record<string, unknown> {
  return { '@odata.type': '#microsoft.graph.delegatedAdminCustomer', '@odata.etag': etag(c.tenantId, 1), id: c.tenantId, tenantId: c.tenantId, displayName: c.displayName };
}

export function assignmentJson(a: AssignmentView): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.delegatedAdminAccessAssignment',
    '@odata.etag': etag(a.id, a.version, a.effectiveStatus),
    id: a.id,
    status: a.effectiveStatus,
    createdDateTime: iso(a.createdMs),
    lastModifiedDateTime: iso(a.lastModifiedMs ?? a.createdMs),
    accessContainer: { accessContainerId: a.groupId, accessContainerType: 'securityGroup' },
    accessDetails: roles(a.roleIds),
  };
}

/**
 * The admin portals a partner opens for a customer, as Graph lists them. Graph's list depends on the
 * customer's subscriptions; pcapi knows none, so every customer gets these (docs/parity.md), each
 * addressed by the customer's tenant id, with ids that stay the same from call to call.
 */
const MANAGED_SERVICES: { serviceName: string; url: (tenantId: string) => string }[] = [
  { serviceName: 'Microsoft 365 admin center', url: (tenantId) => `https://admin.microsoft.com/Partner/BeginClientSession.aspx?CTID=${tenantId}&CSDEST=o365admincenter` },
  { serviceName: 'Azure Active Directory', url: (tenantId) => `https://aad.portal.azure.com/${tenantId}` },
  { serviceName: 'Microsoft Intune', url: (tenantId) => `https://intune.microsoft.com/${tenantId}` },
  { serviceName: 'Microsoft 365 Lighthouse', url: () => 'https://lighthouse.microsoft.com' },
];

export function serviceManagementDetailsJson(customerTenantId: string): Record<string, unknown>[] {
  return MANAGED_SERVICES.map(({ serviceName, url }) => ({
    '@odata.type': '#microsoft.graph.delegatedAdminServiceManagementDetail',
    id: stableId('serviceManagementDetail', customerTenantId, serviceName),
    serviceManagementUrl: url(customerTenantId),
    serviceName,
  }));
}

export function groupJson(g: StoredGroup): Record<string, unknown> {
  return {
    id: g.groupId, displayName: g.displayName, description: g.description, mailNickname: g.mailNickname, mailEnabled: false, securityEnabled: true,
    groupTypes: [], createdDateTime: iso(g.createdMs),
  };
}

export function userJson(p: PrincipalCredential): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.user', id: p.objectId, displayName: p.displayName, userPrincipalName: p.userPrincipalName,
    mail: p.userPrincipalName, accountEnabled: p.accountEnabled,
  };
}

export function servicePrincipalJson(p: PrincipalCredential): Record<string, unknown> {
  return { '@odata.type': '#microsoft.graph.servicePrincipal', id: p.objectId, appId: p.clientId, displayName: p.displayName, servicePrincipalType: 'Application', accountEnabled: true };
}

// ---- request bodies ----

type Json = Record<string, unknown>;

/** The body as an object, refusing properties that are read-only or unknown (Graph refuses them too). */
export function bodyObject(body: unknown, allowed: string[], readOnly: string[], type: string): Json {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new GraphError('badRequest', `The request body must be a JSON object (a ${type}).`);
  const problems: string[] = [];
  for (const key of Object.keys(body)) {
    if (key.startsWith('@odata.')) continue;
    if (readOnly.includes(key)) problems.push(`the property '${key}' is read-only`);
    else if (!allowed.includes(key)) problems.push(`'${key}' is not a property of ${type}`);
  }
  if (problems.length > 0) throw new GraphError('badRequest', `Invalid request body: ${problems.join('; ')}.`);
  return body as Json;
}

export function stringProperty(body: Json, name: string, required: boolean): string | undefined {
  const value = body[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') throw new GraphError('badRequest', `The property '${name}' ${value === undefined ? 'is required' : 'must be a string'}.`);
  const unstorable = unstorableCharacter(value);
  if (unstorable !== undefined) throw new GraphError('badRequest', `The property '${name}' contains ${unstorable}, which is not text.`);
  return value;
}

/** `{ unifiedRoles: [{ roleDefinitionId }] }` → role ids. */
export function unifiedRoles(value: unknown, property: string): string[] {
  const list = (value as { unifiedRoles?: unknown } | null)?.unifiedRoles;
  if (typeof value !== 'object' || value === null || !Array.isArray(list)) {
    throw new GraphError('badRequest', `The property '${property}' must be {"unifiedRoles": [{"roleDefinitionId": "…"}]}.`);
  }
  return list.map((role, index) => {
    const id = (role as { roleDefinitionId?: unknown } | null)?.roleDefinitionId;
    if (typeof id !== 'string') throw new GraphError('badRequest', `${property}.unifiedRoles[${index}].roleDefinitionId must be a string.`);
    return id;
  });
}

export function customerTenantId(value: unknown): string {
  const tenantId = (value as { tenantId?: unknown } | null)?.tenantId;
  if (typeof value !== 'object' || value === null || typeof tenantId !== 'string') {
    throw new GraphError('badRequest', "The property 'customer' must be {\"tenantId\": \"…\"}: pcapi needs the customer's tenant id when the relationship is created.");
  }
  if (!isGuid(tenantId)) throw new GraphError('badRequest', `customer.tenantId '${String(tenantId).slice(0, 80)}' is not a GUID.`);
  return tenantId.toLowerCase();
}
