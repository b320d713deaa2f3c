/** Row ↔ GDAP model mapping shared by both stores (SQLite hands back ISO text and JSON text, PostgreSQL Dates and jsonb). */
import type { AgentRole } from '@pcapi/contracts';
import type { AssignmentStatus, PrincipalKind, RelationshipStatus } from '../domain/model.js';
import type { StoredAssignment, StoredGroup, StoredGroupMember, StoredRelationship, StoredRelationshipRequest } from './gdap-rows.js';
import type { Row } from './rows.js';

const list = (value: unknown): string[] => (typeof value === 'string' ? (JSON.parse(value) as string[]) : ((value as string[] | null) ?? []));
export const msOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : new Date(value as string | Date).getTime());
/** Epoch ms as the stores keep times: ISO text (SQLite), or a value PostgreSQL casts to timestamptz. */
export const isoOrNullFromMs = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function toStoredRelationship(row: Row): StoredRelationship {
  return {
    id: row.id as string,
    partnerTenantId: row.partner_tenant_id as string,
    customerTenantId: row.customer_tenant_id as string,
    customerDisplayName: (row.customer_display_name as string | null) ?? '',
    displayName: row.display_name as string,
    status: row.status as RelationshipStatus,
    statusSinceMs: msOrNull(row.status_since),
    roleIds: list(row.role_ids),
    duration: row.duration as string,
    autoExtendDuration: row.auto_extend_duration as string,
    createdMs: msOrNull(row.created_date_time)!,
    lastModifiedMs: msOrNull(row.last_modified_date_time),
    activatedMs: msOrNull(row.activated_date_time),
    endMs: msOrNull(row.end_date_time),
    version: Number(row.version),
  };
}

export function toStoredAssignment(row: Row): StoredAssignment {
  return {
    id: row.id as string,
    relationshipId: row.relationship_id as string,
    groupId: row.group_id as string,
    status: row.status as AssignmentStatus,
    statusSinceMs: msOrNull(row.status_since),
    roleIds: list(row.role_ids),
    createdMs: msOrNull(row.created_date_time),
    lastModifiedMs: msOrNull(row.last_modified_date_time),
    version: Number(row.version),
  };
}

export function toStoredRequest(row: Row): StoredRelationshipRequest {
  return {
    id: row.id as string,
    relationshipId: row.relationship_id as string,
    action: row.action as StoredRelationshipRequest['action'],
    status: row.status as StoredRelationshipRequest['status'],
    createdMs: msOrNull(row.created_date_time)!,
    lastModifiedMs: msOrNull(row.last_modified_date_time)!,
  };
}

export function toStoredGroup(row: Row): StoredGroup {
  return {
    groupId: row.group_id as string,
    tenantId: row.tenant_id as string,
    displayName: row.display_name as string,
    description: (row.description as string | null) ?? null,
    mailNickname: (row.mail_nickname as string | null) ?? null,
    agentRole: (row.agent_role as AgentRole | null) ?? null,
    createdMs: msOrNull(row.created_date_time),
  };
}

/** A customer tenant's user as a principal of that tenant: a user who always signs in with MFA. */
export function toCustomerUser(row: Row): import('./store.js').CustomerUser {
  return {
    tenantId: row.tenant_id as string, objectId: row.object_id as string, kind: 'user', displayName: row.display_name as string,
    userPrincipalName: row.user_principal_name as string, clientId: null, mfaRegistered: true, accountEnabled: true, redirectUris: [], publicClient: false,
    appPermissions: [], credentialHash: (row.credential_hash as string | null) ?? null, directoryRoleIds: list(row.directory_roles),
  };
}

export function toStoredGroupMember(row: Row): StoredGroupMember {
  return { groupId: row.group_id as string, memberId: row.member_id as string, kind: row.member_kind as PrincipalKind | 'group' };
}

/** A relationship's columns in table order, for inserts and updates (JSON columns as text). */
export function relationshipValues(r: StoredRelationship): unknown[] {
  return [
    r.id, r.partnerTenantId, r.customerTenantId, r.displayName, r.status, isoOrNullFromMs(r.statusSinceMs), JSON.stringify(r.roleIds),
    r.duration, r.autoExtendDuration, isoOrNullFromMs(r.createdMs), isoOrNullFromMs(r.lastModifiedMs), isoOrNullFromMs(r.activatedMs), isoOrNullFromMs(r.endMs),
  ];
}

export function assignmentValues(a: StoredAssignment): unknown[] {
  return [a.id, a.relationshipId, a.groupId, a.status, isoOrNullFromMs(a.statusSinceMs), JSON.stringify(a.roleIds), isoOrNullFromMs(a.createdMs), isoOrNullFromMs(a.lastModifiedMs)];
}
