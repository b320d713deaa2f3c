/**
 * GDAP as partners manage it through Graph: relationships, their requests (lock for approval,
 * approve, terminate), access assignments and the customers they reach. Each use case reads the
 * rows, asks the pure lifecycle (statuses as of the clock, the rules), and writes one versioned
 * change: a write decided on data that has since changed is refused as stale, never applied.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { storedLifecycle } from '../domain/effective-access.js';
import {
  applyAction, assignmentCreateAllowed, checkAssignmentRoles, checkAutoExtend, checkDisplayName, checkRelationshipDuration, checkRoleIds,
  effectiveAssignment, effectiveRelationship, GLOBAL_ADMINISTRATOR_ROLE_ID, materializeRelationship, relationshipActionAllowed, relationshipActionTakenBy,
  relationshipDeleteAllowed, relationshipEnded, relationshipUpdateAllowed, roleRemovalAllowed, type RelationshipAction, type RuleResult, type TransitionDelays,
} from '../domain/gdap-lifecycle.js';
import type { AssignmentStatus, Caller, CustomerCaller, RelationshipStatus } from '../domain/model.js';
import type { GdapWriteResult, StoredAssignment, StoredRelationship, StoredRelationshipRequest } from '../store/gdap-rows.js';
import type { RelationshipFilter, Store } from '../store/store.js';
import { GraphError } from '../surfaces/graph/graph-errors.js';
import { TtlCache } from './ttl-cache.js';

/** A relationship as Graph shows it at an instant: the stored row with its effective status and dates. */
export interface RelationshipView extends StoredRelationship {
  effectiveStatus: RelationshipStatus;
  effectiveActivatedMs: number | null;
  effectiveEndMs: number | null;
  /** When the derived status began (a write, or the clock passing a delay or the end date). */
  effectiveStatusSinceMs: number;
  /** When the derived status or dates next change (null: never); a view must not be reused past it. */
  nextChangeAt: number | null;
}

/** Partners whose whole relationship list is kept between listings. */
const LISTING_CACHE_PARTNERS = 64;
/** A kept listing lasts no longer than this (data changes and status changes end it sooner). */
const LISTING_CACHE_MS = 60_000;

export interface AssignmentView extends StoredAssignment {
  effectiveStatus: AssignmentStatus;
}

export interface NewRelationship {
  displayName: string;
  duration: string;
  roleIds: string[];
  customerTenantId: string;
  autoExtendDuration: string;
}

export interface RelationshipChanges {
  displayName?: string;
  duration?: string;
  roleIds?: string[];
  customerTenantId?: string;
  autoExtendDuration?: string;
}

/** Relationship ids as Graph shows them: two GUIDs joined by a hyphen. */
const newRelationshipId = () => `${randomUUID()}-${randomUUID()}`;

function ensure(result: RuleResult): void {
  if (!result.ok) throw new GraphError(result.code === 'PreconditionFailed' ? 'preconditionFailed' : result.code, result.message);
}

/** A store write's outcome as the caller hears it. */
function written(result: GdapWriteResult, what: string): void {
  if (result === 'ok') return;
  if (result === 'stale') throw new GraphError('preconditionFailed', `The ${what} was changed since it was read; read it again and retry with its new @odata.etag.`);
  if (result === 'missing') throw new GraphError('notFound', `The ${what} does not exist.`);
  throw new GraphError('conflict', 'The resource already exists.');
}

export class GdapService {
  /**
   * A partner's whole list, as of the clock: a partner of 10,000 customers is 10,000 rows spread over
   * the database, too slow to read at every listing. Cleared by every data change (the clock's moves
   * included) and never kept past the next derived status change.
   */
  private readonly listings: TtlCache<RelationshipView[]>;

  constructor(private readonly deps: { store: Store; clock: Clock; delays: TransitionDelays }) {
    this.listings = new TtlCache(LISTING_CACHE_PARTNERS, deps.clock, deps.store);
  }

