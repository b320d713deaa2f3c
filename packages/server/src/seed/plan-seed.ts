/**
 * Turns a schema-valid seed document into a SeedPlan: derives missing ids, resolves role names and
 * relative dates, checks cross-references, and hashes secrets (keeping a stored hash whose secret
 * did not change, so importing the same file twice changes nothing; a passwordHash or clientSecretHash
 * is used as written). Every key the plan declares is
 * listed with its place in the file (SeedPlan.claims), so an import can refuse one declared twice.
 */
import { FIRST_PARTY_CLIENTS } from '../identity/sign-in/clients.js';
import { AGENT_ROLES, ENTRA_ROLES, roleDisplayName, type AgentRole, type CustomerOrganization } from '@pcapi/contracts';
import { seedCredentialHash } from './seed-secret-hashes.js';
import { addIsoDuration, isoDurationDays, resolveSeedDate } from './relative-date.js';
import type { SeedCustomer, SeedDocument, SeedPartner, SeedRelationship } from './seed-document.js';
import { claimKey, type RelationshipRow, type SeedDate, type SeedPlan } from './seed-plan.js';
import { stableId } from './stable-id.js';
import { SeedError } from './seed-error.js';

const GLOBAL_ADMINISTRATOR = ENTRA_ROLES['Global Administrator']!;
const ROLE_IDS_BY_LOWER_NAME = new Map(Object.entries(ENTRA_ROLES).map(([name, id]) => [name.toLowerCase(), id]));
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Statuses in which a relationship has been activated and so has an end date. */
const ACTIVATED_STATUSES = new Set(['active', 'expiring', 'expired', 'terminationRequested', 'terminating', 'terminated']);
const LOWER_AGENT_ROLES = new Set(AGENT_ROLES.map((role) => role.toLowerCase()));
/**
 * Microsoft first-party public clients a consent may name besides the partner's own applications: they
 * exist in every tenant (partners' tools use them unchanged).
 */
const FIRST_PARTY_PUBLIC_CLIENTS: ReadonlyMap<string, string> = new Map(FIRST_PARTY_CLIENTS.map((client) => [client.clientId, client.displayName]));

/** What an import needs to know of stored rows to leave unchanged data unchanged (the Store provides it). */
export interface ExistingRows {
  /** Stored credential hashes by principal object id. */
  credentialHashes(objectIds: string[]): Promise<Map<string, string>>;
  /** Stored relationship dates with the seed text each came from, by relationship id. */
  relationshipDates(relationshipIds: string[]): Promise<Map<string, StoredRelationshipDates>>;
}

export interface StoredRelationshipDates {
  created: SeedDate;
  activated: SeedDate | null;
  end: SeedDate | null;
}

export interface PlanOptions {
  now: Date;
  source: string;
  existing: ExistingRows;
}

/** A partner and its customers as written in a file, with the places that messages name. */
export interface PartnerEntry {
  partner: SeedPartner;
  /** `$.partners[0]`, or `line 3: $.partner` in a streamed file. */
  path: string;
  /** The line of a streamed file that holds the partner. */
  line?: number;
  /**
   * False for a streamed chunk's customers: their partner was planned from its own line, so only the
   * partner's group names are needed here, and its rows are neither planned nor claimed again.
   */
  declare: boolean;
  customers: { customer: SeedCustomer; path: string; line?: number }[];
}

/** `"text"` with quotes and escapes, so a value from the file never reaches a terminal raw. */
export const quote = (text: string): string => JSON.stringify(text);

/** A role id with its name when Entra has one: `Helpdesk Administrator (729827e3-...)`. */
export const roleLabel = (roleId: string): string => {
  const name = roleDisplayName(roleId);
  return name === roleId ? roleId : `${name} (${roleId})`;
};

function relationshipIdOf(relationship: SeedRelationship, partnerTenantId: string, customerTenantId: string): string {
  return relationship.id?.toLowerCase() ?? stableId('relationship', partnerTenantId, customerTenantId, relationship.displayName.toLowerCase());
}

