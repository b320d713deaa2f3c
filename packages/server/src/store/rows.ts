/** Row → model mapping shared by both stores (SQLite hands back 0/1 and JSON text, PostgreSQL booleans, jsonb and timestamps). */
import type { CustomerOrganization } from '@pcapi/contracts';
import type { AgentRole } from '@pcapi/contracts';
import type { AccessAssignment, AccessFacts, GdapRelationship, GroupMembership, PrincipalCredential } from '../domain/model.js';
import type { StoredIds } from '../seed/import-conflicts.js';
import type { StoredRelationshipDates } from '../seed/plan-seed.js';
import { nameKey, type SeedPlan } from '../seed/seed-plan.js';
import type { GrantKind, StoredConsent, StoredGrant, StoredRows } from './store.js';
import type { AssignmentStatus, PrincipalKind, RelationshipStatus } from '../domain/model.js';

export type Row = Record<string, unknown>;

const truthy = (value: unknown) => value === true || value === 1;
const list = (value: unknown): string[] => (typeof value === 'string' ? (JSON.parse(value) as string[]) : ((value as string[] | null) ?? []));
const msOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : new Date(value as string | Date).getTime());
const isoOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : new Date(value as string | Date).toISOString());

export function toPrincipal(row: Row | undefined | null): PrincipalCredential | undefined {
  if (!row) return undefined;
  return {
    tenantId: row.tenant_id as string,
    objectId: row.object_id as string,
    kind: row.kind as 'user' | 'app',
    displayName: row.display_name as string,
    userPrincipalName: row.user_principal_name as string | null,
    clientId: row.client_id as string | null,
    mfaRegistered: truthy(row.mfa_registered),
    // Absent from the one-statement access facts, which need none of them.
    accountEnabled: row.account_enabled === undefined ? true : truthy(row.account_enabled),
    redirectUris: row.redirect_uris === undefined ? [] : list(row.redirect_uris),
    publicClient: truthy(row.public_client),
    appPermissions: row.app_permissions === undefined ? [] : list(row.app_permissions),
    credentialHash: row.credential_hash as string | null,
  };
}

/** The principal as authorization sees it: the credential hash never leaves the store on that path. */
export function withoutCredential(principal: PrincipalCredential | undefined): PrincipalCredential | undefined {
  return principal && { ...principal, credentialHash: null };
}

export function toMembership(row: Row): GroupMembership {
  return {
    groupId: row.group_id as string,
    displayName: row.display_name as string,
    agentRole: row.agent_role as AgentRole | null,
    depth: Number(row.depth),
  };
}

export function toOrganization(row: Row | undefined | null): CustomerOrganization | undefined {
  if (!row) return undefined;
  return {
    street: row.street as string | null,
    countryLetterCode: row.country_letter_code as string | null,
    postalCode: row.postal_code as string | null,
    city: row.city as string | null,
    state: row.state as string | null,
    displayName: row.display_name as string | null,
    technicalNotificationMails: list(row.technical_notification_mails),
  };
}

/** JSON text (SQLite) or an already-parsed value (PostgreSQL's json). */
const parsed = <T>(value: unknown): T => (typeof value === 'string' ? (JSON.parse(value) as T) : (value as T));

/**
 * The one-statement access facts both stores return: columns `principal`, `memberships`, `customer`
 * (partner_customers joined with customer_tenants) and `relationships`, each as JSON.
 */
export function toAccessFacts(row: Row, customerTenantId: string): AccessFacts {
  const principal = withoutCredential(toPrincipal(parsed<Row | null>(row.principal)));
  const customer = parsed<Row | null>(row.customer);
  return {
    principal,
    memberships: principal ? parsed<Row[]>(row.memberships).map(toMembership) : [],
    customer: customer
      ? {
          customerTenantId,
          displayName: customer.display_name as string,
          dapEnabled: truthy(customer.dap_enabled),
          organization: toOrganization({ ...customer, display_name: customer.organization_display_name })!,
        }
      : undefined,
    relationships: customer ? groupRelationships(parsed<Row[]>(row.relationships)) : [],
  };
}

