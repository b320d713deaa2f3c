/** The seed file as written (schemas/seed.schema.json is its published JSON Schema). */
import type { AgentRole, CustomerOrganization } from '@pcapi/contracts';
import type { AssignmentStatus, RelationshipStatus } from '../domain/model.js';

export interface SeedDocument {
  $schema?: string;
  description?: string;
  partners: SeedPartner[];
}

export interface SeedPartner {
  tenantId: string;
  displayName: string;
  domain?: string;
  securityGroups?: { id?: string; displayName: string; memberOf?: string[] }[];
  users?: SeedUser[];
  applications?: SeedApplication[];
  customers?: SeedCustomer[];
  consents?: SeedConsent[];
}

/**
 * Delegated permissions granted to an app: by one user of the partner (`user`: its id or
 * userPrincipalName), or by an admin for the whole tenant (no `user`).
 */
export interface SeedConsent {
  /** One of the partner's applications, or a Microsoft first-party public client (Azure CLI, Azure PowerShell). */
  clientId: string;
  user?: string;
  /** "resource/permission" strings, e.g. https://api.partnercenter.microsoft.com/user_impersonation. */
  scopes: string[];
}

export interface SeedUser {
  id?: string;
  userPrincipalName: string;
  displayName?: string;
  password?: string;
  /** The stored credential hash (`scrypt$...`), used as is: what `pcapi export` writes instead of a password. Not with `password`. */
  passwordHash?: string;
  mfa?: boolean;
  /** Default true; false: a disabled account (sign-in refused). */
  accountEnabled?: boolean;
  agentRoles?: AgentRole[];
  memberOf?: string[];
}

export interface SeedApplication {
  clientId: string;
  objectId?: string;
  displayName: string;
  clientSecret?: string;
  /** The stored credential hash (`scrypt$...`), used as is: what `pcapi export` writes instead of a secret. Not with `clientSecret`. */
  clientSecretHash?: string;
  /** Redirect URIs of the sign-in flows. */
  redirectUris?: string[];
  /** Entra's "allow public client flows": flows without a secret (device code, code without secret). Default false. */
  publicClient?: boolean;
  /** Microsoft Graph application permissions granted to the app (admin consent), e.g. DelegatedAdminRelationship.ReadWrite.All. */
  graphPermissions?: string[];
  agentRoles?: AgentRole[];
  memberOf?: string[];
}

export interface SeedCustomer {
  tenantId: string;
  displayName: string;
  dap?: boolean;
  organization?: Partial<CustomerOrganization>;
  /** Users of the customer's own tenant (e.g. the administrator who approves GDAP relationships). */
  users?: SeedCustomerUser[];
  gdapRelationships?: SeedRelationship[];
}

export interface SeedCustomerUser {
  objectId?: string;
  userPrincipalName: string;
  displayName?: string;
  password?: string;
  passwordHash?: string;
  /** Entra roles held in the customer tenant, by name or role definition id (the token's `wids`). */
  directoryRoles?: string[];
}

export interface SeedRelationship {
  id?: string;
  displayName: string;
  status: RelationshipStatus;
  roles: string[];
  duration?: string;
  autoExtendDuration?: 'PT0S' | 'P180D';
  createdDateTime?: string;
  activatedDateTime?: string;
  endDateTime?: string;
  accessAssignments?: { id?: string; securityGroup: string; status?: AssignmentStatus; roles: string[] }[];
}
