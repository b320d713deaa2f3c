/**
 * The web console's reads and actions (issue 13), over the services the APIs use: GDAP relationships
 * with their effective statuses and lifecycle actions from GdapService (the Graph routes' code),
 * groups and principals from DirectoryService, decisions from OrganizationService.explain (what
 * `pcapi explain` prints), and the store's browsing reads for partners and customers. Knows nothing
 * of HTTP: the console API's routes (surfaces/console/console-api-routes.ts) parse and render.
 */
import { roleDisplayName } from '@pcapi/contracts';
import type { RelationshipAction } from '../domain/gdap-lifecycle.js';
import type { Caller, PartnerTenant } from '../domain/model.js';
import type { Store, StoredCustomerPartner } from '../store/store.js';
import { GraphError } from '../surfaces/graph/graph-errors.js';
import type { DirectoryService } from './directory-service.js';
import { explanationJson, lookUpCaller, PrincipalLookupError } from './explain-report.js';
import type { GdapService, RelationshipView } from './gdap-service.js';
import type { OrganizationService } from './organization-service.js';

export const CONSOLE_ACTIONS = ['lockForApproval', 'approve', 'terminate'] as const satisfies readonly RelationshipAction[];
export type ConsoleAction = (typeof CONSOLE_ACTIONS)[number];

export interface CustomerListQuery {
  search?: string;
  /** A partner tenant id or domain. */
  partner?: string;
  /** The cursor of the previous page (`next`). */
  after?: string;
  limit: number;
}

/** A tenant id prefix is matched from this many characters on (shorter ones would match a sixteenth of all customers and more). */
const MIN_TENANT_ID_PREFIX = 4;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const roles = (ids: readonly string[]) => ids.map((id) => ({ id, name: roleDisplayName(id) }));
/** What the name key folds: ASCII letters only, as the stores' indexes do (store/console-sql.ts). */
const asciiLower = (text: string) => text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());

/** The opaque cursor: the last customer's name key and tenant id. */
export function encodeCursor(nameKey: string, tenantId: string): string {
  return Buffer.from(JSON.stringify([nameKey, tenantId])).toString('base64url');
}

function decodeCursor(cursor: string): { nameKey: string; tenantId: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') return { nameKey: value[0], tenantId: value[1] };
  } catch {
    // Answered below.
  }
  throw new GraphError('badRequest', `The cursor "${cursor.slice(0, 80)}" is not one this server gave: pass the "next" of the previous page as after=.`);
}

/** The partner as the console acts for it: a caller of no particular principal. */
function partnerCaller(partner: PartnerTenant): Caller {
  return {
    partner, objectId: '', appOnly: true, clientId: undefined, name: 'pcapi console', amr: [], expiresAtMs: Infinity, audience: 'graph', permissions: [],
  };
}

/** Relationships listed per page of a partner (9,000 read one by one with their assignments took 20 s at 1M customers). */
const RELATIONSHIPS_PER_PAGE = 100;

export class ConsoleService {
  constructor(private readonly deps: { store: Store; organizations: OrganizationService; gdap: GdapService; directory: DirectoryService }) {}

  async partners() {
    return { value: (await this.deps.store.partnerTenants()).map((p) => ({ tenantId: p.tenantId, displayName: p.displayName, domain: p.domain })) };
  }

  private async partnerById(tenantId: string): Promise<PartnerTenant> {
    const partner = await this.deps.store.findPartnerTenant(tenantId.toLowerCase());
    if (!partner || partner.tenantId !== tenantId.toLowerCase()) throw new GraphError('notFound', `There is no partner tenant ${tenantId.slice(0, 80)}.`);
    return partner;
  }

  /** A relationship with its roles named and its assignments, as of the clock. */
  private async relationshipJson(caller: Caller, relationship: RelationshipView, groupNames: Map<string, string>) {
    const assignments = await this.deps.gdap.listAssignments(caller, relationship.id);
    return {
      id: relationship.id, displayName: relationship.displayName, customerTenantId: relationship.customerTenantId, customerName: relationship.customerDisplayName,
      status: relationship.effectiveStatus, roles: roles(relationship.roleIds),
      createdDateTime: iso(relationship.createdMs), activatedDateTime: iso(relationship.effectiveActivatedMs), endDateTime: iso(relationship.effectiveEndMs),
      autoExtendDuration: relationship.autoExtendDuration, duration: relationship.duration,
      assignments: assignments.map((a) => ({
        id: a.id, groupId: a.groupId, groupName: groupNames.get(a.groupId) ?? a.groupId, status: a.effectiveStatus, roles: roles(a.roleIds),
      })),
    };
  }

