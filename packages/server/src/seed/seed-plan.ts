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
  /** Users: false for a disabled account. Apps: always true. */
  accountEnabled: boolean;
  /** Apps only ([] for users). */
  redirectUris: string[];
  /** Apps only (false for users). */
  publicClient: boolean;
  /** Apps only ([] for users): Microsoft Graph application permissions, the `roles` of app-only Graph tokens. */
  appPermissions: string[];
  credentialHash: string | null;
}

export interface GroupRow { groupId: string; tenantId: string; displayName: string; agentRole: AgentRole | null }

/** The complete list of groups one member (principal or group) belongs to directly. */
export interface MemberOfRow { memberId: string; memberKind: PrincipalKind | 'group'; groupIds: string[] }

export interface CustomerRow {
  tenantId: string;
  organization: CustomerOrganization;
  /** The partner whose file sets the organization details when the customer is new; the store keeps the first one. */
  organizationOwner: string;
}

/** A user of a customer's own tenant: signs in there (password grant) to approve GDAP relationships. */
export interface CustomerUserRow {
  objectId: string;
  tenantId: string;
  userPrincipalName: string;
  displayName: string;
  /** Role definition ids of the Entra roles held in the customer tenant. */
  directoryRoleIds: string[];
  credentialHash: string | null;
}

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
  /** Read back from a store only (export): when a Graph write set the status; the status is derived from then on. */
  statusSinceMs?: number | null;
}

/**
 * A consent: delegated scopes an app may use for one user (principalObjectId) or for every user of the
 * partner tenant (principalObjectId ''). `grantedAtMs` is the import's time; the store keeps the stored
 * time while the scopes are unchanged.
 */
export interface ConsentRow { tenantId: string; clientId: string; principalObjectId: string; scopes: string[]; grantedAtMs: number }

export interface AssignmentRow {
  id: string; relationshipId: string; groupId: string; status: AssignmentStatus; roleIds: string[];
  /** Read back from a store only (export), as for relationships. */
  statusSinceMs?: number | null;
}

/**
 * A key the plan declares (an id, or a name unique in its scope) and where the file declares it. An
 * import refuses a key declared twice, even by two chunks of one streamed file.
 */
export interface Claim {
  key: string;
  /** The field that declares it: `$.partners[0].users[1].id`, or `line 12: $.customer.tenantId`. */
  place: string;
  /** How a duplicate names it: the place, or just `line 12` in a streamed file (kept for the whole import). */
  origin: string;
  /** `customer of this partner`, `object id`... */
  what: string;
}

/** The keys of claims: one namespace per kind of thing that must be unique in an import. */
export const claimKey = {
  partner: (tenantId: string) => `tenant:${tenantId}`,
  domain: (domain: string) => `domain:${domain}`,
  groupName: (tenantId: string, lowerName: string) => `group:${tenantId}:${lowerName}`,
  /** Users, applications and groups share one namespace of object ids, as in Entra. */
  object: (objectId: string) => `id:${objectId}`,
  userName: (tenantId: string, upnKey: string) => `upn:${tenantId}:${upnKey}`,
  clientId: (tenantId: string, clientId: string) => `client:${tenantId}:${clientId}`,
  customer: (partnerTenantId: string, customerTenantId: string) => `customer:${partnerTenantId}:${customerTenantId}`,
  relationship: (id: string) => `relationship:${id}`,
  assignment: (id: string) => `assignment:${id}`,
  /** principalObjectId '' for a tenant-wide (admin) consent. */
  consent: (tenantId: string, clientId: string, principalObjectId: string) => `consent:${tenantId}:${clientId}:${principalObjectId}`,
};

/** The key of a name unique within a partner tenant (a user name, a client id), in StoredIds' maps. */
export const nameKey = (tenantId: string, name: string): string => `${tenantId} ${name}`;

export interface SeedPlan {
  partners: PartnerRow[];
  principals: PrincipalRow[];
  groups: GroupRow[];
  memberOf: MemberOfRow[];
  customers: CustomerRow[];
  customerUsers: CustomerUserRow[];
  partnerCustomers: PartnerCustomerRow[];
  relationships: RelationshipRow[];
  /** Complete per relationship: assignments of a listed relationship that the plan omits are removed. */
  assignments: AssignmentRow[];
  /** Merged by (tenant, client, principal): consents the plan does not list are left alone. */
  consents: ConsentRow[];
  /** Every key the rows above declare, once each, with its place in the file. */
  claims: Claim[];
}
