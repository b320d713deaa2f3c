/**
 * "Get a customer organization" as a use case: read the access facts for (caller, customer) in one
 * store call, ask the pure authorization decision, and serialize the organization an allowed caller
 * may see. Answers are cached per (partner, caller, customer) until the data changes, the TTL passes,
 * or the granting relationship ends, whichever comes first, so repeated calls skip the store entirely.
 * The service knows nothing of HTTP: a surface renders its answers.
 */
import type { Clock } from '../clock.js';
import { authorize, type AuthorizationSettings, type Decision, type DenialReason } from '../domain/authorize.js';
import { effectiveAccessFacts } from '../domain/effective-access.js';
import type { TransitionDelays } from '../domain/gdap-lifecycle.js';
import type { AccessFacts, Caller } from '../domain/model.js';
import type { Store } from '../store/store.js';
import { TtlCache } from './ttl-cache.js';

/** Depth limit for nested group expansion; 1 means direct membership only. */
const MAX_NESTING_DEPTH = 16;

export type OrganizationAnswer = (
  /** `body`: the organization as the wire carries it, a JSON array of one object in the documented key order, in UTF-8. */
  | { allowed: true; body: Buffer }
  | { allowed: false; reason: DenialReason; checks: string[] }
) & {
  /**
   * Free for those told of the answer: a cached answer is one object for every call it serves, so the
   * audit trail keeps here what it recorded the last call under (audit-hook.ts).
   */
  memo: unknown;
};

export interface DecisionCacheSettings {
  /** Seconds an answer may be reused; 0 disables the cache. */
  ttlSeconds: number;
  maxEntries: number;
}

export interface OrganizationServiceDeps {
  store: Store;
  clock: Clock;
  settings: AuthorizationSettings;
  cache: DecisionCacheSettings;
  /** How long GDAP transitions take: relationships' statuses are derived from the clock with these. */
  delays: TransitionDelays;
  /** Told of each answer-cache lookup (metrics). */
  onCacheLookup?: (hit: boolean) => void;
}

const answerKey = (caller: Caller, customerId: string) => `${caller.partner.tenantId}/${caller.objectId}/${customerId}`;

export class OrganizationService {
  private readonly answers: TtlCache<OrganizationAnswer>;
  private readonly ttlMs: number;

  constructor(private readonly deps: OrganizationServiceDeps) {
    this.answers = new TtlCache(deps.cache.ttlSeconds > 0 ? deps.cache.maxEntries : 0, deps.clock, deps.store, deps.onCacheLookup);
    this.ttlMs = deps.cache.ttlSeconds * 1000;
  }

  /** The answer for this caller and customer: synchronous when it is cached. */
  get(caller: Caller, customerTenantId: string): OrganizationAnswer | Promise<OrganizationAnswer> {
    const customerId = customerTenantId.toLowerCase();
    const key = answerKey(caller, customerId);
    return this.answers.get(key) ?? this.answers.load(key, () => this.decide(caller, customerId));
  }

  /** The cached answer for this caller and customer, if there is one; nothing is read or counted. */
  cachedAnswer(caller: Caller, customerTenantId: string): OrganizationAnswer | undefined {
    return this.answers.peek(answerKey(caller, customerTenantId.toLowerCase()));
  }

  /**
   * The decision for this caller and customer as of the clock (or as of `at`, epoch ms), never cached:
   * what the server decides on a cache miss, with the facts it read (`pcapi explain` prints it).
   */
  async explain(caller: Caller, customerTenantId: string, at?: number): Promise<{ decision: Decision; facts: AccessFacts; decidedAt: number; nextChangeAt: number | null }> {
    const { store, clock, settings } = this.deps;
    const customerId = customerTenantId.toLowerCase();
    const stored = await store.accessFacts({
      partnerTenantId: caller.partner.tenantId,
      principalObjectId: caller.objectId,
      customerTenantId: customerId,
      maxGroupDepth: settings.nestedGroups ? MAX_NESTING_DEPTH : 1,
    });
    const now = at ?? clock.now();
    const { facts, nextChangeAt } = effectiveAccessFacts(stored, now, this.deps.delays);
    const decision = authorize(
      { partnerTenantId: caller.partner.tenantId, partnerName: caller.partner.displayName, customerTenantId: customerId, callerName: caller.name, facts, now: new Date(now) },
      settings,
    );
    return { decision, facts, decidedAt: now, nextChangeAt };
  }

  private async decide(caller: Caller, customerTenantId: string): Promise<{ value: OrganizationAnswer; expiresAt: number }> {
    const { decision, facts, decidedAt, nextChangeAt } = await this.explain(caller, customerTenantId);
    // An answer lasts no longer than the statuses it was decided on (activation, expiry, a pending assignment).
    const validUntil = Math.min(decidedAt + this.ttlMs, nextChangeAt ?? Infinity);
    if (!decision.allowed) return { value: { allowed: false, reason: decision.reason, checks: decision.checks, memo: undefined }, expiresAt: validUntil };
    // The store builds the organization's keys in wire order.
    const body = Buffer.from(JSON.stringify([facts.customer!.organization]));
    return { value: { allowed: true, body, memo: undefined }, expiresAt: Math.min(validUntil, decision.grantedUntil) };
  }
}
