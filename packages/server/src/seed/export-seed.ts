/**
 * The store's rows turned back into a seed document (`pcapi export`): the inverse of plan-seed.ts.
 * Every id is written out, so importing the document into an empty store gives the same rows:
 * credentials as their stored hashes (passwordHash, clientSecretHash), dates as the absolute
 * timestamps they resolved to, roles by their Entra names (by id when a name would not map back).
 * Agent groups are implicit in a seed: memberships of them become agentRoles. The order is fixed
 * (by key, compared as code units), so the same data always gives the same document.
 *
 * Not carried: when a consent was granted (an import stamps its own time), the seed text a date came
 * from, and which partner owns a customer's organization details shared by several partners (the
 * first partner in the document that lists the customer owns them after an import).
 */
import { AGENT_ROLES, ENTRA_ROLES, roleDisplayName, type AgentRole } from '@pcapi/contracts';
import { storedLifecycle } from '../domain/effective-access.js';
import { effectiveAssignment, effectiveRelationship, type TransitionDelays } from '../domain/gdap-lifecycle.js';
import type { StoredRows } from '../store/store.js';
import type { SeedApplication, SeedConsent, SeedCustomer, SeedDocument, SeedPartner, SeedRelationship, SeedUser } from './seed-document.js';
import type { GroupRow } from './seed-plan.js';

export const EXPORT_DESCRIPTION = 'Exported by pcapi export. Credentials are stored hashes (passwordHash, clientSecretHash): keep this file private.';

const ROLE_IDS_BY_LOWER_NAME = new Map(Object.entries(ENTRA_ROLES).map(([name, id]) => [name.toLowerCase(), id.toLowerCase()]));

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function sortedBy<T>(items: Iterable<T>, ...keys: ((item: T) => string)[]): T[] {
  return [...items].sort((a, b) => {
    for (const key of keys) {
      const order = byText(key(a), key(b));
      if (order !== 0) return order;
    }
    return 0;
  });
}

function groupedBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** A role id as the seed writes it: its Entra name when that name resolves back to the same id, else the id. */
export function exportedRole(roleId: string): string {
  const name = roleDisplayName(roleId);
  return name !== roleId && ROLE_IDS_BY_LOWER_NAME.get(name.toLowerCase()) === roleId.toLowerCase() ? name : roleId;
}

/**
 * A relationship's status and dates as they stand at `now`: what a Graph write set is carried forward
 * by the clock (approved → active, an end date reached → expired), so the document holds the state,
 * not the transition it started from.
 */
function relationshipAt(r: StoredRows['relationships'][number], at: { now: number; delays: TransitionDelays }): StoredRows['relationships'][number] {
  const ms = (date: { value: string } | null) => (date === null ? null : Date.parse(date.value));
  const effective = effectiveRelationship(storedLifecycle({
    status: r.status, statusSinceMs: r.statusSinceMs ?? null, createdMs: Date.parse(r.createdDateTime.value), activatedMs: ms(r.activatedDateTime),
    endMs: ms(r.endDateTime), duration: r.duration, autoExtendDuration: r.autoExtendDuration, roleIds: r.roleIds,
  }), at.now, at.delays);
  const date = (value: number | null) => (value === null ? null : { value: new Date(value).toISOString(), source: new Date(value).toISOString() });
  return { ...r, status: effective.status, activatedDateTime: date(effective.activatedAt), endDateTime: date(effective.endAt) };
}