  private view(row: StoredRelationship, now = this.deps.clock.now()): RelationshipView {
    const effective = effectiveRelationship(storedLifecycle(row), now, this.deps.delays);
    return {
      ...row, effectiveStatus: effective.status, effectiveActivatedMs: effective.activatedAt, effectiveEndMs: effective.endAt, effectiveStatusSinceMs: effective.statusSince, nextChangeAt: effective.nextChangeAt,
    };
  }

  /**
   * `filter`: equality on stored fields, narrowed in the store (an OData `$filter` still applies
   * after). The unfiltered list is kept (see `listings`); the views are shared: do not change them.
   */
  async listRelationships(caller: Caller, filter: RelationshipFilter = {}): Promise<readonly RelationshipView[]> {
    const partner = caller.partner.tenantId;
    if (filter.id !== undefined || filter.customerTenantId !== undefined) {
      const now = this.deps.clock.now();
      return (await this.deps.store.gdapRelationships(partner, filter)).map((row) => this.view(row, now));
    }
    return this.listings.get(partner) ?? this.listings.load(partner, async () => {
      const now = this.deps.clock.now();
      const views = (await this.deps.store.gdapRelationships(partner)).map((row) => this.view(row, now));
      const changes = views.reduce((soonest, v) => (v.nextChangeAt === null ? soonest : Math.min(soonest, v.nextChangeAt)), Infinity);
      return { value: views, expiresAt: Math.min(now + LISTING_CACHE_MS, changes) };
    });
  }

  /** The caller's partner's relationship; another partner's is as unknown as a made-up id (404). */
  async getRelationship(caller: Caller, id: string): Promise<RelationshipView> {
    const [row] = await this.deps.store.gdapRelationships(caller.partner.tenantId, { id });
    if (!row) throw new GraphError('notFound', `The delegatedAdminRelationship '${id.slice(0, 80)}' does not exist.`);
    return this.view(row);
  }

  /**
   * A relationship as its customer sees it: any partner's, as long as the customer is this one
   * (another customer's is as unknown as a made-up id).
   */
  async getRelationshipForCustomer(customer: CustomerCaller, id: string): Promise<RelationshipView> {
    const row = await this.deps.store.gdapRelationshipById(id.toLowerCase());
    if (!row || row.customerTenantId !== customer.tenantId) throw new GraphError('notFound', `The delegatedAdminRelationship '${id.slice(0, 80)}' does not exist.`);
    return this.view(row);
  }

  /** The customer's side of a relationship (approve, reject, terminate) is its Global Administrator's. */
  async customerAction(customer: CustomerCaller, id: string, action: RelationshipAction): Promise<{ relationship: RelationshipView; request: StoredRelationshipRequest }> {
    const relationship = await this.getRelationshipForCustomer(customer, id);
    if (!customer.directoryRoleIds.includes(GLOBAL_ADMINISTRATOR_ROLE_ID)) {
      throw new GraphError('forbidden', `Only a Global Administrator of the customer tenant can ${action} a delegatedAdminRelationship; ${customer.name} holds no such role there.`);
    }
    return { relationship, request: await this.requestAction(relationship, action, { byCustomer: true }) };
  }

  async createRelationship(caller: Caller, input: NewRelationship): Promise<RelationshipView> {
    ensure(checkDisplayName(input.displayName));
    ensure(checkRelationshipDuration(input.duration));
    ensure(checkRoleIds(input.roleIds));
    ensure(checkAutoExtend(input.autoExtendDuration, input.roleIds));
    const { store } = this.deps;
    const organization = await store.organization(input.customerTenantId);
    if (!organization) throw new GraphError('badRequest', `The customer tenant '${input.customerTenantId}' is not known to this server.`);
    await this.ensureUniqueName(caller, input.displayName);
    const now = this.deps.clock.now();
    const row: StoredRelationship = {
      id: newRelationshipId(), partnerTenantId: caller.partner.tenantId, customerTenantId: input.customerTenantId.toLowerCase(),
      customerDisplayName: organization.displayName ?? input.customerTenantId, displayName: input.displayName, status: 'created', statusSinceMs: now,
      roleIds: input.roleIds.map((id) => id.toLowerCase()), duration: input.duration, autoExtendDuration: input.autoExtendDuration,
      createdMs: now, lastModifiedMs: now, activatedMs: null, endMs: null, version: 1,
    };
    written(await store.writeGdap({ kind: 'insertRelationship', relationship: row }), 'delegatedAdminRelationship');
    return this.getRelationship(caller, row.id);
  }