export function agentGroupId(partnerTenantId: string, role: AgentRole): string {
  return stableId('agent-group', partnerTenantId.toLowerCase(), role);
}

function securityGroupId(group: { id?: string }, tenantId: string, lowerName: string): string {
  return group.id?.toLowerCase() ?? stableId('group', tenantId, lowerName);
}

/** Parts of a document its later stages skip (they failed the schema): partner indexes, and `p/c` for customers. */
export interface SkippedParts { partners: ReadonlySet<number>; customers: ReadonlySet<string> }

/** A document's partners and customers as plan entries, paths by their place in the file; skipped parts left out. */
export function entriesOf(document: SeedDocument, skipped?: SkippedParts): PartnerEntry[] {
  return document.partners.flatMap((partner, p) => skipped?.partners.has(p) ? [] : [{
    partner, path: `$.partners[${p}]`, declare: true,
    customers: (partner.customers ?? []).flatMap((customer, c) => skipped?.customers.has(`${p}/${c}`) ? [] : [{ customer, path: `$.partners[${p}].customers[${c}]` }]),
  }]);
}

export function planSeed(document: SeedDocument, options: PlanOptions): Promise<SeedPlan> {
  return planPartners(entriesOf(document), options);
}

/** Plans the entries; any problem is thrown as one SeedError listing them all. */
export async function planPartners(entries: PartnerEntry[], options: PlanOptions): Promise<SeedPlan> {
  const { plan, problems } = await planEntries(entries, options);
  if (problems.length > 0) throw new SeedError(options.source, problems);
  return plan;
}

/**
 * Plans the entries and returns every problem found with the plan of what could be planned, so an
 * import can go on to check that plan against the store and report every problem of the file at once.
 * A plan with problems is for checking only, never to apply: its secrets are not hashed.
 */
