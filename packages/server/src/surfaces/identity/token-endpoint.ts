/**
 * The token endpoint's logic: client credentials and resource-owner password grants, as Entra
 * answers them. Transport-free so the route stays a thin adapter.
 */
import { createHash } from 'node:crypto';
import { isGuid, PARTNER_CENTER_APP_ID, PARTNER_CENTER_RESOURCE } from '@pcapi/contracts';
import { GRAPH_APP_ID, GRAPH_RESOURCE } from '../../identity/sign-in/resources.js';
import type { PartnerTenant, PrincipalCredential } from '../../domain/model.js';
import { firstPartyClient, registeredClient, type SignInClient } from '../../identity/sign-in/clients.js';
import { verifySecret } from '../../identity/secrets.js';
import type { SignInLockout } from '../../identity/sign-in-lockout.js';
import { passwordAmr, type TokenIssuer } from '../../identity/token-issuer.js';
import type { Store } from '../../store/store.js';
import type { ClientCredentials } from './client-credentials.js';
import { echoed, OAuthError } from './oauth-errors.js';
import { signInErrors } from './sign-in-errors.js';
import type { ClientAuthenticator, TokenResponse, UserGrants } from './user-grants.js';
import { isMultiTenant } from './authority.js';

export type { TokenResponse };

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
/**
 * The lockout's key for a sign-in name: a user by object id, a name no user has by a digest of it, so
 * that a key stays small however long the name sent (a form takes up to 64 KiB).
 */
export function userAccount(tenantId: string, user: { objectId: string } | undefined, username: string): string {
  return `user:${tenantId}:${user ? user.objectId : nameDigest(username.toLowerCase())}`;
}

const nameDigest = (name: string): string => `name:${createHash('sha256').update(name).digest('base64url')}`;

/** What the client credentials and password grants name as `scope` (App ID URI or app id), and the `aud` it gives. */
const RESOURCES: { names: string[]; audience: string; grants: ('client_credentials' | 'password')[] }[] = [
  { names: [PARTNER_CENTER_RESOURCE, PARTNER_CENTER_APP_ID], audience: PARTNER_CENTER_RESOURCE, grants: ['client_credentials', 'password'] },
  // App-only Microsoft Graph tokens carry the app's granted application permissions as `roles`.
  { names: [GRAPH_RESOURCE, GRAPH_APP_ID], audience: GRAPH_RESOURCE, grants: ['client_credentials'] },
];