  async updateRelationship(caller: Caller, id: string, expectedVersion: number, changes: RelationshipChanges): Promise<RelationshipView> {
    const current = await this.getRelationship(caller, id);
    if (current.version !== expectedVersion) written('stale', 'delegatedAdminRelationship');
    const changed = (Object.keys(changes) as (keyof RelationshipChanges)[]).filter((field) => {
      const value = changes[field];
      if (field === 'roleIds') return JSON.stringify([...(value as string[])].map((r) => r.toLowerCase()).sort()) !== JSON.stringify([...current.roleIds].sort());
      if (field === 'customerTenantId') return (value as string).toLowerCase() !== current.customerTenantId;
      return value !== current[field];
    });
    if (changed.length === 0) return current;
    const fields = changed.map((field) => (field === 'roleIds' ? 'accessDetails' : field === 'customerTenantId' ? 'customer' : field));
    const roleIds = changes.roleIds?.map((r) => r.toLowerCase()) ?? current.roleIds;
    const removesOnlyGlobalAdministrator = current.roleIds.includes(GLOBAL_ADMINISTRATOR_ROLE_ID)
      && !roleIds.includes(GLOBAL_ADMINISTRATOR_ROLE_ID) && roleIds.every((r) => current.roleIds.includes(r)) && roleIds.length === current.roleIds.length - 1;
    ensure(relationshipUpdateAllowed(current.effectiveStatus, fields, { removesOnlyGlobalAdministrator }));
    if (changes.displayName !== undefined) {
      ensure(checkDisplayName(changes.displayName));
      if (changes.displayName !== current.displayName) await this.ensureUniqueName(caller, changes.displayName, current.id);
    }
    if (changes.duration !== undefined) ensure(checkRelationshipDuration(changes.duration));
    if (changes.roleIds !== undefined) {
      ensure(checkRoleIds(roleIds));
      const removed = current.roleIds.filter((role) => !roleIds.includes(role));
      if (removed.length > 0) ensure(roleRemovalAllowed(removed, await this.assignmentsOf(current)));
    }
    const autoExtendDuration = changes.autoExtendDuration ?? current.autoExtendDuration;
    ensure(checkAutoExtend(autoExtendDuration, roleIds));
    let customerDisplayName = current.customerDisplayName;
    if (changes.customerTenantId !== undefined) {
      const organization = await this.deps.store.organization(changes.customerTenantId);
      if (!organization) throw new GraphError('badRequest', `The customer tenant '${changes.customerTenantId}' is not known to this server.`);
      customerDisplayName = organization.displayName ?? changes.customerTenantId;
    }
    // Changes start from the state as it is now (an auto-extended end date is kept, not recomputed).
    const now = this.deps.clock.now();
    const base = materializeRelationship(storedLifecycle(current), now, this.deps.delays);
    const row: StoredRelationship = {
      ...current, displayName: changes.displayName ?? current.displayName, duration: changes.duration ?? current.duration, roleIds, autoExtendDuration,
      customerTenantId: changes.customerTenantId?.toLowerCase() ?? current.customerTenantId, customerDisplayName,
      status: base.status, statusSinceMs: base.statusSince, activatedMs: base.activatedAt, endMs: base.endAt, lastModifiedMs: now,
    };
    written(await this.deps.store.writeGdap({ kind: 'updateRelationship', relationship: row, expectedVersion }), 'delegatedAdminRelationship');
    return this.getRelationship(caller, id);
  }

  async deleteRelationship(caller: Caller, id: string, expectedVersion: number): Promise<void> {
    const current = await this.getRelationship(caller, id);
    if (current.version !== expectedVersion) written('stale', 'delegatedAdminRelationship');
    ensure(relationshipDeleteAllowed(current.effectiveStatus));
    written(await this.deps.store.writeGdap({ kind: 'deleteRelationship', partnerTenantId: caller.partner.tenantId, id: current.id, expectedVersion }), 'delegatedAdminRelationship');
  }