export async function planEntries(entries: PartnerEntry[], options: PlanOptions): Promise<{ plan: SeedPlan; problems: string[] }> {
  const problems: string[] = [];
  /** The partner of each domain this plan declares, to name both partners of a clash. */
  const domainHolders = new Map<string, { partner: SeedPartner; tenantId: string; place: string }>();
  const plan: SeedPlan = {
    partners: [], principals: [], groups: [], memberOf: [], customers: [], customerUsers: [], partnerCustomers: [], relationships: [], assignments: [], consents: [], claims: [],
  };
  const secrets = new Map<string, string>();
  const claimed = new Map<string, string>();
  const organizations = new Map<string, { json: string; path: string }>();
  // A relative date whose text is unchanged keeps its stored value, so "in 300 days" does not move on re-import.
  const storedDates = await options.existing.relationshipDates(
    entries.flatMap(({ partner, customers }) =>
      customers.flatMap(({ customer }) =>
        (customer.gdapRelationships ?? []).map((r) => relationshipIdOf(r, partner.tenantId.toLowerCase(), customer.tenantId.toLowerCase())),
      ),
    ),
  );

  /** The streamed file's line being planned (set by the loop below): a claim's origin for later chunks. */
  let line: number | undefined;
  /** Claims a key for the plan; reports a duplicate with both places. */
  const claim = (key: string, place: string, what: string) => {
    const earlier = claimed.get(key);
    if (earlier) {
      problems.push(`${place}: duplicate ${what} (also at ${earlier})`);
      return;
    }
    const origin = line === undefined ? place : `line ${line}`;
    claimed.set(key, origin);
    plan.claims.push({ key, place, origin, what });
  };

  const resolveRoles = (roles: string[], path: string): string[] => {
    const ids: string[] = [];
    roles.forEach((role, index) => {
      const id = GUID.test(role) ? role.toLowerCase() : ROLE_IDS_BY_LOWER_NAME.get(role.toLowerCase());
      if (id) ids.push(id);
      else {
        const near = nearestRoleName(role);
        problems.push(`${path}[${index}]: unknown role ${quote(role)} (${near ? `did you mean ${quote(near)}? ` : ''}use a Microsoft Entra role name such as "Global Reader", or a role definition id)`);
      }
    });
    return [...new Set(ids)];
  };

  const date = (text: string | undefined, path: string, stored?: SeedDate | null): SeedDate | null => {
    if (text === undefined) return null;
    if (stored && stored.source === text.trim()) return stored;
    const value = resolveSeedDate(text, options.now);
    if (value === undefined) {
      problems.push(`${path}: not a date: use ISO 8601 with a time zone ("2026-01-31T00:00:00Z") or "now", "in 300 days", "10 days ago", within the years 0001-9999`);
      return null;
    }
    // The same instant written another way (an export's "2025-10-02T…Z" for a stored "431 days ago") is no change.
    if (stored && Date.parse(stored.value) === Date.parse(value)) return stored;
    return { value, source: text.trim() };
  };

  for (const entry of entries) {
    const tenantId = entry.partner.tenantId.toLowerCase();
    line = entry.line;
    const groupIdsByName = entry.declare ? declarePartner(entry, tenantId) : securityGroupIds(entry.partner, tenantId);
    for (const customer of entry.customers) {
      line = customer.line;
      planCustomer(entry.partner, tenantId, groupIdsByName, customer.customer, customer.path);
    }
  }

  /** Plans a partner's own rows (partner, groups, users, apps, memberships, consents); returns its group ids by lower-case name. */
  function declarePartner({ partner, path: partnerPath }: PartnerEntry, tenantId: string): Map<string, string> {
    claim(claimKey.partner(tenantId), `${partnerPath}.tenantId`, 'partner tenant id');
    const domain = partner.domain?.toLowerCase();
    const holder = domain === undefined ? undefined : domainHolders.get(domain);
    if (domain !== undefined && holder && holder.tenantId !== tenantId) {
      problems.push(`${partnerPath}.domain: domain ${quote(domain)} is given to partner ${quote(partner.displayName)} (${tenantId}) here and to partner `
        + `${quote(holder.partner.displayName)} (${holder.tenantId}) at ${holder.place}; a domain names one partner: give one of them another`);
    } else if (domain !== undefined) {
      domainHolders.set(domain, { partner, tenantId, place: `${partnerPath}.domain` });
      claim(claimKey.domain(domain), `${partnerPath}.domain`, `partner domain ${quote(domain)}`);
    }
    plan.partners.push({ tenantId, displayName: partner.displayName, domain: partner.domain?.toLowerCase() ?? null });

    for (const role of AGENT_ROLES) {
      plan.groups.push({ groupId: agentGroupId(tenantId, role), tenantId, displayName: role, agentRole: role });
    }
    const groupIdsByName = new Map<string, string>();
    (partner.securityGroups ?? []).forEach((group, g) => {
      const path = `${partnerPath}.securityGroups[${g}]`;
      const lowerName = group.displayName.toLowerCase();
      if (LOWER_AGENT_ROLES.has(lowerName)) {
        problems.push(`${path}.displayName: ${quote(group.displayName)} is an agent group; give principals agentRoles instead`);
        return;
      }
      claim(claimKey.groupName(tenantId, lowerName), `${path}.displayName`, 'security group name');
      const groupId = securityGroupId(group, tenantId, lowerName);
      claim(claimKey.object(groupId), `${path}.id`, 'object id');
      groupIdsByName.set(lowerName, groupId);
      plan.groups.push({ groupId, tenantId, displayName: group.displayName, agentRole: null });
    });

    const groupIds = (names: string[] | undefined, path: string): string[] =>
      (names ?? []).flatMap((name, index) => {
        const id = groupIdsByName.get(name.toLowerCase());
        if (!id) problems.push(`${path}[${index}]: no security group named ${quote(name)} in partner ${quote(partner.displayName)}`);
        return id ? [id] : [];
      });
    const agentGroupIds = (roles: AgentRole[] | undefined) => (roles ?? []).map((role) => agentGroupId(tenantId, role));

    (partner.securityGroups ?? []).forEach((group, g) => {
      const groupId = groupIdsByName.get(group.displayName.toLowerCase());
      if (!groupId) return;
      const parents = groupIds(group.memberOf, `${partnerPath}.securityGroups[${g}].memberOf`);
      if (parents.includes(groupId)) problems.push(`${partnerPath}.securityGroups[${g}].memberOf: a group cannot be a member of itself`);
      plan.memberOf.push({ memberId: groupId, memberKind: 'group', groupIds: parents });
    });

    /** The partner's users by lower-case id and by lower-case user principal name, for its consents. */
    const userIds = new Map<string, string>();
    (partner.users ?? []).forEach((user, u) => {
      const path = `${partnerPath}.users[${u}]`;
      const upn = user.userPrincipalName.toLowerCase();
      claim(claimKey.userName(tenantId, upn), `${path}.userPrincipalName`, 'userPrincipalName');
      const objectId = user.id?.toLowerCase() ?? stableId('user', tenantId, upn);
      claim(claimKey.object(objectId), `${path}.id`, 'object id');
      userIds.set(objectId, objectId);
      userIds.set(upn, objectId);
      if (user.password !== undefined) secrets.set(objectId, user.password);
      plan.principals.push({
        tenantId, objectId, kind: 'user', displayName: user.displayName ?? user.userPrincipalName,
        userPrincipalName: user.userPrincipalName, clientId: null, mfaRegistered: user.mfa ?? true,
        accountEnabled: user.accountEnabled ?? true, redirectUris: [], publicClient: false, appPermissions: [], credentialHash: user.passwordHash ?? null,
      });
      plan.memberOf.push({ memberId: objectId, memberKind: 'user', groupIds: [...agentGroupIds(user.agentRoles), ...groupIds(user.memberOf, `${path}.memberOf`)] });
    });

    (partner.applications ?? []).forEach((app, a) => {
      const path = `${partnerPath}.applications[${a}]`;
      const clientId = app.clientId.toLowerCase();
      claim(claimKey.clientId(tenantId, clientId), `${path}.clientId`, 'application client id');
      const objectId = app.objectId?.toLowerCase() ?? stableId('service-principal', tenantId, clientId);
      claim(claimKey.object(objectId), `${path}.objectId`, 'object id');
      if (app.clientSecret !== undefined) secrets.set(objectId, app.clientSecret);
      plan.principals.push({
        tenantId, objectId, kind: 'app', displayName: app.displayName, userPrincipalName: null, clientId,
        mfaRegistered: false, accountEnabled: true, redirectUris: app.redirectUris ?? [], publicClient: app.publicClient ?? false,
        appPermissions: app.graphPermissions ?? [], credentialHash: app.clientSecretHash ?? null,
      });
      plan.memberOf.push({ memberId: objectId, memberKind: 'app', groupIds: [...agentGroupIds(app.agentRoles), ...groupIds(app.memberOf, `${path}.memberOf`)] });
    });

    const clientIds = new Set((partner.applications ?? []).map((app) => app.clientId.toLowerCase()));
    (partner.consents ?? []).forEach((consent, c) => {
      const path = `${partnerPath}.consents[${c}]`;
      const clientId = consent.clientId.toLowerCase();
      if (!clientIds.has(clientId) && !FIRST_PARTY_PUBLIC_CLIENTS.has(clientId)) {
        const firstParty = [...FIRST_PARTY_PUBLIC_CLIENTS].map(([id, name]) => `${name} ${id}`).join(', ');
        problems.push(`${path}.clientId: no application with client id ${clientId} in partner ${quote(partner.displayName)} (a consent names one of the partner's applications, or a Microsoft first-party public client: ${firstParty})`);
        return;
      }
      let principalObjectId = '';
      if (consent.user !== undefined) {
        const objectId = userIds.get(consent.user.toLowerCase());
        if (!objectId) {
          problems.push(`${path}.user: no user with id or userPrincipalName ${quote(consent.user)} in partner ${quote(partner.displayName)} in this file (leave user out for an admin consent for the whole tenant)`);
          return;
        }
        principalObjectId = objectId;
      }
      claim(claimKey.consent(tenantId, clientId, principalObjectId), path, principalObjectId ? 'consent of this application for this user' : 'tenant-wide consent of this application');
      plan.consents.push({ tenantId, clientId, principalObjectId, scopes: [...new Set(consent.scopes)].sort(), grantedAtMs: options.now.getTime() });
    });
    return groupIdsByName;
  }

  function planCustomer(partner: SeedPartner, tenantId: string, groupIdsByName: Map<string, string>, customer: SeedCustomer, path: string): void {
    const customerTenantId = customer.tenantId.toLowerCase();
    claim(claimKey.customer(tenantId, customerTenantId), `${path}.tenantId`, 'customer of this partner');
    if (customerTenantId === tenantId) problems.push(`${path}.tenantId: a partner cannot be its own customer`);
    const organization = normalizeOrganization(customer.organization, customer.displayName);
    const json = JSON.stringify(organization);
    const earlier = organizations.get(customerTenantId);
    if (earlier && earlier.json !== json) {
      problems.push(`${path}.organization: customer ${customerTenantId} also appears at ${earlier.path} with different organization details`);
    } else if (!earlier) {
      organizations.set(customerTenantId, { json, path: `${path}.organization` });
      plan.customers.push({ tenantId: customerTenantId, organization, organizationOwner: tenantId });
    }
    plan.partnerCustomers.push({ partnerTenantId: tenantId, customerTenantId, displayName: customer.displayName, dapEnabled: customer.dap ?? false });

    (customer.users ?? []).forEach((user, u) => {
      const userPath = `${path}.users[${u}]`;
      const upnKey = user.userPrincipalName.toLowerCase();
      const objectId = user.objectId?.toLowerCase() ?? stableId('customer-user', customerTenantId, upnKey);
      claim(claimKey.object(objectId), `${userPath}.objectId`, 'object id');
      claim(claimKey.userName(customerTenantId, upnKey), `${userPath}.userPrincipalName`, 'user principal name in the customer tenant');
      if (user.password !== undefined) secrets.set(objectId, user.password);
      plan.customerUsers.push({
        objectId, tenantId: customerTenantId, userPrincipalName: user.userPrincipalName, displayName: user.displayName ?? user.userPrincipalName,
        directoryRoleIds: resolveRoles(user.directoryRoles ?? [], `${userPath}.directoryRoles`), credentialHash: user.passwordHash ?? null,
      });
    });

    (customer.gdapRelationships ?? []).forEach((relationship, r) => {
      const relationshipPath = `${path}.gdapRelationships[${r}]`;
      const row = planRelationship(relationship, relationshipPath, tenantId, customerTenantId);
      if (!row) return;
      plan.relationships.push(row);
      (relationship.accessAssignments ?? []).forEach((assignment, s) => {
        const assignmentPath = `${relationshipPath}.accessAssignments[${s}]`;
        const groupId = groupIdsByName.get(assignment.securityGroup.toLowerCase());
        if (!groupId) problems.push(`${assignmentPath}.securityGroup: no security group named ${quote(assignment.securityGroup)} in partner ${quote(partner.displayName)}`);
        const roleIds = resolveRoles(assignment.roles, `${assignmentPath}.roles`);
        const outside = roleIds.filter((id) => !row.roleIds.includes(id));
        if (outside.length > 0) problems.push(`${assignmentPath}.roles: roles must be a subset of the relationship's; not in it: ${outside.map(roleLabel).join(', ')}`);
        const id = assignment.id?.toLowerCase() ?? stableId('assignment', row.id, assignment.securityGroup.toLowerCase());
        claim(claimKey.assignment(id), `${assignmentPath}.id`, 'access assignment id');
        if (groupId) plan.assignments.push({ id, relationshipId: row.id, groupId, status: assignment.status ?? 'active', roleIds });
      });
    });
  }

  function planRelationship(relationship: SeedRelationship, path: string, partnerTenantId: string, customerTenantId: string): RelationshipRow | undefined {
    const id = relationshipIdOf(relationship, partnerTenantId, customerTenantId);
    const stored = storedDates.get(id);
    claim(claimKey.relationship(id), `${path}.id`, 'relationship id');
    const roleIds = resolveRoles(relationship.roles, `${path}.roles`);
    const duration = relationship.duration ?? 'P730D';
    const days = isoDurationDays(duration);
    const durationValid = days !== undefined && days >= 1 && days <= 730;
    if (!durationValid) problems.push(`${path}.duration: must be between P1D and P2Y (730 days)`);
    const autoExtendDuration = relationship.autoExtendDuration ?? 'PT0S';
    if (autoExtendDuration !== 'PT0S' && roleIds.includes(GLOBAL_ADMINISTRATOR)) {
      problems.push(`${path}.autoExtendDuration: relationships with Global Administrator cannot auto-extend (use "PT0S")`);
    }
    const createdDateTime = date(relationship.createdDateTime ?? 'now', `${path}.createdDateTime`, stored?.created);
    let activatedDateTime = date(relationship.activatedDateTime, `${path}.activatedDateTime`, stored?.activated);
    let endDateTime = date(relationship.endDateTime, `${path}.endDateTime`, stored?.end);
    if (ACTIVATED_STATUSES.has(relationship.status)) {
      activatedDateTime ??= createdDateTime;
      if (!endDateTime && activatedDateTime) {
        const value = addIsoDuration(activatedDateTime.value, duration);
        if (value) endDateTime = { value, source: `${activatedDateTime.source} + ${duration}` };
        else if (durationValid) problems.push(`${path}.duration: the relationship would end after 9999-12-31 (activation + duration); give an endDateTime`);
      }
    }
    if (!createdDateTime) return undefined;
    return {
      id, partnerTenantId, customerTenantId, displayName: relationship.displayName, status: relationship.status,
      roleIds, duration, autoExtendDuration, createdDateTime, activatedDateTime, endDateTime,
    };
  }

  if (problems.length > 0) return { plan, problems };

  const existing = await options.existing.credentialHashes([...secrets.keys()]);
  for (const principal of [...plan.principals, ...plan.customerUsers]) {
    const secret = secrets.get(principal.objectId);
    if (secret === undefined) continue;
    principal.credentialHash = await seedCredentialHash(principal.objectId, secret, existing.get(principal.objectId));
  }
  return { plan, problems };
}