export function toRelationshipDates(row: Row): StoredRelationshipDates {
  const seedDate = (value: unknown, source: unknown) => (value === null ? null : { value: isoOrNull(value)!, source: source as string });
  return {
    created: seedDate(row.created_date_time, row.created_date_source)!,
    activated: seedDate(row.activated_date_time, row.activated_date_source),
    end: seedDate(row.end_date_time, row.end_date_source),
  };
}

/** Folds relationship × assignment join rows (ordered by relationship) into relationships with their assignments. */
export function groupRelationships(rows: Row[]): GdapRelationship[] {
  const byId = new Map<string, GdapRelationship>();
  for (const row of rows) {
    let relationship = byId.get(row.id as string);
    if (!relationship) {
      relationship = {
        id: row.id as string,
        displayName: row.display_name as string,
        status: row.status as GdapRelationship['status'],
        roleIds: list(row.role_ids),
        endDateTime: isoOrNull(row.end_date_time),
        lifecycle: {
          statusSinceMs: msOrNull(row.status_since),
          createdMs: msOrNull(row.created_date_time) ?? 0,
          activatedMs: msOrNull(row.activated_date_time),
          duration: (row.duration as string | undefined) ?? 'P730D',
          autoExtendDuration: (row.auto_extend_duration as string | undefined) ?? 'PT0S',
        },
        accessAssignments: [],
      };
      byId.set(relationship.id, relationship);
    }
    if (row.assignment_id !== null && row.assignment_id !== undefined) {
      relationship.accessAssignments.push({
        id: row.assignment_id as string,
        groupId: row.group_id as string,
        groupDisplayName: (row.group_display_name as string | null) ?? (row.group_id as string),
        status: row.assignment_status as AccessAssignment['status'],
        roleIds: list(row.assignment_role_ids),
        statusSinceMs: msOrNull(row.assignment_status_since),
      });
    }
  }
  return [...byId.values()];
}

/** The keys and ids of a plan whose stored holders an import check needs (ImportOptions.check). */
export interface Lookups {
  objects: string[];
  /** [tenant id, lower-case user principal name]. */
  userNames: [string, string][];
  /** [tenant id, client id]. */
  clientIds: [string, string][];
  domains: string[];
  relationships: string[];
  assignments: string[];
  customers: string[];
  partners: string[];
}

export function lookupsOf(plan: SeedPlan): Lookups {
  const principals = plan.principals;
  return {
    objects: [...principals.map((p) => p.objectId), ...plan.groups.map((g) => g.groupId)],
    userNames: principals.filter((p) => p.userPrincipalName !== null).map((p) => [p.tenantId, p.userPrincipalName!.toLowerCase()]),
    clientIds: principals.filter((p) => p.clientId !== null).map((p) => [p.tenantId, p.clientId!]),
    domains: plan.partners.flatMap((p) => (p.domain ? [p.domain] : [])),
    relationships: plan.relationships.map((r) => r.id),
    assignments: plan.assignments.map((a) => a.id),
    customers: plan.customers.map((c) => c.tenantId),
    partners: [...new Set([...principals.map((p) => p.tenantId), ...plan.partnerCustomers.map((pc) => pc.partnerTenantId)])],
  };
}

/** The rows both stores' lookups return (the same column names), as the check reads them. */
export type LookupRows = { [K in keyof Lookups]: Row[] };

