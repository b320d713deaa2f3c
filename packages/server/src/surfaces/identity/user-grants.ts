/**
 * The token endpoint's user grants that follow an interactive sign-in: authorization code (with
 * PKCE), refresh token and device code, as Entra answers them. A refresh token is a grant in the
 * store that records what it was issued under (the password, the consents); any change there
 * revokes it, without a list of tokens to walk.
 */
import { createHash } from 'node:crypto';
import type { PrincipalCredential } from '../../domain/model.js';
import type { SignInClient } from '../../identity/sign-in/clients.js';
import type { SignInGrants } from '../../identity/sign-in/grants.js';
import { verifierMatches } from '../../identity/sign-in/pkce.js';
import {
  grantedPermissions, missingConsent, parseScopes, parseV1Resource, requestedResources, responseScope, ScopeError, type ResourceRequest,
} from '../../identity/sign-in/resources.js';
import type { TokenIssuer } from '../../identity/token-issuer.js';
import type { Store, StoredConsent } from '../../store/store.js';
import type { CodePayload, DevicePayload, SignedInUser } from './sign-in-flow.js';
import { scopeRefusal, signInErrors } from './sign-in-errors.js';

export interface TokenResponse {
  token_type: 'Bearer';
  scope: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  client_info?: string;
  /** v1 responses only. */
  resource?: string;
}

/** What a refresh token records about its issue, to tell later whether it still stands. */
interface RefreshPayload extends Record<string, unknown> {
  clientId: string;
  user: SignedInUser;
  /** A digest of the user's credential hash: a new password revokes the token. */
  credential: string;
  /** The consents' dates it was issued under (user's own, tenant-wide): withdrawing either revokes it. */
  consent: { user: number | null; tenant: number | null } | null;
  /**
   * Issued by the password grant, which asks no consent (docs/parity.md): its tokens for this
   * resource (Partner Center) need none either; any other resource does, as in every flow.
   */
  consentWaivedFor?: string;
}

/** The request fields the user grants read. */
export interface UserGrantRequest {
  form: Record<string, string | undefined>;
  /** Which version of the endpoint was called: v1 reads `resource`, v2 `scope`. */
  v1: boolean;
  clientId: string;
  secret: string | undefined;
  /** The tenant the token endpoint's path named, resolved; undefined for /organizations and /common. */
  tenantId: string | undefined;
  /** That path's tenant as written, for the error. */
  tenant: string;
}

export interface ClientAuthenticator {
  /** Resolves the client in the user's tenant and checks how it authenticated; true when it proved itself with a secret. */
  authenticate(tenantId: string, clientId: string, secret: string | undefined): Promise<{ client: SignInClient; authenticated: boolean }>;
}

/** A grant is redeemed at its user's tenant, or at /organizations or /common: never as another tenant's. */
function inTenant(request: UserGrantRequest, user: SignedInUser): void {
  if (request.tenantId !== undefined && request.tenantId !== user.tenantId) throw signInErrors.grantOfAnotherTenant(request.tenant);
}

const credentialDigest = (user: PrincipalCredential) => createHash('sha256').update(user.credentialHash ?? '').digest('base64url').slice(0, 22);

export class UserGrants {
  constructor(
    private readonly store: Store,
    private readonly grants: SignInGrants,
    private readonly issuer: TokenIssuer,
    private readonly clients: ClientAuthenticator,
  ) {}

  async authorizationCode(request: UserGrantRequest): Promise<TokenResponse> {
    const { form } = request;
    if (!form.code) throw signInErrors.missingParameter('code');
    const grant = await this.grants.find('code', form.code);
    if (!grant) throw signInErrors.codeUnknown();
    if (grant.state === 'redeemed') throw signInErrors.codeRedeemed();
    if (this.grants.expired(grant)) throw signInErrors.codeUnknown();
    const code = grant.payload as CodePayload;
    inTenant(request, code.user);
    if (code.clientId !== request.clientId) throw signInErrors.codeOtherClient();
    if (!form.redirect_uri) throw signInErrors.missingParameter('redirect_uri');
    if (form.redirect_uri !== code.redirectUri) throw signInErrors.codeRedirectMismatch();
    if (code.codeChallenge !== null) {
      if (!form.code_verifier) throw signInErrors.pkceMissing();
      if (!verifierMatches(form.code_verifier, code.codeChallenge, code.codeChallengeMethod ?? 'plain')) throw signInErrors.pkceMismatch();
    } else if (form.code_verifier !== undefined) {
      // RFC 9700 §2.1.1: a verifier for a code issued without a challenge is refused (a PKCE downgrade).
      throw signInErrors.pkceUnexpected();
    }
    const { client, authenticated } = await this.clients.authenticate(code.user.tenantId, request.clientId, request.secret);
    // Spent only now, after every check: a request refused above leaves the code usable.
    if (!(await this.grants.move(grant, 'redeemed'))) throw signInErrors.codeRedeemed();
    const user = await this.activeUser(code.user);
    const oidc = this.oidcScopes(request.v1, [code.scope, form.scope]);
    const target = this.target(request, code.v1 ? { resource: code.resource } : { scope: code.scope });
    return this.issue({ request, client, authenticated, user, signIn: code.user, target, oidc, nonce: code.nonce, offline: request.v1 || oidc.includes('offline_access') });
  }