/** `at`: export statuses as of this instant, with these transition delays (the emulator's clock); stored base statuses otherwise. */
export function exportSeed(rows: StoredRows, at?: { now: number; delays: TransitionDelays }): SeedDocument {
  const groupsById = new Map<string, GroupRow>(rows.groups.map((group) => [group.groupId, group]));
  const parentsOf = new Map(rows.memberOf.map((row) => [row.memberId, row.groupIds]));
  const groupsByTenant = groupedBy(rows.groups, (group) => group.tenantId);
  const principalsByTenant = groupedBy(rows.principals, (principal) => principal.tenantId);
  const consentsByTenant = groupedBy(rows.consents, (consent) => consent.tenantId);
  const customersByPartner = groupedBy(rows.partnerCustomers, (customer) => customer.partnerTenantId);
  const organizations = new Map(rows.customers.map((customer) => [customer.tenantId, customer.organization]));
  const relationshipsByPair = groupedBy(at ? rows.relationships.map((r) => relationshipAt(r, at)) : rows.relationships, (r) => `${r.partnerTenantId} ${r.customerTenantId}`);
  const assignmentsByRelationship = groupedBy(
    at ? rows.assignments.map((a) => (a.statusSinceMs == null ? a : { ...a, status: effectiveAssignment({ status: a.status, statusSince: a.statusSinceMs }, at.now, at.delays).status })) : rows.assignments,
    (a) => a.relationshipId);
  const usersByCustomer = groupedBy(rows.customerUsers, (u) => u.tenantId);
  // A customer's own users are written once: under the partner that owns its organization details.
  const usersWrittenFor = new Set<string>();
  const ownerOf = new Map(rows.customers.map((customer) => [customer.tenantId, customer.organizationOwner]));
  const firstPartnerOf = new Map<string, string>();
  for (const pc of sortedBy(rows.partnerCustomers, (pc) => pc.partnerTenantId)) if (!firstPartnerOf.has(pc.customerTenantId)) firstPartnerOf.set(pc.customerTenantId, pc.partnerTenantId);

  /** The agent roles and security group names a member belongs to directly, within its tenant. */
  const membership = (memberId: string, tenantId: string): { agentRoles?: AgentRole[]; memberOf?: string[] } => {
    const groups = (parentsOf.get(memberId) ?? []).map((id) => groupsById.get(id)).filter((g): g is GroupRow => g?.tenantId === tenantId);
    const agentRoles = AGENT_ROLES.filter((role) => groups.some((group) => group.agentRole === role));
    const memberOf = sortedBy(groups.filter((group) => group.agentRole === null).map((group) => group.displayName), (name) => name);
    return { ...(agentRoles.length > 0 ? { agentRoles } : {}), ...(memberOf.length > 0 ? { memberOf } : {}) };
  };

  const partners = sortedBy(rows.partners, (p) => p.tenantId).map((row): SeedPartner => {
    const tenantId = row.tenantId;
    const securityGroups = sortedBy((groupsByTenant.get(tenantId) ?? []).filter((g) => g.agentRole === null), (g) => g.displayName, (g) => g.groupId)
      .map((group) => {
        const { memberOf } = membership(group.groupId, tenantId);
        return { id: group.groupId, displayName: group.displayName, ...(memberOf ? { memberOf } : {}) };
      });
    const principals = principalsByTenant.get(tenantId) ?? [];
    const users = sortedBy(principals.filter((p) => p.kind === 'user'), (p) => (p.userPrincipalName ?? '').toLowerCase(), (p) => p.objectId)
      .map((user): SeedUser => ({
        id: user.objectId,
        userPrincipalName: user.userPrincipalName ?? '',
        displayName: user.displayName,
        ...(user.credentialHash !== null ? { passwordHash: user.credentialHash } : {}),
        mfa: user.mfaRegistered,
        accountEnabled: user.accountEnabled,
        ...membership(user.objectId, tenantId),
      }));
    const applications = sortedBy(principals.filter((p) => p.kind === 'app'), (p) => p.clientId ?? '', (p) => p.objectId)
      .map((app): SeedApplication => ({
        clientId: app.clientId ?? '',
        objectId: app.objectId,
        displayName: app.displayName,
        ...(app.credentialHash !== null ? { clientSecretHash: app.credentialHash } : {}),
        ...(app.redirectUris.length > 0 ? { redirectUris: [...app.redirectUris] } : {}),
        publicClient: app.publicClient,
        ...(app.appPermissions.length > 0 ? { graphPermissions: [...app.appPermissions] } : {}),
        ...membership(app.objectId, tenantId),
      }));
    const customers = sortedBy(customersByPartner.get(tenantId) ?? [], (c) => c.customerTenantId).map((customer): SeedCustomer => {
      const organization = organizations.get(customer.customerTenantId);
      const relationships = sortedBy(relationshipsByPair.get(`${tenantId} ${customer.customerTenantId}`) ?? [], (r) => r.createdDateTime.value, (r) => r.id)
        .map((r): SeedRelationship => {
          const assignments = sortedBy(assignmentsByRelationship.get(r.id) ?? [], (a) => a.id).map((a) => ({
            id: a.id, securityGroup: groupsById.get(a.groupId)?.displayName ?? a.groupId, status: a.status, roles: a.roleIds.map(exportedRole),
          }));
          return {
            id: r.id,
            displayName: r.displayName,
            status: r.status,
            roles: r.roleIds.map(exportedRole),
            duration: r.duration,
            autoExtendDuration: r.autoExtendDuration as SeedRelationship['autoExtendDuration'],
            createdDateTime: r.createdDateTime.value,
            ...(r.activatedDateTime ? { activatedDateTime: r.activatedDateTime.value } : {}),
            ...(r.endDateTime ? { endDateTime: r.endDateTime.value } : {}),
            ...(assignments.length > 0 ? { accessAssignments: assignments } : {}),
          };
        });
      const owner = rows.partnerCustomers.some((pc) => pc.customerTenantId === customer.customerTenantId && pc.partnerTenantId === ownerOf.get(customer.customerTenantId))
        ? ownerOf.get(customer.customerTenantId) : firstPartnerOf.get(customer.customerTenantId);
      const writeUsers = owner === tenantId && !usersWrittenFor.has(customer.customerTenantId);
      if (writeUsers) usersWrittenFor.add(customer.customerTenantId);
      const customerUsers = writeUsers ? sortedBy(usersByCustomer.get(customer.customerTenantId) ?? [], (u) => u.userPrincipalName.toLowerCase()).map((u) => ({
        objectId: u.objectId, userPrincipalName: u.userPrincipalName, displayName: u.displayName,
        ...(u.credentialHash !== null ? { passwordHash: u.credentialHash } : {}),
        ...(u.directoryRoleIds.length > 0 ? { directoryRoles: u.directoryRoleIds.map(exportedRole) } : {}),
      })) : [];
      return {
        tenantId: customer.customerTenantId,
        displayName: customer.displayName,
        dap: customer.dapEnabled,
        ...(customerUsers.length > 0 ? { users: customerUsers } : {}),
        ...(organization ? { organization: { ...organization, technicalNotificationMails: [...organization.technicalNotificationMails] } } : {}),
        ...(relationships.length > 0 ? { gdapRelationships: relationships } : {}),
      };
    });
    const consents = sortedBy(consentsByTenant.get(tenantId) ?? [], (c) => c.clientId, (c) => c.principalObjectId).map((consent): SeedConsent => ({
      clientId: consent.clientId,
      ...(consent.principalObjectId !== '' ? { user: consent.principalObjectId } : {}),
      scopes: sortedBy(consent.scopes, (scope) => scope),
    }));
    return {
      tenantId,
      displayName: row.displayName,
      ...(row.domain !== null ? { domain: row.domain } : {}),
      ...(securityGroups.length > 0 ? { securityGroups } : {}),
      ...(users.length > 0 ? { users } : {}),
      ...(applications.length > 0 ? { applications } : {}),
      ...(customers.length > 0 ? { customers } : {}),
      ...(consents.length > 0 ? { consents } : {}),
    };
  });
  return { description: EXPORT_DESCRIPTION, partners };
}
