/**
 * The data the store hands to the domain. Plain rows: the store keeps no rules,
 * authorization decides over these (see authorize.ts).
 */
import type { AgentRole, CustomerOrganization } from '@pcapi/contracts';

export type PrincipalKind = 'user' | 'app';

export interface PartnerTenant {
  tenantId: string;
  displayName: string;
  domain: string | null;
}

export interface Principal {
  tenantId: string;
  objectId: string;
  kind: PrincipalKind;
  displayName: string;
  /** Users only. */
  userPrincipalName: string | null;
  /** Apps only: the application (client) id. */
  clientId: string | null;
  /** Users only: whether sign-in satisfies MFA (`amr` gets `mfa`). */
  mfaRegistered: boolean;
  /** False for a disabled user (sign-in and refresh tokens refused); apps are always enabled. */
  accountEnabled: boolean;
  /** Apps only: the registered redirect URIs of the app (sign-in flows). */
  redirectUris: string[];
  /** Apps only: whether public-client flows (no secret: device code, code without secret) are allowed. */
  publicClient: boolean;
  /** Apps only: Microsoft Graph application permissions (the `roles` of its app-only Graph tokens). */
  appPermissions: string[];
}

/** A principal with its stored credential hash, for the token endpoint only. */
export interface PrincipalCredential extends Principal {
  credentialHash: string | null;
}

/** A group that contains the caller, directly (depth 1) or through nested groups (depth > 1). */
export interface GroupMembership {
  groupId: string;
  displayName: string;
  agentRole: AgentRole | null;
  depth: number;
}

export const RELATIONSHIP_STATUSES = [
  'created', 'approvalPending', 'approved', 'activating', 'active', 'expiring', 'expired',
  'terminationRequested', 'terminating', 'terminated',
] as const;
export type RelationshipStatus = (typeof RELATIONSHIP_STATUSES)[number];

export const ASSIGNMENT_STATUSES = ['pending', 'active', 'deleting', 'deleted', 'error'] as const;
export type AssignmentStatus = (typeof ASSIGNMENT_STATUSES)[number];

export interface AccessAssignment {
  id: string;
  groupId: string;
  groupDisplayName: string;
  status: AssignmentStatus;
  roleIds: string[];
  /** When `status` was set by a write; null for seeded rows. Later statuses follow from the clock (gdap-lifecycle.ts). */
  statusSinceMs?: number | null;
}

/** What a relationship's status at an instant is derived from (domain/gdap-lifecycle.ts). */
export interface RelationshipLifecycleFacts {
  statusSinceMs: number | null;
  createdMs: number;
  activatedMs: number | null;
  duration: string;
  autoExtendDuration: string;
}

export interface GdapRelationship {
  id: string;
  displayName: string;
  status: RelationshipStatus;
  roleIds: string[];
  /** ISO 8601; null while not yet activated. */
  endDateTime: string | null;
  accessAssignments: AccessAssignment[];
  /** Present when read for a decision: the status above is the stored base status, not yet derived. */
  lifecycle?: RelationshipLifecycleFacts;
}

/** A customer as one partner sees it: only returned when the partner serves that customer. */
export interface PartnerCustomer {
  customerTenantId: string;
  displayName: string;
  dapEnabled: boolean;
  /** The customer's organization details, read with the rest so an allowed call needs no second read. */
  organization: CustomerOrganization;
}

/** Everything authorization needs for one (caller, customer) pair, in one store call. */
export interface AccessFacts {
  principal: Principal | undefined;
  memberships: GroupMembership[];
  customer: PartnerCustomer | undefined;
  relationships: GdapRelationship[];
}

export type { CustomerOrganization };

/** A user of a customer's own tenant, as its verified token describes it (Graph only: approving GDAP). */
export interface CustomerCaller {
  tenantId: string;
  tenantName: string;
  objectId: string;
  name: string;
  /** The token's `wids`: Entra role definition ids held in the customer tenant. */
  directoryRoleIds: string[];
  permissions: string[];
  audience: 'partnerCenter' | 'graph';
}

/** The authenticated caller, as its verified token describes it. */
export interface Caller {
  partner: PartnerTenant;
  objectId: string;
  appOnly: boolean;
  /** The token's appid/azp. */
  clientId: string | undefined;
  /** A UPN for users, the app's name or client id for apps: how explanations name the caller. */
  name: string;
  /** How the user signed in (the token's `amr`: `pwd`, `mfa`, ...); empty for apps. */
  amr: string[];
  /** When the token expires (epoch ms): the caller must not be remembered past it. */
  expiresAtMs: number;
  /** The API the token is for; a surface refuses tokens for another. */
  audience: 'partnerCenter' | 'graph';
  /** The permissions the token carries: `roles` (app-only) or the words of `scp` (delegated). */
  permissions: string[];
}
