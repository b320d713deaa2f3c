/**
 * Step 4: authorize, and load what the caller may see. Loads the access facts for (caller, customer),
 * asks the pure domain decision, and for an allowed call serializes the organization. The outcome is
 * cached per (partner, caller, customer) until the data changes, its TTL passes, or the granting
 * relationship ends — whichever comes first — so repeated calls skip the store entirely.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorize, type AuthorizationSettings, type DenialReason } from '../domain/authorize.js';
import { ApiError } from '../errors/api-error.js';
import type { ErrorName } from '../errors/catalog.js';
import type { Store } from '../store/store.js';
import { TtlCache } from './ttl-cache.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The serialized organization array an allowed call answers with. */
    organizationBody: string | null;
  }
}

const ERROR_FOR_DENIAL: Record<DenialReason, ErrorName> = {
  notAnAgent: 'notAnAgent',
  customerNotFound: 'customerNotFound',
  dapNotSupported: 'dapNotSupported',
  noRelationship: 'noRelationship',
  gdapAccessInsufficient: 'gdapAccessInsufficient',
};

/** Depth limit for nested group expansion; 1 means direct membership only. */
const MAX_NESTING_DEPTH = 16;

type Outcome = { allowed: true; body: string } | { allowed: false; error: ErrorName; data: string[] };

export interface DecisionCacheSettings {
  /** Seconds an outcome may be reused; 0 disables the cache. */
  ttlSeconds: number;
  maxEntries: number;
}

export function makeAuthorizeHook(deps: { store: Store; settings: AuthorizationSettings; cache: DecisionCacheSettings }) {
  const outcomes = new TtlCache<Outcome>(deps.cache.ttlSeconds > 0 ? deps.cache.maxEntries : 0);
  deps.store.onDataChanged(() => outcomes.clear());
  const ttlMs = deps.cache.ttlSeconds * 1000;

  async function decide(partnerTenantId: string, partnerName: string, objectId: string, callerName: string, customerTenantId: string, now: number) {
    const facts = await deps.store.accessFacts({
      partnerTenantId, principalObjectId: objectId, customerTenantId, maxGroupDepth: deps.settings.nestedGroups ? MAX_NESTING_DEPTH : 1,
    });
    const decision = authorize({ partnerTenantId, partnerName, customerTenantId, callerName, facts, now: new Date(now) }, deps.settings);
    if (!decision.allowed) return { outcome: { allowed: false, error: ERROR_FOR_DENIAL[decision.reason], data: decision.checks } as Outcome, until: now + ttlMs };
    const organization = await deps.store.organization(customerTenantId);
    if (!organization) return { outcome: { allowed: false, error: 'customerNotFound', data: [] } as Outcome, until: now + ttlMs };
    // Keys are in wire order already (the store builds the object in that order).
    return { outcome: { allowed: true, body: JSON.stringify([organization]) } as Outcome, until: Math.min(now + ttlMs, decision.grantedUntil) };
  }

  return function authorizeCaller(request: FastifyRequest<{ Params: { customerTenantId: string } }>, _reply: FastifyReply, done: (error?: Error) => void): void {
    const caller = request.caller!;
    const customerTenantId = request.params.customerTenantId.toLowerCase();
    const key = `${caller.partner.tenantId}/${caller.objectId}/${customerTenantId}`;
    const now = Date.now();
    const known = outcomes.get(key, now);
    if (known !== undefined) return finish(request, known, done);
    decide(caller.partner.tenantId, caller.partner.displayName, caller.objectId, caller.name, customerTenantId, now).then((decided) => {
      outcomes.set(key, decided.outcome, decided.until);
      finish(request, decided.outcome, done);
    }, done);
  };
}

function finish(request: FastifyRequest, outcome: Outcome, done: (error?: Error) => void): void {
  if (!outcome.allowed) return done(new ApiError(outcome.error, outcome.data));
  request.organizationBody = outcome.body;
  done();
}
