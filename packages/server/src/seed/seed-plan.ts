/**
 * A seed file resolved into rows: ids derived, role names turned into ids, relative dates made
 * absolute, secrets hashed. The store applies a plan as it is, in one transaction.
 */
import type { AgentRole, CustomerOrganization } from '@pcapi/contracts';
import type { AssignmentStatus, PrincipalKind, RelationshipStatus } from '../domain/model.js';

export interface PartnerRow { tenantId: string; displayName: string; domain: string | null }

export interface PrincipalRow {
  tenantId: string;
  objectId: string;
  kind: PrincipalKind;
  displayName: string;
  userPrincipalName: string | null;
  clientId: string | null;
  mfaRegistered: boolean;
  credentialHash: string | null;
}

export interface GroupRow { groupId: string; tenantId: string; displayName: string; agentRole: AgentRole | null }

/** The complete list of groups one member (principal or group) belongs to directly. */
export interface MemberOfRow { memberId: string; memberKind: PrincipalKind | 'group'; groupIds: string[] }

export interface CustomerRow { tenantId: string; organization: CustomerOrganization }

export interface PartnerCustomerRow { partnerTenantId: string; customerTenantId: string; displayName: string; dapEnabled: boolean }

/** A resolved timestamp and the seed text it came from; re-importing the same text keeps the stored value. */
export interface SeedDate { value: string; source: string }

export interface RelationshipRow {
  id: string;
  partnerTenantId: string;
  customerTenantId: string;
  displayName: string;
  status: RelationshipStatus;
  roleIds: string[];
  duration: string;
  autoExtendDuration: string;
  createdDateTime: SeedDate;
  activatedDateTime: SeedDate | null;
  endDateTime: SeedDate | null;
}

export interface AssignmentRow { id: string; relationshipId: string; groupId: string; status: AssignmentStatus; roleIds: string[] }

export interface SeedPlan {
  partners: PartnerRow[];
  principals: PrincipalRow[];
  groups: GroupRow[];
  memberOf: MemberOfRow[];
  customers: CustomerRow[];
  partnerCustomers: PartnerCustomerRow[];
  relationships: RelationshipRow[];
  /** Complete per relationship: assignments of a listed relationship that the plan omits are removed. */
  assignments: AssignmentRow[];
}
