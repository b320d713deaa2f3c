/**
 * What `pcapi explain` and the console's "ask why" share: finding the caller a token of a principal
 * would make (by user principal name, or by client id within its partner), and the decision as JSON
 * (the shape `pcapi explain --json` prints).
 */
import type { Decision } from '../domain/authorize.js';
import type { Caller, PartnerTenant, PrincipalCredential } from '../domain/model.js';
import type { Store } from '../store/store.js';
import { ERROR_CATALOG } from '../surfaces/partner-center/errors/catalog.js';

/** Why a principal was not found; `message` names what is missing. */
export class PrincipalLookupError extends Error {
  override name = 'PrincipalLookupError';
  constructor(readonly kind: 'clientIdNeedsPartner' | 'unknownPartner' | 'unknownPrincipal', message: string) {
    super(message);
  }
}

/**
 * The caller a token of this principal would make: a user by user principal name (its partner from
 * the name's domain unless given), an application by client id within `partner` (a tenant id or
 * domain; unless given, the one tenant holding that client id). Throws PrincipalLookupError.
 */
export async function lookUpCaller(store: Store, principal: string, partner: string | undefined): Promise<{ caller: Caller; found: PrincipalCredential }> {
  const isUser = principal.includes('@');
  const partnerText = partner ?? (isUser ? principal.split('@')[1]! : undefined);
  let tenant: PartnerTenant | undefined;
  if (partnerText === undefined) {
    // A client id is unique per tenant, not globally: the one tenant holding it, as `pcapi token --app` finds it.
    const holders = await store.partnersHoldingPrincipal({ clientId: principal });
    if (holders.length === 0) throw new PrincipalLookupError('unknownPrincipal', `no application ${principal} in any partner tenant`);
    // The message names the problem; each surface says how to give the partner (--tenant, partner=).
    if (holders.length > 1) throw new PrincipalLookupError('clientIdNeedsPartner', `${principal} is a client id registered in ${holders.length} partner tenants (${holders.map((h) => h.displayName).join(', ')})`);
    tenant = holders[0]!;
  } else {
    tenant = await store.findPartnerTenant(partnerText);
  }
  if (!tenant) throw new PrincipalLookupError('unknownPartner', `no partner tenant "${partnerText}" in the store`);
  const found = isUser ? await store.findUserByName(tenant.tenantId, principal) : await store.findAppByClientId(tenant.tenantId, principal);
  if (!found) throw new PrincipalLookupError('unknownPrincipal', `no ${isUser ? 'user' : 'application'} ${principal} in partner ${tenant.displayName}`);
  const caller: Caller = {
    partner: tenant, objectId: found.objectId, appOnly: found.kind === 'app', clientId: found.clientId ?? undefined,
    name: found.kind === 'user' ? found.userPrincipalName ?? found.objectId : found.displayName, amr: ['pwd', 'mfa'], expiresAtMs: Infinity,
    audience: 'partnerCenter', permissions: [],
  };
  return { caller, found };
}

/** The decision as `pcapi explain --json` prints it: the answer's status and code from the catalog, and every check. */
export function explanationJson(principal: string, caller: Caller, customerTenantId: string, decision: Decision, decidedAt: number) {
  const entry = decision.allowed ? undefined : ERROR_CATALOG[decision.reason];
  return {
    principal, partner: caller.partner.displayName, customer: customerTenantId.toLowerCase(), at: new Date(decidedAt).toISOString(),
    allowed: decision.allowed, status: entry?.status ?? 200,
    ...(decision.allowed ? { grantedUntil: new Date(decision.grantedUntil).toISOString() } : { reason: decision.reason, code: entry!.code }),
    checks: decision.checks,
  };
}