/** Splits `scope` into the Partner Center resource and its permission (`.default` or `user_impersonation`). */
function parseScope(scope: string | undefined, grant: 'client_credentials' | 'password') {
  if (scope === undefined || scope.trim() === '') throw signInErrors.missingParameter('scope');
  const scopes = scope.split(' ').filter((s) => s !== '');
  const oidc = scopes.filter((s) => OIDC_SCOPES.has(s));
  const resourceScopes = scopes.filter((s) => !OIDC_SCOPES.has(s));
  if (resourceScopes.length !== 1) {
    throw new OAuthError(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid: request exactly one scope of ${PARTNER_CENTER_RESOURCE} (e.g. ${PARTNER_CENTER_RESOURCE}/.default).`);
  }
  const requested = resourceScopes[0]!;
  const slash = requested.lastIndexOf('/');
  const resource = slash > 0 ? requested.slice(0, slash) : requested;
  const permission = slash > 0 ? requested.slice(slash + 1) : '';
  const known = RESOURCES.find((r) => r.grants.includes(grant) && r.names.some((name) => name.toLowerCase() === resource.replace(/\/+$/, '').toLowerCase()));
  if (!known) {
    const served = RESOURCES.filter((r) => r.grants.includes(grant)).map((r) => r.names[0]).join(' and ');
    throw new OAuthError(400, 'invalid_resource', 500011, `The resource principal named ${echoed(resource)} was not found in the tenant. This grant issues tokens for ${served}.`);
  }
  const audience = known.audience;
  if (grant === 'client_credentials' ? permission !== '.default' : permission !== '.default' && permission !== 'user_impersonation') {
    throw new OAuthError(400, 'invalid_scope', 1002012, `The provided value for scope ${echoed(requested)} is not valid.${grant === 'client_credentials' ? ' Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).' : ''}`);
  }
  return { audience, granted: grant === 'client_credentials' ? `${audience}/.default` : `${audience}/user_impersonation`, oidc };
}

const FIRST_PARTY_EXAMPLE = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

const DEVICE_CODE_GRANTS = new Set(['device_code', 'urn:ietf:params:oauth:grant-type:device_code']);

export class TokenEndpoint implements ClientAuthenticator {
  /** Set once the user grants are built (they authenticate clients through this endpoint). */
  userGrants: UserGrants | undefined;

  constructor(private readonly store: Store, private readonly issuer: TokenIssuer, private readonly lockout: SignInLockout) {}

  async resolveTenant(tenant: string): Promise<PartnerTenant> {
    const partner = await this.store.findPartnerTenant(tenant);
    if (!partner) throw signInErrors.unknownTenant(tenant);
    return partner;
  }

  /**
   * @param v1 the v1 endpoint (`/oauth2/token`): `resource` names what the token is for, instead of
   *   `scope`; the route shapes the response as v1 does.
   */
  async grant(tenantParam: string, form: Record<string, string | undefined>, client: ClientCredentials, v1 = false): Promise<TokenResponse> {
    const grantType = form.grant_type;
    if (!grantType) throw signInErrors.missingParameter('grant_type');
    const clientId = (client.clientId ?? '').toLowerCase();
    const clientSecret = client.secret;
    if (!clientId) throw signInErrors.missingParameter('client_id');
    if (form.client_assertion) throw new OAuthError(400, 'invalid_request', 50027, 'Client assertions (certificate credentials) are not supported by this server; use a client secret.');

    if (v1 && (grantType === 'client_credentials' || grantType === 'password')) {
      if (!form.resource) throw signInErrors.missingParameter('resource');
      form = { ...form, scope: `${form.resource.replace(/\/+$/, '')}/.default${grantType === 'password' ? ' openid' : ''}` };
    }
    if (grantType === 'authorization_code' || grantType === 'refresh_token' || DEVICE_CODE_GRANTS.has(grantType)) {
      // The tenant the path names must exist (90002 otherwise); the grant must be of one of its users.
      const anyTenant = isMultiTenant(tenantParam);
      const tenantId = anyTenant ? undefined : (await this.resolveTenant(tenantParam)).tenantId;
      const userGrant = { form, v1, clientId, secret: clientSecret, tenantId, tenant: tenantParam };
      if (grantType === 'authorization_code') return this.userGrants!.authorizationCode(userGrant);
      if (grantType === 'refresh_token') return this.userGrants!.refreshToken(userGrant);
      return this.userGrants!.deviceCode(userGrant);
    }

    if (grantType === 'client_credentials') {
      // An app-only token is for one tenant: /common and /organizations name none (Entra's 50059).
      if (isMultiTenant(tenantParam)) throw new OAuthError(400, 'invalid_request', 50059, 'No tenant-identifying information found in either the request or implied by any provided credentials: client credentials need the tenant in the path.');
      const partner = await this.resolveTenant(tenantParam);
      const { audience, granted } = parseScope(form.scope, 'client_credentials');
      if (!clientSecret) throw new OAuthError(401, 'invalid_client', 7000215, 'Invalid client secret provided: the request has no client_secret.');
      const app = await this.authenticateClient(partner, clientId, clientSecret);
      const { token, expiresIn } = await this.issuer.mintAccessToken(app, { audience, ...(audience === GRAPH_RESOURCE ? { roles: app.appPermissions } : {}) });
      // v1 echoes the resource the token is for.
      return { token_type: 'Bearer', scope: granted, expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token, ...(v1 ? { resource: audience } : {}) };
    }

    if (grantType === 'password') {
      const username = form.username;
      const password = form.password;
      if (!username || !password) throw new OAuthError(400, 'invalid_request', 900144, "The request body must contain the following parameters: 'username' and 'password'.");
      const tenantName = isMultiTenant(tenantParam) ? (username.split('@')[1] ?? '') : tenantParam;
      // A customer's own tenant: its administrators sign in there to approve GDAP relationships.
      if (isGuid(tenantName) && !(await this.store.findPartnerTenant(tenantName)) && (await this.store.organization(tenantName))) {
        return this.customerPassword(tenantName.toLowerCase(), form, clientId, clientSecret, username, password, v1);
      }
      const partner = await this.resolveTenant(tenantName);
      const { audience, granted, oidc } = parseScope(form.scope, 'password');
      // A confidential client authenticates first, as at Entra. A public one (no secret) is only named:
      // whether that app exists is told only to a user who has signed in (below), so neither answer
      // nor timing reveals it to someone guessing.
      const app = clientSecret !== undefined ? await this.authenticateClient(partner, clientId, clientSecret) : await this.store.findAppByClientId(partner.tenantId, clientId);
      const user = await this.authenticateUser(partner, username, password);
      if (!app) throw new OAuthError(400, 'unauthorized_client', 700016, `Application with identifier '${echoed(clientId)}' was not found in the directory '${partner.displayName}'.`);
      // Without a secret the app must allow public client flows: a confidential app proves itself.
      if (clientSecret === undefined && !app.publicClient) throw signInErrors.publicClientNotAllowed(clientId);
      if (!user.accountEnabled) throw signInErrors.userDisabled();
      const { token, expiresIn } = await this.issuer.mintAccessToken(user, { audience, clientId, clientAuthenticated: clientSecret !== undefined });
      const response: TokenResponse = { token_type: 'Bearer', scope: [granted, ...oidc].join(' '), expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token };
      // Entra's password grant returns a refresh token with offline_access (MSAL asks for it), and always at v1.
      if ((v1 || oidc.includes('offline_access')) && this.userGrants) {
        response.refresh_token = await this.userGrants.passwordRefreshToken(app.clientId ?? clientId, user, passwordAmr(user), audience);
      }
      if (oidc.includes('openid')) response.id_token = await this.issuer.mintIdToken(user, clientId, { v1 });
      if (v1) response.resource = audience;
      if (form.client_info === '1') {
        response.client_info = Buffer.from(JSON.stringify({ uid: user.objectId, utid: user.tenantId })).toString('base64url');
      }
      return response;
    }

    throw new OAuthError(400, 'unsupported_grant_type', 70003, `The grant type '${echoed(grantType)}' is not supported; use authorization_code, refresh_token, device_code, client_credentials or password.`);
  }

  /**
   * The password grant at a customer's tenant: a first-party public client (Azure CLI, PowerShell)
   * signs in one of the customer's users for Microsoft Graph, with the user's Entra roles as `wids`.
   */
  private async customerPassword(
    tenantId: string, form: Record<string, string | undefined>, clientId: string, clientSecret: string | undefined, username: string, password: string, v1: boolean,
  ): Promise<TokenResponse> {
    const scopes = (form.scope ?? '').split(' ').filter((s) => s !== '');
    const resourceScopes = scopes.filter((s) => !OIDC_SCOPES.has(s));
    const graphScope = resourceScopes.length === 1 && /^(https:\/\/graph\.microsoft\.com|00000003-0000-0000-c000-000000000000)\/(\.default|DelegatedAdminRelationship\.ReadWrite\.All)$/i.test(resourceScopes[0]!);
    if (!graphScope) {
      throw new OAuthError(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid: in a customer tenant this server issues tokens for ${GRAPH_RESOURCE} only (e.g. ${GRAPH_RESOURCE}/.default).`);
    }
    const user = await this.store.findCustomerUser(tenantId, username);
    const account = userAccount(tenantId, user, username);
    const signedIn = await this.checkSecret(account, user, password, {
      locked: (seconds) => new OAuthError(400, 'invalid_grant', 50053, `The account is locked because of too many sign-in attempts with a wrong user name or password. Try again in ${seconds} seconds.`),
      wrong: () => new OAuthError(400, 'invalid_grant', 50126, 'Error validating credentials due to invalid username or password.'),
    });
    if (clientSecret !== undefined || !firstPartyClient(clientId)) {
      throw new OAuthError(400, 'unauthorized_client', 700016, `Application with identifier '${echoed(clientId)}' was not found in the directory of the customer tenant; sign in there with a first-party public client (Azure CLI ${FIRST_PARTY_EXAMPLE}).`);
    }
    const scp = 'DelegatedAdminRelationship.ReadWrite.All User.Read';
    const { token, expiresIn } = await this.issuer.mintAccessToken(signedIn, { audience: GRAPH_RESOURCE, clientId, scp, overrides: { wids: user!.directoryRoleIds } });
    const response: TokenResponse = { token_type: 'Bearer', scope: [scp.split(' ').map((p) => `${GRAPH_RESOURCE}/${p}`).join(' '), ...scopes.filter((s) => OIDC_SCOPES.has(s))].join(' '), expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token };
    if (v1) response.resource = GRAPH_RESOURCE;
    return response;
  }

  /**
   * The client of a user grant, in the user's tenant: a confidential app proves itself with its
   * secret (locked out like any sign-in); a public client (first-party, or an app that allows public
   * client flows) sends none.
   */
  async authenticate(tenantId: string, clientId: string, secret: string | undefined): Promise<{ client: SignInClient; authenticated: boolean }> {
    const firstParty = firstPartyClient(clientId);
    if (firstParty) {
      if (secret !== undefined) throw signInErrors.secretFromPublicClient();
      return { client: firstParty, authenticated: false };
    }
    const partner = await this.store.findPartnerTenant(tenantId);
    if (!partner) throw signInErrors.unknownClient(clientId, tenantId);
    if (secret !== undefined) return { client: registeredClient(await this.authenticateClient(partner, clientId, secret)), authenticated: true };
    const app = await this.store.findAppByClientId(partner.tenantId, clientId);
    if (!app) throw signInErrors.unknownClient(clientId, partner.displayName);
    if (!app.publicClient) throw signInErrors.publicClientNotAllowed(clientId);
    return { client: registeredClient(app), authenticated: false };
  }

  /** An unknown client and a wrong secret get one answer after the same work; a locked client gets none. */
  private async authenticateClient(partner: PartnerTenant, clientId: string, secret: string): Promise<PrincipalCredential> {
    const app = await this.store.findAppByClientId(partner.tenantId, clientId);
    return this.checkSecret(`app:${partner.tenantId}:${isGuid(clientId) ? clientId : nameDigest(clientId)}`, app, secret, {
      locked: (seconds) => new OAuthError(401, 'invalid_client', 50053, `Application with identifier '${echoed(clientId)}' is locked because of too many attempts with a wrong client secret. Try again in ${seconds} seconds.`),
      wrong: () => new OAuthError(401, 'invalid_client', 7000215, `Application with identifier '${echoed(clientId)}' was not found in the directory '${partner.displayName}', or the client secret is not valid.`),
    });
  }

  /**
   * An unknown user and a wrong password get one answer after the same work. Attempts on names that
   * do not exist are counted (and locked) like any other, so a lock reveals nothing either.
   */
  async authenticateUser(partner: PartnerTenant, username: string, password: string): Promise<PrincipalCredential> {
    const user = await this.store.findUserByName(partner.tenantId, username);
    return this.checkSecret(userAccount(partner.tenantId, user, username), user, password, {
      locked: (seconds) => new OAuthError(400, 'invalid_grant', 50053, `The account is locked because of too many sign-in attempts with a wrong user name or password. Try again in ${seconds} seconds.`),
      wrong: () => new OAuthError(400, 'invalid_grant', 50126, 'Error validating credentials due to invalid username or password.'),
    });
  }

  /**
   * The one credential check: count the attempt (refused while the account is locked), verify the
   * secret, forget the failures on success. verifySecret does the full scrypt work even without a
   * principal, so an unknown one is not faster to refuse than a wrong secret.
   */
  private async checkSecret(
    account: string,
    principal: PrincipalCredential | undefined,
    secret: string,
    refusals: { locked: (retryAfterSeconds: number) => OAuthError; wrong: () => OAuthError },
  ): Promise<PrincipalCredential> {
    const verdict = await this.lockout.attempt(account);
    if (!verdict.allowed) throw refusals.locked(verdict.retryAfterSeconds);
    if (!(await verifySecret(secret, principal?.credentialHash)) || !principal) throw refusals.wrong();
    await this.lockout.succeeded(account);
    return principal;
  }
}
