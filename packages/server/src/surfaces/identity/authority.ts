/** `/organizations` and `/common`: authorities for any tenant, the user's own found from the user name or the grant. */
const MULTI_TENANT = new Set(['common', 'organizations']);

export function isMultiTenant(tenant: string): boolean {
  return MULTI_TENANT.has(tenant.toLowerCase());
}