  async refreshToken(request: UserGrantRequest): Promise<TokenResponse> {
    const { form } = request;
    if (!form.refresh_token) throw signInErrors.missingParameter('refresh_token');
    const grant = await this.grants.find('refresh_token', form.refresh_token);
    if (!grant) throw signInErrors.refreshTokenMalformed();
    if (this.grants.expired(grant)) throw signInErrors.refreshTokenInactive();
    const issued = grant.payload as RefreshPayload;
    inTenant(request, issued.user);
    if (issued.clientId !== request.clientId) throw signInErrors.refreshTokenOtherClient();
    const { client, authenticated } = await this.clients.authenticate(issued.user.tenantId, request.clientId, request.secret);
    const user = await this.store.findPrincipal(issued.user.tenantId, issued.user.objectId);
    if (!user) throw signInErrors.refreshTokenRevoked('the user was removed');
    if (!user.accountEnabled) throw signInErrors.userDisabled();
    if (credentialDigest(user) !== issued.credential) throw signInErrors.refreshTokenRevoked("the user's password changed");
    if (issued.consent && !client.firstParty) {
      const now = consentDates(await this.store.consents(user.tenantId, client.clientId, user.objectId), user.objectId);
      const withdrawn = (issued.consent.user !== null && now.user !== issued.consent.user) || (issued.consent.tenant !== null && now.tenant !== issued.consent.tenant);
      if (withdrawn) throw signInErrors.consentWithdrawn(client.clientId);
    }
    const oidc = this.oidcScopes(request.v1, [form.scope]);
    const target = this.target(request, {});
    return this.issue({ request, client, authenticated, user, signIn: issued.user, target, oidc, nonce: null, offline: true, consentWaivedFor: issued.consentWaivedFor });
  }

  /**
   * The refresh token a password grant returns (with offline_access, and always at v1, as Entra):
   * redeemed like any other, for the resource it was issued for without a consent.
   */
  async passwordRefreshToken(clientId: string, user: PrincipalCredential, amr: string[], resource: string): Promise<string> {
    return this.mintRefreshToken(clientId, { tenantId: user.tenantId, objectId: user.objectId, amr, authTimeMs: this.grants.now() }, user, null, resource);
  }

  /** A refresh token for this sign-in; `consentWaivedFor` travels with it (and every one it leads to). */
  private async mintRefreshToken(clientId: string, signIn: RefreshPayload['user'], user: PrincipalCredential, consent: RefreshPayload['consent'], consentWaivedFor: string | undefined): Promise<string> {
    const payload: RefreshPayload = { clientId, user: signIn, credential: credentialDigest(user), consent, ...(consentWaivedFor ? { consentWaivedFor } : {}) };
    return (await this.grants.issue('refresh_token', 'active', payload)).secret;
  }

  async deviceCode(request: UserGrantRequest): Promise<TokenResponse> {
    const { form } = request;
    // MSAL Python sends the device code as both device_code and code.
    const secret = form.device_code ?? form.code;
    if (!secret) throw signInErrors.missingParameter('device_code');
    const grant = await this.grants.find('device_code', secret);
    if (!grant) throw signInErrors.deviceCodeUnknown();
    const device = grant.payload as DevicePayload;
    if (device.clientId !== request.clientId) throw signInErrors.codeOtherClient();
    if (grant.state === 'redeemed') throw signInErrors.codeRedeemed();
    if (grant.state === 'declined') throw signInErrors.authorizationDeclined();
    if (this.grants.expired(grant)) throw signInErrors.deviceCodeExpired();
    if (grant.state !== 'approved' || !device.user) throw signInErrors.authorizationPending();
    inTenant(request, device.user);
    const { client, authenticated } = await this.clients.authenticate(device.user.tenantId, request.clientId, request.secret);
    if (!(await this.grants.move(grant, 'redeemed'))) throw signInErrors.codeRedeemed();
    const user = await this.activeUser(device.user);
    const oidc = this.oidcScopes(device.v1, [device.scope]);
    const target = this.target(request, device.v1 ? { resource: device.resource } : { scope: device.scope });
    return this.issue({ request, client, authenticated, user, signIn: device.user, target, oidc, nonce: null, offline: device.v1 || oidc.includes('offline_access') });
  }

