/**
 * The rules that keep an import from taking over what another partner's file put in the store, and
 * from declaring one key twice across the chunks of a streamed file. Pure: the store reads what it
 * holds for a chunk's ids inside the import's transaction (so rows and claims of earlier chunks count)
 * and hands it here; every problem found is returned, and any problem aborts the whole import.
 *
 * Who owns what (docs/seed-format.md, "Ids belong to their partner"):
 * - a user, application or group belongs to its partner tenant, and keeps its kind;
 * - a GDAP relationship belongs to its partner and customer, an access assignment to its relationship;
 * - a user name, client id or domain belongs to the object or partner that holds it;
 * - a customer may be served by several partners, but its organization details belong to the partner
 *   whose file first set them: another partner's file must repeat them unchanged.
 */
import type { CustomerOrganization } from '@pcapi/contracts';
import { quote } from './plan-seed.js';
import { claimKey, nameKey, type SeedPlan } from './seed-plan.js';

export interface StoredObject { kind: 'user' | 'app' | 'group'; tenantId: string; name: string; agentRole: string | null }
export interface StoredRelationship { partnerTenantId: string; customerTenantId: string; displayName: string }
export interface StoredAssignment { relationshipId: string; relationshipName: string; partnerTenantId: string }
export interface StoredCustomer { organization: CustomerOrganization; organizationOwner: string | null }

/** What the store holds for one chunk's ids and names: committed rows, and rows of earlier chunks of the same import. */
export interface StoredIds {
  /** Claims of earlier chunks of this import, by key: their origin, where the file first declared it. */
  earlierClaims: Map<string, string>;
  objects: Map<string, StoredObject>;
  /** The object id holding a user name, by nameKey(tenant id, lower-case user principal name). */
  userNames: Map<string, string>;
  /** The object id holding an application client id, by nameKey(tenant id, client id). */
  clientIds: Map<string, string>;
  /** The partner tenant holding a domain. */
  domains: Map<string, string>;
  relationships: Map<string, StoredRelationship>;
  assignments: Map<string, StoredAssignment>;
  customers: Map<string, StoredCustomer>;
  /** Display names of the partners above and of the plan's partners. */
  partnerNames: Map<string, string>;
}

const KIND_NAMES = { user: 'a user', app: 'an application', group: 'a group' } as const;
const ORGANIZATION_FIELDS = ['street', 'countryLetterCode', 'postalCode', 'city', 'state', 'displayName', 'technicalNotificationMails'] as const;