  async listRequests(caller: Caller, relationshipId: string): Promise<StoredRelationshipRequest[]> {
    const relationship = await this.getRelationship(caller, relationshipId);
    return this.deps.store.relationshipRequests(relationship.id);
  }

  /**
   * A request on a relationship, applied at once (its status is `succeeded`); what follows (approval
   * to active, termination) takes the configured delays. The partner locks; approving and rejecting
   * are the customer's (`byCustomer`); either side terminates.
   */
  async requestAction(relationship: RelationshipView, action: RelationshipAction, options: { byCustomer: boolean }): Promise<StoredRelationshipRequest> {
    if (!relationshipActionTakenBy(action, options.byCustomer ? 'customer' : 'partner')) {
      throw new GraphError('forbidden', options.byCustomer
        ? `The customer cannot ${action} a delegatedAdminRelationship; the partner does.`
        : `Only an administrator of the customer tenant can ${action} a delegatedAdminRelationship.`);
    }
    ensure(relationshipActionAllowed(action, relationship.effectiveStatus));
    const now = this.deps.clock.now();
    const next = applyAction(storedLifecycle(relationship), action, now, this.deps.delays);
    const request: StoredRelationshipRequest = { id: randomUUID(), relationshipId: relationship.id, action, status: 'succeeded', createdMs: now, lastModifiedMs: now };
    const row: StoredRelationship = {
      ...relationship, status: next.status, statusSinceMs: next.statusSince, activatedMs: next.activatedAt, endMs: next.endAt, lastModifiedMs: now,
    };
    written(await this.deps.store.writeGdap({ kind: 'updateRelationship', relationship: row, expectedVersion: relationship.version, request }), 'delegatedAdminRelationship');
    return request;
  }

  // ---- access assignments ----

  private assignmentView(row: StoredAssignment, relationship: RelationshipView, now: number): AssignmentView {
    const own = effectiveAssignment({ status: row.status, statusSince: row.statusSinceMs ?? relationship.effectiveActivatedMs ?? relationship.createdMs }, now, this.deps.delays);
    return { ...row, effectiveStatus: own.status };
  }

  async listAssignments(caller: Caller, relationshipId: string): Promise<AssignmentView[]> {
    return this.assignmentsOf(await this.getRelationship(caller, relationshipId));
  }

  /** The assignments of a relationship the caller already read. */
  private async assignmentsOf(relationship: RelationshipView): Promise<AssignmentView[]> {
    const now = this.deps.clock.now();
    return (await this.deps.store.accessAssignments(relationship.id)).map((row) => this.assignmentView(row, relationship, now));
  }

  async getAssignment(caller: Caller, relationshipId: string, id: string): Promise<AssignmentView> {
    const found = (await this.listAssignments(caller, relationshipId)).find((a) => a.id === id.toLowerCase());
    if (!found) throw new GraphError('notFound', `The delegatedAdminAccessAssignment '${id.slice(0, 80)}' does not exist.`);
    return found;
  }

  async createAssignment(caller: Caller, relationshipId: string, input: { groupId: string; roleIds: string[] }): Promise<AssignmentView> {
    // Graph answers a create under an unknown relationship with 400 and this message, not 404.
    const relationship = await this.getRelationship(caller, relationshipId).catch((error: unknown) => {
      throw error instanceof GraphError && error.errorName === 'notFound' ? new GraphError('badRequest', 'The passed in delegatedAdminRelationshipId is invalid.') : error;
    });
    ensure(assignmentCreateAllowed(relationship.effectiveStatus));
    ensure(checkRoleIds(input.roleIds));
    const roleIds = input.roleIds.map((r) => r.toLowerCase());
    ensure(checkAssignmentRoles(roleIds, relationship.roleIds));
    const groupId = input.groupId.toLowerCase();
    const group = (await this.deps.store.directoryGroups(caller.partner.tenantId)).find((g) => g.groupId === groupId);
    if (!group || group.agentRole !== null) {
      throw new GraphError('badRequest', `The accessContainerId '${input.groupId.slice(0, 80)}' is not a security group of the partner tenant.`);
    }
    const existing = await this.listAssignments(caller, relationship.id);
    if (existing.some((a) => a.groupId === groupId && a.effectiveStatus !== 'deleted')) throw new GraphError('conflict', 'The resource already exists.');
    const now = this.deps.clock.now();
    const row: StoredAssignment = {
      id: randomUUID(), relationshipId: relationship.id, groupId, status: 'pending', statusSinceMs: now, roleIds, createdMs: now, lastModifiedMs: now, version: 1,
    };
    written(await this.deps.store.writeGdap({ kind: 'insertAssignment', assignment: row }), 'delegatedAdminAccessAssignment');
    return this.getAssignment(caller, relationship.id, row.id);
  }