  // --- shared ---

  private async issue(args: {
    request: UserGrantRequest; client: SignInClient; authenticated: boolean; user: PrincipalCredential; signIn: SignedInUser;
    target: ResourceRequest; oidc: string[]; nonce: string | null; offline: boolean; consentWaivedFor?: string;
  }): Promise<TokenResponse> {
    const { request, client, user, target } = args;
    let consent: RefreshPayload['consent'] = null;
    let scp = grantedPermissions(target, []);
    const waived = args.consentWaivedFor === target.resource.uri;
    if (!client.firstParty && !waived) {
      const consents = await this.store.consents(user.tenantId, client.clientId, user.objectId);
      const granted = consents.flatMap((c) => c.scopes);
      const missing = missingConsent(target, granted);
      if (missing.length > 0) throw signInErrors.consentRequired(client.clientId, missing);
      scp = grantedPermissions(target, granted);
      consent = consentDates(consents, user.objectId);
    }
    const { token, expiresIn } = await this.issuer.mintAccessToken(user, {
      // A waived consent with `.default` asks nothing by name: the password grant's own scp, then.
      audience: target.resource.uri, clientId: client.clientId, mfa: args.signIn.amr.includes('mfa'), scp: waived && scp.length === 0 ? undefined : scp.join(' '), clientAuthenticated: args.authenticated,
    });
    const response: TokenResponse = {
      token_type: 'Bearer', scope: request.v1 ? scp.join(' ') : responseScope(target, args.oidc), expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token,
    };
    if (args.offline) {
      // The waiver travels with every refresh token it leads to, whatever resource this one was for.
      response.refresh_token = await this.mintRefreshToken(client.clientId, args.signIn, user, consent, args.consentWaivedFor);
    }
    if (args.oidc.includes('openid') || request.v1) response.id_token = await this.issuer.mintIdToken(user, client.clientId, { nonce: args.nonce ?? undefined, v1: request.v1 });
    if (request.form.client_info === '1') response.client_info = Buffer.from(JSON.stringify({ uid: user.objectId, utid: user.tenantId })).toString('base64url');
    if (request.v1) response.resource = target.resource.uri;
    return response;
  }

  private async activeUser(signedIn: SignedInUser): Promise<PrincipalCredential> {
    const user = await this.store.findPrincipal(signedIn.tenantId, signedIn.objectId);
    if (!user) throw signInErrors.codeUnknown();
    if (!user.accountEnabled) throw signInErrors.userDisabled();
    return user;
  }

  /** The resource the token is for: what this request names, else what the sign-in named, else Partner Center. */
  private target(request: UserGrantRequest, fromSignIn: { scope?: string | null; resource?: string | null }): ResourceRequest {
    try {
      if (request.v1) {
        const resource = request.form.resource ?? fromSignIn.resource;
        return resource ? parseV1Resource(resource) : { ...requestedResources({ resource: null })[0]! };
      }
      const own = parseScopes(request.form.scope).resources;
      if (own.length > 1) throw signInErrors.oneResourceOnly();
      if (own.length === 1) return own[0]!;
      const named = fromSignIn.scope !== undefined && fromSignIn.scope !== null ? parseScopes(fromSignIn.scope).resources : [];
      return named[0] ?? requestedResources({ scope: null })[0]!;
    } catch (error) {
      if (error instanceof ScopeError) throw scopeRefusal(error);
      throw error;
    }
  }

  private oidcScopes(v1: boolean, scopes: (string | null | undefined)[]): string[] {
    if (v1) return ['openid'];
    const all = new Set<string>();
    for (const scope of scopes) {
      try {
        for (const name of parseScopes(scope ?? undefined).oidc) all.add(name);
      } catch {
        // Resource scopes are checked where they are used; only the OIDC ones matter here.
      }
    }
    return [...all];
  }
}

function consentDates(consents: StoredConsent[], userObjectId: string): { user: number | null; tenant: number | null } {
  return {
    user: consents.find((c) => c.principalObjectId === userObjectId.toLowerCase())?.grantedAtMs ?? null,
    tenant: consents.find((c) => c.principalObjectId === '')?.grantedAtMs ?? null,
  };
}
