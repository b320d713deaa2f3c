/**
 * Step 3: authorize. Loads the access facts for (caller, customer) and asks the pure domain
 * decision; a denial becomes the catalog error whose `data` lists each check in words.
 */
import type { FastifyRequest } from 'fastify';
import { authorize, type AuthorizationSettings, type DenialReason } from '../domain/authorize.js';
import { ApiError } from '../errors/api-error.js';
import type { ErrorName } from '../errors/catalog.js';
import type { Store } from '../store/store.js';

const ERROR_FOR_DENIAL: Record<DenialReason, ErrorName> = {
  notAnAgent: 'notAnAgent',
  customerNotFound: 'customerNotFound',
  dapNotSupported: 'dapNotSupported',
  noRelationship: 'noRelationship',
  gdapAccessInsufficient: 'gdapAccessInsufficient',
};

/** Depth limit for nested group expansion; 1 means direct membership only. */
const MAX_NESTING_DEPTH = 16;

export function makeAuthorizeHook(deps: { store: Store; settings: AuthorizationSettings }) {
  return async function authorizeCaller(request: FastifyRequest<{ Params: { customerTenantId: string } }>): Promise<void> {
    const caller = request.caller!;
    const customerTenantId = request.params.customerTenantId.toLowerCase();
    const facts = await deps.store.accessFacts({
      partnerTenantId: caller.partner.tenantId,
      principalObjectId: caller.objectId,
      customerTenantId,
      maxGroupDepth: deps.settings.nestedGroups ? MAX_NESTING_DEPTH : 1,
    });
    const decision = authorize(
      { partnerTenantId: caller.partner.tenantId, partnerName: caller.partner.displayName, customerTenantId, callerName: caller.name, facts, now: new Date() },
      deps.settings,
    );
    if (!decision.allowed) throw new ApiError(ERROR_FOR_DENIAL[decision.reason], decision.checks);
  };
}
