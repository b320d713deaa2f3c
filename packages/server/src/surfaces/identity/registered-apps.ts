/** A partner's app found by its client id: in the named tenant, or (/common, /organizations) in every partner that registers it. */
import type { PartnerTenant, PrincipalCredential } from '../../domain/model.js';
import type { Store } from '../../store/store.js';

export async function registeredApps(store: Store, tenant: string | undefined, clientId: string): Promise<{ partner: PartnerTenant; app: PrincipalCredential }[]> {
  const partners = tenant === undefined
    ? await store.partnersHoldingPrincipal({ clientId })
    : [await store.findPartnerTenant(tenant)].filter((found) => found !== undefined);
  const apps = await Promise.all(partners.map(async (partner) => ({ partner, app: await store.findAppByClientId(partner.tenantId, clientId) })));
  return apps.filter((found): found is { partner: PartnerTenant; app: PrincipalCredential } => found.app !== undefined);
}