  private async groupNames(caller: Caller): Promise<Map<string, string>> {
    return new Map((await this.deps.directory.listGroups(caller)).map((g) => [g.groupId, g.displayName]));
  }

  /** A partner with its relationships RELATIONSHIPS_PER_PAGE at a time (a partner of a big tenant has thousands). */
  async partner(tenantId: string, relationshipsFrom = 0) {
    const { directory, gdap, store } = this.deps;
    const partner = await this.partnerById(tenantId);
    const caller = partnerCaller(partner);
    const groups = await directory.listGroups(caller);
    const groupNames = new Map(groups.map((g) => [g.groupId, g.displayName]));
    const memberOf = new Map<string, string[]>();
    const groupsJson = [];
    for (const group of groups) {
      const members = (await directory.listMembers(caller, group.groupId)).map((m) => {
        if (m.kind === 'group') return { objectId: m.group.groupId, kind: 'group' as const, name: m.group.displayName };
        const p = m.principal;
        return { objectId: p.objectId, kind: p.kind, name: p.kind === 'user' ? p.userPrincipalName ?? p.displayName : p.displayName };
      });
      for (const member of members) memberOf.set(member.objectId, [...(memberOf.get(member.objectId) ?? []), group.groupId]);
      groupsJson.push({ groupId: group.groupId, displayName: group.displayName, agentRole: group.agentRole, description: group.description, members });
    }
    const principals = [...(await directory.principals(caller, 'user')), ...(await directory.principals(caller, 'app'))].map((p) => ({
      objectId: p.objectId, kind: p.kind, name: p.kind === 'user' ? p.userPrincipalName ?? p.displayName : p.displayName, displayName: p.displayName,
      clientId: p.kind === 'app' ? p.clientId : null, groups: memberOf.get(p.objectId) ?? [],
      userPrincipalName: p.userPrincipalName, accountEnabled: p.accountEnabled, mfaRegistered: p.mfaRegistered,
    }));
    const all = await gdap.listRelationships(caller);
    const relationships = [];
    for (const relationship of all.slice(relationshipsFrom, relationshipsFrom + RELATIONSHIPS_PER_PAGE)) relationships.push(await this.relationshipJson(caller, relationship, groupNames));
    const next = relationshipsFrom + RELATIONSHIPS_PER_PAGE;
    return {
      tenantId: partner.tenantId, displayName: partner.displayName, domain: partner.domain,
      principals, groups: groupsJson, relationships, relationshipCount: all.length, relationshipsFrom, relationshipsNext: next < all.length ? next : null,
      customers: await store.partnerCustomerCount(partner.tenantId),
    };
  }

  async customers(query: CustomerListQuery) {
    const { store } = this.deps;
    let partnerTenantId: string | undefined;
    if (query.partner !== undefined) {
      const partner = await store.findPartnerTenant(query.partner);
      if (!partner) throw new GraphError('badRequest', `partner: there is no partner tenant "${query.partner.slice(0, 80)}" (give a partner tenant id or domain).`);
      partnerTenantId = partner.tenantId;
    }
    const search = query.search;
    const idPrefix = search !== undefined && search.length >= MIN_TENANT_ID_PREFIX && /^[0-9a-f-]+$/i.test(search) ? search.toLowerCase() : undefined;
    const page = await store.customerPage({
      limit: query.limit + 1, partnerTenantId,
      ...(search !== undefined ? { namePrefix: asciiLower(search) } : {}),
      ...(idPrefix !== undefined ? { tenantIdPrefix: idPrefix } : {}),
      ...(query.after !== undefined ? { after: decodeCursor(query.after) } : {}),
    });
    const shown = page.slice(0, query.limit);
    const byCustomer = this.groupByCustomer(await store.customerPartners(shown.map((c) => c.tenantId)));
    const last = shown.at(-1);
    return {
      value: shown.map((c) => {
        const partners = byCustomer.get(c.tenantId) ?? [];
        return {
          tenantId: c.tenantId, displayName: c.displayName ?? partners[0]?.customerDisplayName ?? c.tenantId,
          partners: partners.map((p) => ({ tenantId: p.partner.tenantId, displayName: p.partner.displayName, dapEnabled: p.dapEnabled })),
        };
      }),
      next: page.length > query.limit && last ? encodeCursor(last.nameKey, last.tenantId) : null,
    };
  }