  async updateAssignment(caller: Caller, relationshipId: string, id: string, expectedVersion: number, roleIds: string[]): Promise<AssignmentView> {
    const relationship = await this.getRelationship(caller, relationshipId);
    const current = await this.getAssignment(caller, relationship.id, id);
    if (current.version !== expectedVersion) written('stale', 'delegatedAdminAccessAssignment');
    ensure(checkRoleIds(roleIds));
    const roles = roleIds.map((r) => r.toLowerCase());
    if (JSON.stringify([...roles].sort()) === JSON.stringify([...current.roleIds].sort())) return current;
    if (relationship.effectiveStatus !== 'active' || !['active', 'pending'].includes(current.effectiveStatus)) {
      throw new GraphError('badRequest', `An access assignment in status '${current.effectiveStatus}' on a '${relationship.effectiveStatus}' relationship cannot be updated.`);
    }
    ensure(checkAssignmentRoles(roles, relationship.roleIds));
    const now = this.deps.clock.now();
    const row: StoredAssignment = { ...current, roleIds: roles, status: current.effectiveStatus, statusSinceMs: now, lastModifiedMs: now };
    written(await this.deps.store.writeGdap({ kind: 'updateAssignment', assignment: row, expectedVersion }), 'delegatedAdminAccessAssignment');
    return this.getAssignment(caller, relationship.id, id);
  }

  /** Deleting is a transition (deleting → deleted), as at Graph: the row stays, its roles stop counting at once. */
  async deleteAssignment(caller: Caller, relationshipId: string, id: string, expectedVersion: number): Promise<void> {
    const relationship = await this.getRelationship(caller, relationshipId);
    const current = await this.getAssignment(caller, relationship.id, id);
    if (current.version !== expectedVersion) written('stale', 'delegatedAdminAccessAssignment');
    if (current.effectiveStatus === 'deleting' || current.effectiveStatus === 'deleted') {
      throw new GraphError('badRequest', `The access assignment is already ${current.effectiveStatus}.`);
    }
    const now = this.deps.clock.now();
    const row: StoredAssignment = { ...current, status: 'deleting', statusSinceMs: now, lastModifiedMs: now };
    written(await this.deps.store.writeGdap({ kind: 'updateAssignment', assignment: row, expectedVersion }), 'delegatedAdminAccessAssignment');
  }

  /**
   * The partner's delegatedAdminCustomers: those with at least one relationship that has not ended
   * (Graph deletes the object "when no more active relationships exist"; see docs/parity.md).
   */
  async listCustomers(caller: Caller): Promise<{ tenantId: string; displayName: string }[]> {
    const seen = new Map<string, { tenantId: string; displayName: string }>();
    for (const r of await this.listRelationships(caller)) {
      if (!relationshipEnded(r.effectiveStatus) && !seen.has(r.customerTenantId)) seen.set(r.customerTenantId, { tenantId: r.customerTenantId, displayName: r.customerDisplayName });
    }
    return [...seen.values()];
  }

  /** `except`: the relationship being renamed, which may change the case of its own name. */
  private async ensureUniqueName(caller: Caller, displayName: string, except?: string): Promise<void> {
    const taken = (await this.deps.store.gdapRelationships(caller.partner.tenantId))
      .some((r) => r.id !== except && r.displayName.toLowerCase() === displayName.toLowerCase());
    if (taken) throw new GraphError('conflict', `A delegatedAdminRelationship named '${displayName}' already exists for this partner; display names are unique.`);
  }
}