export function importConflicts(plan: SeedPlan, stored: StoredIds): string[] {
  const problems: string[] = [];
  const placeOf = new Map(plan.claims.map((claim) => [claim.key, claim.place]));
  const planNames = new Map(plan.partners.map((partner) => [partner.tenantId, partner.displayName]));
  const partner = (tenantId: string) => `${quote(planNames.get(tenantId) ?? stored.partnerNames.get(tenantId) ?? '?')} (${tenantId})`;
  const otherPartner = (storedTenant: string, planTenant: string) =>
    `of partner ${partner(storedTenant)} in the store; partner ${partner(planTenant)} cannot take it over (ids belong to their partner: leave the id out, or use a new one)`;

  for (const claim of plan.claims) {
    const earlier = stored.earlierClaims.get(claim.key);
    if (earlier !== undefined) problems.push(`${claim.place}: duplicate ${claim.what} (also at ${earlier})`);
  }
  // A key declared twice is reported as such; what an earlier chunk wrote for it says nothing more.
  const fresh = (key: string) => !stored.earlierClaims.has(key);

  const describe = (object: StoredObject) =>
    object.kind === 'user' ? `user ${quote(object.name)}`
      : object.kind === 'app' ? `application ${quote(object.name)}`
        : object.agentRole ? `the ${object.agentRole} group` : `security group ${quote(object.name)}`;
  const checkObject = (objectId: string, tenantId: string, kind: StoredObject['kind'], place: string) => {
    const holder = stored.objects.get(objectId);
    if (!holder) return;
    if (holder.tenantId !== tenantId) problems.push(`${place}: object id ${objectId} is ${describe(holder)} ${otherPartner(holder.tenantId, tenantId)}`);
    else if (holder.kind !== kind) problems.push(`${place}: object id ${objectId} is ${describe(holder)} of this partner in the store, and cannot become ${KIND_NAMES[kind]}: use a new id`);
  };
  for (const principal of plan.principals) {
    if (!fresh(claimKey.object(principal.objectId))) continue;
    checkObject(principal.objectId, principal.tenantId, principal.kind, placeOf.get(claimKey.object(principal.objectId)) ?? '$');
  }
  for (const group of plan.groups) {
    if (!fresh(claimKey.object(group.groupId))) continue;
    const place = placeOf.get(claimKey.object(group.groupId)) ?? placeOf.get(claimKey.partner(group.tenantId)) ?? '$';
    checkObject(group.groupId, group.tenantId, 'group', place);
  }

  // A name is taken when another object holds it, unless this plan gives that object another name.
  const planUserNames = new Map(plan.principals.filter((p) => p.userPrincipalName).map((p) => [p.objectId, nameKey(p.tenantId, p.userPrincipalName!.toLowerCase())]));
  const planClientIds = new Map(plan.principals.filter((p) => p.clientId).map((p) => [p.objectId, nameKey(p.tenantId, p.clientId!)]));
  for (const principal of plan.principals) {
    if (principal.userPrincipalName) {
      const key = nameKey(principal.tenantId, principal.userPrincipalName.toLowerCase());
      const holder = stored.userNames.get(key);
      if (holder && holder !== principal.objectId && (planUserNames.get(holder) ?? key) === key) {
        const place = placeOf.get(claimKey.userName(principal.tenantId, principal.userPrincipalName.toLowerCase())) ?? '$';
        problems.push(`${place}: userPrincipalName ${quote(principal.userPrincipalName)} already belongs to another user id (${holder}) of partner ${partner(principal.tenantId)} in the store; give this user that id, or another name`);
      }
    }
    if (principal.clientId) {
      const key = nameKey(principal.tenantId, principal.clientId);
      const holder = stored.clientIds.get(key);
      if (holder && holder !== principal.objectId && (planClientIds.get(holder) ?? key) === key) {
        const place = placeOf.get(claimKey.clientId(principal.tenantId, principal.clientId)) ?? '$';
        problems.push(`${place}: application clientId ${principal.clientId} already belongs to another object id (${holder}) of partner ${partner(principal.tenantId)} in the store; give this application that objectId`);
      }
    }
  }
  const planDomains = new Map(plan.partners.map((p) => [p.tenantId, p.domain]));
  for (const row of plan.partners) {
    const holder = row.domain ? stored.domains.get(row.domain) : undefined;
    if (holder && holder !== row.tenantId && planDomains.get(holder) === undefined) {
      problems.push(`${placeOf.get(claimKey.domain(row.domain!)) ?? '$'}: domain ${quote(row.domain!)} already belongs to partner ${partner(holder)} in the store; `
        + `partner ${partner(row.tenantId)} cannot take it (a domain names one partner: give this one another, or change the other's in the same file)`);
    }
  }

  const planRelationships = new Map(plan.relationships.map((r) => [r.id, r]));
  for (const relationship of plan.relationships) {
    const holder = stored.relationships.get(relationship.id);
    if (!holder || !fresh(claimKey.relationship(relationship.id))) continue;
    const place = placeOf.get(claimKey.relationship(relationship.id)) ?? '$';
    const what = `relationship id ${relationship.id} is the relationship ${quote(holder.displayName)} with customer ${holder.customerTenantId}`;
    if (holder.partnerTenantId !== relationship.partnerTenantId) problems.push(`${place}: ${what} ${otherPartner(holder.partnerTenantId, relationship.partnerTenantId)}`);
    else if (holder.customerTenantId !== relationship.customerTenantId) {
      problems.push(`${place}: ${what} of this partner in the store; a relationship's customer cannot change (as in Microsoft Graph): use a new id`);
    }
  }
  for (const assignment of plan.assignments) {
    const holder = stored.assignments.get(assignment.id);
    const relationship = planRelationships.get(assignment.relationshipId);
    if (!holder || !relationship || !fresh(claimKey.assignment(assignment.id))) continue;
    const place = placeOf.get(claimKey.assignment(assignment.id)) ?? '$';
    const what = `access assignment id ${assignment.id} belongs to the relationship ${quote(holder.relationshipName)} (${holder.relationshipId})`;
    if (holder.partnerTenantId !== relationship.partnerTenantId) problems.push(`${place}: ${what} ${otherPartner(holder.partnerTenantId, relationship.partnerTenantId)}`);
    else if (holder.relationshipId !== assignment.relationshipId) {
      problems.push(`${place}: ${what} of this partner in the store; an assignment cannot move to another relationship (as in Microsoft Graph): use a new id`);
    }
  }

  for (const customer of plan.customers) {
    const holder = stored.customers.get(customer.tenantId);
    const owner = holder?.organizationOwner;
    if (!holder || !owner) continue;
    const changes = organizationChanges(holder.organization, customer.organization);
    const listedBy = plan.partnerCustomers.filter((pc) => pc.customerTenantId === customer.tenantId).map((pc) => pc.partnerTenantId);
    if (changes.length === 0 || listedBy.includes(owner)) continue;
    const place = (placeOf.get(claimKey.customer(listedBy[0]!, customer.tenantId)) ?? '$').replace(/\.tenantId$/, '.organization');
    problems.push(
      `${place}: the organization details of customer ${customer.tenantId} were set by partner ${partner(owner)}, and this file's differ (${changes.join('; ')}); ` +
        `partner ${partner(listedBy[0]!)} cannot change them: repeat them as stored (every partner of a customer sees the same organization)`,
    );
  }
  return problems;
}

/** `city: "Redmond" → "Springfield"` for each field that differs. */
function organizationChanges(stored: CustomerOrganization, planned: CustomerOrganization): string[] {
  return ORGANIZATION_FIELDS.flatMap((field) => {
    const [before, after] = [JSON.stringify(stored[field]), JSON.stringify(planned[field])];
    return before === after ? [] : [`${field}: ${before} → ${after}`];
  });
}
