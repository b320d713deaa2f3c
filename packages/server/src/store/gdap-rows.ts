/**
 * GDAP and directory rows as the Graph-compatible surface reads and writes them. Rows only: what a
 * status means at a given instant, and which writes are allowed, is domain/gdap-lifecycle.ts's business.
 * Times are epoch milliseconds; `version` increases with every write (the `@odata.etag`).
 */
import type { AgentRole } from '@pcapi/contracts';
import type { AssignmentStatus, PrincipalKind, RelationshipStatus } from '../domain/model.js';

export interface StoredRelationship {
  id: string;
  partnerTenantId: string;
  customerTenantId: string;
  /** The customer's name as the partner knows it (partner_customers). */
  customerDisplayName: string;
  displayName: string;
  /** The base status the last write set; later statuses are derived from the clock. */
  status: RelationshipStatus;
  /** When `status` was set; null for seeded rows (read as of their own dates). */
  statusSinceMs: number | null;
  roleIds: string[];
  duration: string;
  autoExtendDuration: string;
  createdMs: number;
  lastModifiedMs: number | null;
  activatedMs: number | null;
  endMs: number | null;
  version: number;
}

export interface StoredAssignment {
  id: string;
  relationshipId: string;
  groupId: string;
  status: AssignmentStatus;
  statusSinceMs: number | null;
  roleIds: string[];
  createdMs: number | null;
  lastModifiedMs: number | null;
  version: number;
}

export type RelationshipRequestAction = 'lockForApproval' | 'approve' | 'terminate' | 'reject';

export interface StoredRelationshipRequest {
  id: string;
  relationshipId: string;
  action: RelationshipRequestAction;
  status: 'created' | 'pending' | 'succeeded' | 'failed';
  createdMs: number;
  lastModifiedMs: number;
}

export interface StoredGroup {
  groupId: string;
  tenantId: string;
  displayName: string;
  description: string | null;
  mailNickname: string | null;
  agentRole: AgentRole | null;
  createdMs: number | null;
}

export interface StoredGroupMember {
  groupId: string;
  memberId: string;
  kind: PrincipalKind | 'group';
}

/**
 * One write of the Graph surface, applied atomically by the store. Updates and deletes carry the
 * version the caller read: when the row has moved on since, nothing is written and the answer is
 * 'stale' (Graph's 412), so a decision taken over old data never lands.
 */
export type GdapWrite =
  | { kind: 'insertRelationship'; relationship: StoredRelationship }
  | { kind: 'updateRelationship'; relationship: StoredRelationship; expectedVersion: number; request?: StoredRelationshipRequest }
  | { kind: 'deleteRelationship'; partnerTenantId: string; id: string; expectedVersion: number }
  | { kind: 'insertAssignment'; assignment: StoredAssignment }
  | { kind: 'updateAssignment'; assignment: StoredAssignment; expectedVersion: number }
  | { kind: 'insertGroup'; group: StoredGroup }
  | { kind: 'addGroupMember'; member: StoredGroupMember }
  | { kind: 'removeGroupMember'; groupId: string; memberId: string }
  | { kind: 'setEmulatorSetting'; name: string; value: unknown };

/** `missing`: a row the write names does not exist; `exists`: an insert's id is taken. */
export type GdapWriteResult = 'ok' | 'stale' | 'missing' | 'exists';
