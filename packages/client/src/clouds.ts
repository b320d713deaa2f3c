/** Partner Center's base URLs by cloud name; any other base URL (such as a pcapi) is taken as given. */

export const PARTNER_CENTER_CLOUDS = {
  /** The global cloud, also used by US Government. */
  global: 'https://api.partnercenter.microsoft.com',
  /** Microsoft Azure operated by 21Vianet. */
  china: 'https://partner.partnercenterapi.microsoftonline.cn',
} as const;

export type PartnerCenterCloud = keyof typeof PARTNER_CENTER_CLOUDS;

/** A cloud name or an http(s) URL → the base URL without a trailing slash. */
export function resolveEndpoint(endpointOrCloud: string): string {
  const cloud = Object.hasOwn(PARTNER_CENTER_CLOUDS, endpointOrCloud) ? PARTNER_CENTER_CLOUDS[endpointOrCloud as PartnerCenterCloud] : undefined;
  if (cloud) return cloud;
  let url: URL;
  try {
    url = new URL(endpointOrCloud);
  } catch {
    throw new TypeError(`endpoint must be a cloud name (${Object.keys(PARTNER_CENTER_CLOUDS).join(', ')}) or an http(s) URL; got "${String(endpointOrCloud).slice(0, 100)}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`endpoint must be an http(s) URL; got "${url.protocol}"`);
  if (url.search || url.hash) throw new TypeError('endpoint must be a base URL without a query or fragment');
  // Keep a path prefix (a gateway may mount the API under one) and drop trailing slashes.
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
