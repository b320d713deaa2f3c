/**
 * The end-session endpoint (`/{tenant}/oauth2/v2.0/logout`, v1 `/oauth2/logout`) that discovery names
 * as `end_session_endpoint`, so OpenID Connect middleware (ASP.NET Core, OWIN) and msal-browser can sign
 * out. pcapi keeps no sign-in session, so there is nothing to end: it sends the browser back to
 * `post_logout_redirect_uri` when that is a redirect URI the app registered (the app named by
 * `client_id`, or by `id_token_hint`'s audience), with `state`; otherwise it shows that the user signed out.
 */
import { decodeJwt } from 'jose';
import { matchRedirectUri } from '../../identity/sign-in/redirect-uri.js';
import type { Store } from '../../store/store.js';
import { isMultiTenant } from './authority.js';
import { registeredApps } from './registered-apps.js';

/** Where to send the browser after signing out, or undefined to show the signed-out page. */
export async function signOutRedirect(store: Store, tenant: string, query: Record<string, unknown>): Promise<string | undefined> {
  const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
  const target = text('post_logout_redirect_uri');
  if (target === undefined) return undefined;
  const clientId = (text('client_id') ?? audienceOf(text('id_token_hint')))?.toLowerCase();
  if (clientId === undefined) return undefined;
  const apps = await registeredApps(store, isMultiTenant(tenant) ? undefined : tenant, clientId);
  if (!apps.some(({ app }) => matchRedirectUri(app.redirectUris, target))) return undefined;
  const url = new URL(target);
  const state = text('state');
  if (state !== undefined) url.searchParams.set('state', state);
  return url.href;
}

/** The audience of an ID token the app hands back: it names the app only; the redirect must still be registered for it. */
function audienceOf(idToken: string | undefined): string | undefined {
  if (idToken === undefined) return undefined;
  try {
    const { aud } = decodeJwt(idToken);
    return typeof aud === 'string' ? aud : undefined;
  } catch {
    return undefined;
  }
}
