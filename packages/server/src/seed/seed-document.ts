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
}

export interface SeedUser {
  id?: string;
  userPrincipalName: string;
  displayName?: string;
  password?: string;
  mfa?: boolean;
  agentRoles?: AgentRole[];
  memberOf?: string[];
}

export interface SeedApplication {
  clientId: string;
  objectId?: string;
  displayName: string;
  clientSecret?: string;
  agentRoles?: AgentRole[];
  memberOf?: string[];
}

export interface SeedCustomer {
  tenantId: string;
  displayName: string;
  dap?: boolean;
  organization?: Partial<CustomerOrganization>;
  gdapRelationships?: SeedRelationship[];
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