  private groupByCustomer(rows: StoredCustomerPartner[]): Map<string, StoredCustomerPartner[]> {
    const grouped = new Map<string, StoredCustomerPartner[]>();
    for (const row of rows) grouped.set(row.customerTenantId, [...(grouped.get(row.customerTenantId) ?? []), row]);
    return grouped;
  }

  async customer(tenantId: string) {
    const { store, gdap } = this.deps;
    const customerId = tenantId.toLowerCase();
    const organization = await store.organization(customerId);
    if (!organization) throw new GraphError('notFound', `There is no customer tenant ${tenantId.slice(0, 80)}.`);
    const partners = [];
    const links = await store.customerPartners([customerId]);
    for (const link of links) {
      const caller = partnerCaller(link.partner);
      const groupNames = await this.groupNames(caller);
      const relationships = [];
      for (const relationship of await gdap.listRelationships(caller, { customerTenantId: customerId })) relationships.push(await this.relationshipJson(caller, relationship, groupNames));
      partners.push({ tenantId: link.partner.tenantId, displayName: link.partner.displayName, dapEnabled: link.dapEnabled, customerDisplayName: link.customerDisplayName, relationships });
    }
    return {
      tenantId: customerId, displayName: organization.displayName ?? links[0]?.customerDisplayName ?? customerId,
      // The body GET /v1/customers/{id}/organization answers: a JSON array of the one organization (organization-service.ts).
      organization: [organization],
      partners,
    };
  }

  /** The decision for a principal and a customer, now (the server's clock) or at `at` (epoch ms). */
  async explain(question: { principal: string; partner?: string; customer: string; at?: number }) {
    let lookup;
    try {
      lookup = await lookUpCaller(this.deps.store, question.principal, question.partner);
    } catch (error) {
      if (!(error instanceof PrincipalLookupError)) throw error;
      const parameter = error.kind === 'unknownPartner' && question.partner !== undefined ? 'partner' : 'principal';
      throw new GraphError('badRequest', `${parameter}: ${error.kind === 'clientIdNeedsPartner' ? `${error.message}: give its partner with partner= (a tenant id or domain)` : error.message}.`);
    }
    const { caller, found } = lookup;
    const { decision, facts, decidedAt } = await this.deps.organizations.explain(caller, question.customer, question.at);
    const groups = new Set([...facts.memberships.map((m) => m.groupId), ...facts.relationships.flatMap((r) => r.accessAssignments.map((a) => a.groupId))]);
    return {
      ...explanationJson(question.principal, caller, question.customer, decision, decidedAt),
      principal: { objectId: found.objectId, kind: found.kind, name: caller.name, partnerTenantId: caller.partner.tenantId },
      partnerTenantId: caller.partner.tenantId,
      links: {
        principal: found.objectId, partner: caller.partner.tenantId, customer: question.customer.toLowerCase(),
        relationships: facts.relationships.map((r) => r.id), groups: [...groups],
      },
    };
  }

  /** A lifecycle action through GdapService, as the Graph route runs it: approve as the customer, lock and terminate as the partner. */
  async relationshipAction(partnerTenantId: string, relationshipId: string, action: ConsoleAction) {
    const { gdap } = this.deps;
    const caller = partnerCaller(await this.partnerById(partnerTenantId));
    const relationship = await gdap.getRelationship(caller, relationshipId);
    await gdap.requestAction(relationship, action, { byCustomer: action === 'approve' });
    return this.relationshipJson(caller, await gdap.getRelationship(caller, relationship.id), await this.groupNames(caller));
  }
}