export function toStoredIds(rows: LookupRows): Omit<StoredIds, 'earlierClaims'> {
  const partnerNames = new Map<string, string>();
  const named = (tenantId: unknown, name: unknown) => {
    if (typeof name === 'string') partnerNames.set(tenantId as string, name);
    return tenantId as string;
  };
  for (const row of rows.partners) named(row.tenant_id, row.display_name);
  return {
    objects: new Map(rows.objects.map((row) => [row.id as string, {
      kind: row.kind as 'user' | 'app' | 'group', tenantId: named(row.tenant_id, row.partner_name), name: row.name as string, agentRole: row.agent_role as string | null,
    }])),
    userNames: new Map(rows.userNames.map((row) => [nameKey(row.tenant_id as string, row.upn_key as string), row.object_id as string])),
    clientIds: new Map(rows.clientIds.map((row) => [nameKey(row.tenant_id as string, row.client_id as string), row.object_id as string])),
    domains: new Map(rows.domains.map((row) => [row.domain as string, named(row.tenant_id, row.partner_name)])),
    relationships: new Map(rows.relationships.map((row) => [row.id as string, {
      partnerTenantId: named(row.partner_tenant_id, row.partner_name), customerTenantId: row.customer_tenant_id as string, displayName: row.display_name as string,
    }])),
    assignments: new Map(rows.assignments.map((row) => [row.id as string, {
      relationshipId: row.relationship_id as string, relationshipName: row.relationship_name as string, partnerTenantId: named(row.partner_tenant_id, row.partner_name),
    }])),
    customers: new Map(rows.customers.map((row) => [row.tenant_id as string, {
      organization: toOrganization(row)!, organizationOwner: row.organization_owner_tenant_id === null ? null : named(row.organization_owner_tenant_id, row.owner_name),
    }])),
    partnerNames,
  };
}

/** Turns a unique or foreign-key violation into what a seed author must change. */
export function describeConstraint(message: string): string {
  if (/principals_upn|principals\.upn_key/.test(message)) return 'a userPrincipalName in the file already belongs to another user id in the store';
  if (/principals_client|principals\.client_id/.test(message)) return 'an application clientId in the file already belongs to another object id in the store';
  if (message.includes('domain')) return 'a partner domain in the file already belongs to another partner tenant in the store';
  if (/foreign key/i.test(message)) return 'the file refers to an entity that belongs to another partner or customer in the store';
  return `the file conflicts with stored data (${message})`;
}

/** One plan, or the chunks of a streamed import, as an async iterable. */
export async function* planChunks(plans: SeedPlan | AsyncIterable<SeedPlan>): AsyncIterable<SeedPlan> {
  if (Symbol.asyncIterator in plans) yield* plans;
  else yield plans;
}

/** A consent row: scopes as JSON text (SQLite) or jsonb; granted_at a number, or a bigint's text (PostgreSQL). */
export function toConsent(row: Row): StoredConsent {
  return {
    tenantId: row.tenant_id as string,
    clientId: row.client_id as string,
    principalObjectId: row.principal_object_id as string,
    scopes: list(row.scopes),
    grantedAtMs: Number(row.granted_at),
  };
}

/** A sign-in grant row: payload as JSON text (SQLite) or jsonb; expires_at a number, or a bigint's text (PostgreSQL). */
export function toGrant(row: Row | undefined | null): StoredGrant | undefined {
  if (!row) return undefined;
  return {
    id: row.id as string,
    kind: row.kind as GrantKind,
    userCode: (row.user_code as string | null) ?? null,
    state: row.state as string,
    payload: parsed<Record<string, unknown>>(row.payload),
    expiresAtMs: Number(row.expires_at),
  };
}

/** Why the store refused putGrant (a unique or check constraint), as a plain Error both stores throw alike. */
export function grantRefused(detail: string, cause: unknown): Error {
  const reason = /user_code/.test(detail) ? 'the user code is taken by another sign-in grant'
    : /sign_in_grants\.id|sign_in_grants_pkey/.test(detail) ? 'a sign-in grant with this id exists'
      : `the store refused it (${detail.trim()})`;
  return new Error(`putGrant: ${reason}`, { cause });
}

/** A signing_keys row (SQLite: JWK as text; PostgreSQL: jsonb, and bigint times as strings). */
export function toSigningKey(row: Row): import('./store.js').StoredSigningKey {
  return {
    kid: row.kid as string,
    privateJwk: (typeof row.private_jwk === 'string' ? JSON.parse(row.private_jwk) : row.private_jwk) as Record<string, unknown>,
    certificate: row.certificate as string,
    createdAtMs: Number(row.created_at),
    signsFromMs: Number(row.signs_from),
    publishedUntilMs: row.published_until === null || row.published_until === undefined ? null : Number(row.published_until),
  };
}