/** The Entra role name a misspelt one most likely meant (case aside, at most two edits away), if any. */
export function nearestRoleName(text: string): string | undefined {
  const wanted = text.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of Object.keys(ENTRA_ROLES)) {
    const distance = editDistance(wanted, name.toLowerCase(), 2);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Levenshtein distance, or more than `limit` as soon as it must be. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    if (Math.min(...current) > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length]!;
}

/** A partner's security group ids by lower-case name, derived as declarePartner derives them. */
function securityGroupIds(partner: SeedPartner, tenantId: string): Map<string, string> {
  const ids = new Map<string, string>();
  for (const group of partner.securityGroups ?? []) {
    const lowerName = group.displayName.toLowerCase();
    if (!LOWER_AGENT_ROLES.has(lowerName)) ids.set(lowerName, securityGroupId(group, tenantId, lowerName));
  }
  return ids;
}

/** Missing address values become null and a missing list [], as Microsoft Graph serves them. */
function normalizeOrganization(organization: Partial<CustomerOrganization> | undefined, customerName: string): CustomerOrganization {
  return {
    street: organization?.street ?? null,
    countryLetterCode: organization?.countryLetterCode ?? null,
    postalCode: organization?.postalCode ?? null,
    city: organization?.city ?? null,
    state: organization?.state ?? null,
    displayName: organization?.displayName === undefined ? customerName : organization.displayName,
    technicalNotificationMails: organization?.technicalNotificationMails ?? [],
  };
}