export function toCustomerUserRow(row: Row): import('../seed/seed-plan.js').CustomerUserRow {
  return {
    objectId: row.object_id as string, tenantId: row.tenant_id as string, userPrincipalName: row.user_principal_name as string,
    displayName: row.display_name as string, directoryRoleIds: list(row.directory_roles), credentialHash: (row.credential_hash as string | null) ?? null,
  };
}

/** The reads of Store.exportRows, the same text on both stores: whole tables, run in one read-only snapshot. */
export const EXPORT_READS = {
  partners: 'SELECT tenant_id, display_name, domain FROM partner_tenants',
  principals: 'SELECT * FROM principals',
  groups: 'SELECT group_id, tenant_id, display_name, agent_role FROM groups',
  memberships: 'SELECT group_id, member_id, member_kind FROM group_members',
  customers: 'SELECT * FROM customer_tenants',
  customerUsers: 'SELECT * FROM customer_users',
  partnerCustomers: 'SELECT partner_tenant_id, customer_tenant_id, display_name, dap_enabled FROM partner_customers',
  relationships: 'SELECT * FROM gdap_relationships',
  assignments: 'SELECT id, relationship_id, group_id, status, role_ids, status_since FROM access_assignments',
  consents: 'SELECT tenant_id, client_id, principal_object_id, scopes, granted_at FROM consents',
} as const;

/** The rows each of EXPORT_READS returned. */
export type ExportTables = { -readonly [K in keyof typeof EXPORT_READS]: Row[] };

/** The rows of EXPORT_READS as a plan holds them; memberships folded per member. */
export function toStoredRows(rows: ExportTables): StoredRows {
  const memberOf = new Map<string, { memberId: string; memberKind: PrincipalKind | 'group'; groupIds: string[] }>();
  for (const row of rows.memberships) {
    const memberId = row.member_id as string;
    let entry = memberOf.get(memberId);
    if (!entry) memberOf.set(memberId, (entry = { memberId, memberKind: row.member_kind as PrincipalKind | 'group', groupIds: [] }));
    entry.groupIds.push(row.group_id as string);
  }
  return {
    partners: rows.partners.map((row) => ({ tenantId: row.tenant_id as string, displayName: row.display_name as string, domain: row.domain as string | null })),
    principals: rows.principals.map((row) => toPrincipal(row)!),
    groups: rows.groups.map((row) => ({
      groupId: row.group_id as string, tenantId: row.tenant_id as string, displayName: row.display_name as string, agentRole: row.agent_role as AgentRole | null,
    })),
    memberOf: [...memberOf.values()],
    customers: rows.customers.map((row) => ({
      tenantId: row.tenant_id as string, organization: toOrganization(row)!, organizationOwner: (row.organization_owner_tenant_id as string | null) ?? '',
    })),
    customerUsers: rows.customerUsers.map(toCustomerUserRow),
    partnerCustomers: rows.partnerCustomers.map((row) => ({
      partnerTenantId: row.partner_tenant_id as string, customerTenantId: row.customer_tenant_id as string,
      displayName: row.display_name as string, dapEnabled: truthy(row.dap_enabled),
    })),
    relationships: rows.relationships.map((row) => {
      const dates = toRelationshipDates(row);
      return {
        id: row.id as string, partnerTenantId: row.partner_tenant_id as string, customerTenantId: row.customer_tenant_id as string,
        displayName: row.display_name as string, status: row.status as RelationshipStatus, roleIds: list(row.role_ids),
        duration: row.duration as string, autoExtendDuration: row.auto_extend_duration as string,
        createdDateTime: dates.created, activatedDateTime: dates.activated, endDateTime: dates.end,
        statusSinceMs: msOrNull(row.status_since),
      };
    }),
    assignments: rows.assignments.map((row) => ({
      id: row.id as string, relationshipId: row.relationship_id as string, groupId: row.group_id as string,
      status: row.status as AssignmentStatus, roleIds: list(row.role_ids), statusSinceMs: msOrNull(row.status_since),
    })),
    consents: rows.consents.map(toConsent),
  };
}
