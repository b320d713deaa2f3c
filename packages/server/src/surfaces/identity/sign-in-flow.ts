/**
 * The interactive sign-in behind /authorize and /devicelogin, transport-free: the request checked as
 * Entra checks it, then password → MFA (users registered for it) → consent (apps the user has not
 * consented to, or prompt=consent) → an authorization code for the redirect URI, or the approval of
 * a device code. Each step moves the sign-in's grant in the store from one state to the next, so a
 * replayed or forged form post cannot skip one, and any process can serve any step.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { PartnerTenant, PrincipalCredential } from '../../domain/model.js';
import { firstPartyClient, registeredClient, type SignInClient } from '../../identity/sign-in/clients.js';
import type { SignInGrants } from '../../identity/sign-in/grants.js';
import { isWellFormedPkceValue, type ChallengeMethod } from '../../identity/sign-in/pkce.js';
import { matchRedirectUri } from '../../identity/sign-in/redirect-uri.js';
import { missingConsent, permissionsToConsent, requestedResources, ScopeError, type ResourceRequest } from '../../identity/sign-in/resources.js';
import type { Store, StoredGrant } from '../../store/store.js';
import { OAuthError } from './oauth-errors.js';
import { repeatedParameterIn, scopeRefusal, signInErrors } from './sign-in-errors.js';
import { isMultiTenant } from './authority.js';
import { registeredApps } from './registered-apps.js';
import type { IdTokenOptions } from '../../identity/token-issuer.js';

export type ResponseMode = 'query' | 'fragment' | 'form_post';

/** The authorize request, as kept with the sign-in between its pages. */
export interface AuthorizeRequest {
  v1: boolean;
  tenant: string;
  clientId: string;
  redirectUri: string | null;
  responseType: 'code' | 'code id_token';
  responseMode: ResponseMode;
  state: string | null;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: ChallengeMethod | null;
  scope: string | null;
  resource: string | null;
  prompt: string | null;
  loginHint: string | null;
  amrValues: string | null;
  clientInfo: boolean;
  /** Set when this sign-in approves a device code. */
  deviceGrantId: string | null;
}

/** Who signed in, once the password step passed. */
export interface SignedInUser {
  tenantId: string;
  objectId: string;
  amr: string[];
  authTimeMs: number;
}

interface FlowPayload extends Record<string, unknown> {
  request: AuthorizeRequest;
  user?: SignedInUser;
  /** False while the client could not be checked yet (/common with a partner's app: known after the user names their tenant). */
  clientChecked: boolean;
}

/** What the route renders or does next. */
export type FlowView =
  | { view: 'password'; flow: string; client: string; username: string; error?: string }
  | { view: 'mfa'; flow: string; client: string; username: string }
  | { view: 'consent'; flow: string; client: string; username: string; permissions: string[] }
  | { view: 'device-code'; error?: string }
  | { view: 'device-done'; client: string }
  | { view: 'error'; error: OAuthError }
  | { view: 'respond'; redirectUri: string; mode: ResponseMode; params: Record<string, string> };

/** What the code carries to the token endpoint. */
export interface CodePayload extends Record<string, unknown> {
  clientId: string;
  redirectUri: string;
  v1: boolean;
  scope: string | null;
  resource: string | null;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: ChallengeMethod | null;
  user: SignedInUser;
}

/** What a device code carries once a user approved it. */
export interface DevicePayload extends Record<string, unknown> {
  clientId: string;
  tenant: string;
  v1: boolean;
  scope: string | null;
  resource: string | null;
  user?: SignedInUser;
}

export interface UserAuthenticator {
  authenticateUser(partner: PartnerTenant, username: string, password: string): Promise<PrincipalCredential>;
}

/** The hybrid flow (`code id_token`) hands the app an ID token with the code. */
export interface IdTokenMinter {
  mintIdToken(user: PrincipalCredential, clientId: string, options?: IdTokenOptions): Promise<string>;
}

const param = (params: Record<string, unknown>, name: string): string | null => {
  const value = params[name];
  return typeof value === 'string' && value !== '' ? value : null;
};

export class SignInFlow {
  constructor(
    private readonly store: Store,
    private readonly grants: SignInGrants,
    private readonly users: UserAuthenticator,
    private readonly idTokens: IdTokenMinter,
    private readonly clock: Clock,
  ) {}

  /** GET /authorize: checks the request, then shows the sign-in page (or answers the client with an error). */
  async start(tenant: string, params: Record<string, unknown>, v1: boolean): Promise<FlowView> {
    // Which of two states or redirect URIs is meant cannot be told: shown, never redirected.
    const repeated = repeatedParameterIn(params);
    if (repeated !== undefined) return { view: 'error', error: signInErrors.repeatedParameter(repeated) };
    const clientId = param(params, 'client_id');
    if (!clientId) return { view: 'error', error: signInErrors.missingParameter('client_id') };
    const redirectParam = param(params, 'redirect_uri');
    const request: AuthorizeRequest = {
      v1, tenant, clientId: clientId.toLowerCase(), redirectUri: redirectParam, responseType: 'code', responseMode: 'query',
      state: param(params, 'state'), nonce: param(params, 'nonce'), codeChallenge: param(params, 'code_challenge'), codeChallengeMethod: null,
      scope: param(params, 'scope'), resource: param(params, 'resource'), prompt: param(params, 'prompt'), loginHint: param(params, 'login_hint'),
      amrValues: param(params, 'amr_values'), clientInfo: param(params, 'client_info') === '1', deviceGrantId: null,
    };

    // Until the client and its redirect URI are known good, errors are shown, never redirected.
    let clientChecked = false;
    if (!isMultiTenant(tenant) || firstPartyClient(request.clientId)) {
      const checked = await this.checkClient(request, isMultiTenant(tenant) ? undefined : tenant);
      if ('error' in checked) return { view: 'error', error: checked.error };
      request.redirectUri = checked.redirectUri;
      clientChecked = true;
    } else if (!request.redirectUri) {
      return { view: 'error', error: signInErrors.missingParameter('redirect_uri') };
    }

    const problem = this.checkRequest(request, params);
    if (problem) return clientChecked ? this.respondError(request, problem) : { view: 'error', error: problem };
    // No sign-in session is kept between requests, so a silent request cannot succeed.
    if (request.prompt === 'none') return clientChecked ? this.respondError(request, signInErrors.loginRequired()) : { view: 'error', error: signInErrors.loginRequired() };

    const { secret } = await this.grants.issue('sign_in', 'password', { request, clientChecked } satisfies FlowPayload);
    return { view: 'password', flow: secret, client: await this.clientName(request), username: request.loginHint ?? '' };
  }

  /** The password page's post. */
  async submitPassword(flowSecret: string | undefined, username: string | undefined, password: string | undefined): Promise<FlowView> {
    const found = await this.openFlow(flowSecret, 'password');
    if ('view' in found) return found;
    const { grant, payload } = found;
    const request = payload.request;
    const client = await this.clientName(request);
    if (!username || !password) return { view: 'password', flow: flowSecret!, client, username: username ?? '', error: 'Enter your user name and password.' };

    const partner = await this.store.findPartnerTenant(isMultiTenant(request.tenant) ? (username.split('@')[1] ?? '') : request.tenant);
    let user: PrincipalCredential;
    try {
      if (!partner) throw signInErrors.userNotInTenant(username, request.tenant);
      user = await this.users.authenticateUser(partner, username, password);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      // A wrong password (or a locked account) is told on the page, as Entra does; the user tries again.
      return { view: 'password', flow: flowSecret!, client, username, error: `${error.description} (AADSTS${error.aadsts})` };
    }
    if (!user.accountEnabled) return { view: 'error', error: signInErrors.userDisabled() };

    if (!payload.clientChecked) {
      const checked = await this.checkClient(request, user.tenantId);
      if ('error' in checked) return { view: 'error', error: checked.error };
      request.redirectUri = checked.redirectUri;
      payload.clientChecked = true;
    }
    const wantsMfa = (request.amrValues ?? '').split(/[ ,]/).includes('mfa');
    if (wantsMfa && !user.mfaRegistered) return this.finishWithError(grant, request, signInErrors.mfaRegistrationRequired());

    payload.user = { tenantId: user.tenantId, objectId: user.objectId, amr: ['pwd'], authTimeMs: this.clock.now() };
    if (user.mfaRegistered) {
      if (!(await this.grants.move(grant, 'mfa', payload))) return this.flowGone();
      return { view: 'mfa', flow: flowSecret!, client, username: user.userPrincipalName ?? username };
    }
    return this.afterAuthentication(grant, flowSecret!, payload, user);
  }

  /** The MFA page's post: the simulated Authenticator prompt approved or denied. */
  async submitMfa(flowSecret: string | undefined, approved: boolean): Promise<FlowView> {
    const found = await this.openFlow(flowSecret, 'mfa');
    if ('view' in found) return found;
    const { grant, payload } = found;
    if (!approved) return this.finishWithError(grant, payload.request, signInErrors.mfaDenied());
    payload.user = { ...payload.user!, amr: ['pwd', 'mfa'] };
    const user = await this.store.findPrincipal(payload.user.tenantId, payload.user.objectId);
    if (!user) return this.flowGone();
    return this.afterAuthentication(grant, flowSecret!, payload, user);
  }

  /** The consent page's post. */
  async submitConsent(flowSecret: string | undefined, accepted: boolean): Promise<FlowView> {
    const found = await this.openFlow(flowSecret, 'consent');
    if ('view' in found) return found;
    const { grant, payload } = found;
    if (!accepted) return this.finishWithError(grant, payload.request, signInErrors.userDeclinedConsent());
    const { user, request } = payload;
    const existing = (await this.store.consents(user!.tenantId, request.clientId, user!.objectId)).find((c) => c.principalObjectId === user!.objectId);
    const scopes = new Set(existing?.scopes ?? []);
    for (const scope of permissionsToConsent(this.resourcesOf(request))) scopes.add(scope);
    // Adding permissions keeps the consent's date: refresh tokens issued under it stay valid.
    await this.store.putConsent({
      tenantId: user!.tenantId, clientId: request.clientId, principalObjectId: user!.objectId, scopes: [...scopes],
      grantedAtMs: existing?.grantedAtMs ?? this.clock.now(),
    });
    return this.complete(grant, payload);
  }

  /** /devicecode: a device code for a public client, waiting for a user to approve it on /devicelogin. */
  async startDevice(tenant: string, clientId: string, scope: string | null, resource: string | null, v1: boolean): Promise<{ deviceCode: string; userCode: string }> {
    const checked = await this.resolveClient(isMultiTenant(tenant) ? undefined : tenant, clientId);
    if ('error' in checked) throw checked.error;
    if (!checked.client.publicClient) throw signInErrors.publicClientNotAllowed(clientId);
    const request = this.deviceRequest(tenant, clientId, scope, resource, v1);
    const problem = this.checkScopes(request);
    if (problem) throw problem;
    for (let attempt = 0; ; attempt++) {
      const userCode = this.grants.newUserCode();
      try {
        const payload: DevicePayload = { clientId: clientId.toLowerCase(), tenant, v1, scope, resource };
        const { secret } = await this.grants.issue('device_code', 'pending', payload, { userCode });
        return { deviceCode: secret, userCode };
      } catch (error) {
        // Two live codes drew the same user code (1 in 32^9): draw again.
        if (attempt >= 3 || !(await this.grants.findByUserCode(userCode))) throw error;
      }
    }
  }

  /** /devicelogin's post: the user typed a code; the sign-in that approves it starts. */
  async enterUserCode(userCode: string | undefined): Promise<FlowView> {
    const device = userCode ? await this.grants.findByUserCode(userCode) : undefined;
    if (!device || device.state !== 'pending' || this.grants.expired(device)) {
      return { view: 'device-code', error: "That code didn't work. Check the code and try again, or ask the app for a new one (AADSTS70018)." };
    }
    const code = device.payload as DevicePayload;
    const request = this.deviceRequest(code.tenant, code.clientId, code.scope, code.resource, code.v1);
    request.deviceGrantId = device.id;
    const { secret } = await this.grants.issue('sign_in', 'password', { request, clientChecked: true } satisfies FlowPayload);
    return { view: 'password', flow: secret, client: await this.clientName(request), username: '' };
  }

  // --- steps ---

  private async afterAuthentication(grant: StoredGrant, flowSecret: string, payload: FlowPayload, user: PrincipalCredential): Promise<FlowView> {
    const request = payload.request;
    const client = await this.resolveClient(payload.user!.tenantId, request.clientId);
    if ('error' in client) return { view: 'error', error: client.error };
    if (!client.client.firstParty) {
      const consents = await this.store.consents(payload.user!.tenantId, request.clientId, payload.user!.objectId);
      const granted = consents.flatMap((c) => c.scopes);
      const missing = this.resourcesOf(request).flatMap((resource) => missingConsent(resource, granted));
      if (missing.length > 0 || request.prompt === 'consent') {
        if (!(await this.grants.move(grant, 'consent', payload))) return this.flowGone();
        const permissions = permissionsToConsent(this.resourcesOf(request));
        return { view: 'consent', flow: flowSecret, client: client.client.displayName, username: user.userPrincipalName ?? '', permissions };
      }
    }
    return this.complete(grant, payload);
  }

  private async complete(grant: StoredGrant, payload: FlowPayload): Promise<FlowView> {
    if (!(await this.grants.move(grant, 'done', payload))) return this.flowGone();
    const { request, user } = payload;
    if (request.deviceGrantId) {
      const device = await this.store.findGrant(request.deviceGrantId);
      const approved = device && device.state === 'pending' && !this.grants.expired(device) && (await this.grants.move(device, 'approved', { ...device.payload, user }));
      if (!approved) return { view: 'device-code', error: 'The code expired or was used meanwhile. Ask the app for a new one (AADSTS70019).' };
      return { view: 'device-done', client: await this.clientName(request) };
    }
    const code: CodePayload = {
      clientId: request.clientId, redirectUri: request.redirectUri!, v1: request.v1, scope: request.scope, resource: request.resource,
      nonce: request.nonce, codeChallenge: request.codeChallenge, codeChallengeMethod: request.codeChallengeMethod, user: user!,
    };
    const { secret } = await this.grants.issue('code', 'issued', code);
    const params: Record<string, string> = { code: secret };
    if (request.state !== null) params.state = request.state;
    if (request.clientInfo) params.client_info = Buffer.from(JSON.stringify({ uid: user!.objectId, utid: user!.tenantId })).toString('base64url');
    params.session_state = randomUUID();
    if (request.responseType === 'code id_token') {
      const principal = await this.store.findPrincipal(user!.tenantId, user!.objectId);
      if (!principal) return this.flowGone();
      params.id_token = await this.idTokens.mintIdToken(principal, request.clientId, { nonce: request.nonce ?? undefined, code: secret, v1: request.v1 });
    }
    return { view: 'respond', redirectUri: request.redirectUri!, mode: request.responseMode, params };
  }

  private async finishWithError(grant: StoredGrant, request: AuthorizeRequest, error: OAuthError): Promise<FlowView> {
    await this.grants.move(grant, 'failed');
    if (request.deviceGrantId) {
      const device = await this.store.findGrant(request.deviceGrantId);
      if (device?.state === 'pending') await this.grants.move(device, 'declined');
      return { view: 'error', error };
    }
    return this.respondError(request, error);
  }

  // --- checks ---

  private respondError(request: AuthorizeRequest, error: OAuthError): FlowView {
    const params: Record<string, string> = {
      error: error.error,
      error_description: `AADSTS${error.aadsts}: ${error.description}`,
      error_uri: `https://login.microsoftonline.com/error?code=${error.aadsts}`,
    };
    // MSAL checks state before it reads an error: it must come back on errors too.
    if (request.state !== null) params.state = request.state;
    return { view: 'respond', redirectUri: request.redirectUri!, mode: request.responseMode, params };
  }

  private async checkClient(request: AuthorizeRequest, tenant: string | undefined): Promise<{ redirectUri: string } | { error: OAuthError }> {
    const resolved = await this.resolveClient(tenant, request.clientId);
    if ('error' in resolved) return resolved;
    if (!request.redirectUri) {
      const only = resolved.client.redirectUris.length === 1 ? resolved.client.redirectUris[0] : undefined;
      return only ? { redirectUri: only } : { error: signInErrors.missingParameter('redirect_uri') };
    }
    if (!matchRedirectUri(resolved.client.redirectUris, request.redirectUri)) return { error: signInErrors.redirectUriMismatch(request.redirectUri, request.clientId) };
    return { redirectUri: request.redirectUri };
  }

  /**
   * The client in the path's tenant: the tenant must exist, for a first-party client too. Without a
   * tenant (/organizations, /common; only a device code asks so for a partner's app, as
   * @azure/identity's device code credential does), a partner's app is known by its client id in the
   * partners that register it; the user's sign-in checks it again in the user's own tenant.
   */
  async resolveClient(tenant: string | undefined, clientId: string): Promise<{ client: SignInClient; partner?: PartnerTenant } | { error: OAuthError }> {
    const firstParty = firstPartyClient(clientId);
    const partner = tenant === undefined ? undefined : await this.store.findPartnerTenant(tenant);
    if (tenant !== undefined && !partner) return { error: signInErrors.unknownTenant(tenant) };
    if (firstParty) return { client: firstParty };
    if (!partner) {
      const found = (await registeredApps(this.store, undefined, clientId)).map(({ partner: holder, app }) => ({ client: registeredClient(app), partner: holder }));
      return found.find((entry) => entry.client.publicClient) ?? found[0] ?? { error: signInErrors.unknownClient(clientId, 'common') };
    }
    const app = await this.store.findAppByClientId(partner.tenantId, clientId);
    if (!app) return { error: signInErrors.unknownClient(clientId, partner.displayName) };
    return { client: registeredClient(app), partner };
  }

  private checkRequest(request: AuthorizeRequest, params: Record<string, unknown>): OAuthError | undefined {
    const responseType = (param(params, 'response_type') ?? '').split(' ').filter(Boolean).sort().join(' ');
    if (responseType === 'code') request.responseType = 'code';
    else if (responseType === 'code id_token') request.responseType = 'code id_token';
    else return signInErrors.unsupportedResponseType(param(params, 'response_type') ?? '');
    if (request.responseType === 'code id_token' && !request.nonce) return signInErrors.hybridNeedsNonce();
    const mode = param(params, 'response_mode') ?? (request.responseType === 'code' ? 'query' : 'fragment');
    if (mode !== 'query' && mode !== 'fragment' && mode !== 'form_post') return signInErrors.unsupportedResponseMode(mode);
    // OAuth 2.0 Multiple Response Type Encoding Practices §5: no token in the query.
    if (mode === 'query' && request.responseType !== 'code') return signInErrors.tokenInQuery();
    request.responseMode = mode;
    if (request.codeChallenge !== null) {
      const method = param(params, 'code_challenge_method') ?? 'plain';
      if (method !== 'S256' && method !== 'plain') return signInErrors.badChallengeMethod(method);
      if (!isWellFormedPkceValue(request.codeChallenge)) return signInErrors.badChallenge();
      request.codeChallengeMethod = method;
    }
    return this.checkScopes(request);
  }

  private checkScopes(request: AuthorizeRequest): OAuthError | undefined {
    try {
      this.resourcesOf(request);
      return undefined;
    } catch (error) {
      if (error instanceof ScopeError) return scopeRefusal(error);
      throw error;
    }
  }

  /** The resources the request names (v1 `resource`, or v2 scopes; only OIDC scopes → Graph's User.Read, as at Entra). */
  private resourcesOf(request: AuthorizeRequest): ResourceRequest[] {
    return requestedResources(request.v1 ? { resource: request.resource } : { scope: request.scope });
  }

  private deviceRequest(tenant: string, clientId: string, scope: string | null, resource: string | null, v1: boolean): AuthorizeRequest {
    return {
      v1, tenant, clientId: clientId.toLowerCase(), redirectUri: null, responseType: 'code', responseMode: 'query', state: null, nonce: null,
      codeChallenge: null, codeChallengeMethod: null, scope, resource, prompt: null, loginHint: null, amrValues: null, clientInfo: false, deviceGrantId: null,
    };
  }

  private async clientName(request: AuthorizeRequest): Promise<string> {
    const firstParty = firstPartyClient(request.clientId);
    if (firstParty) return firstParty.displayName;
    if (isMultiTenant(request.tenant)) return request.clientId;
    const resolved = await this.resolveClient(request.tenant, request.clientId);
    return 'client' in resolved ? resolved.client.displayName : request.clientId;
  }

  private async openFlow(secret: string | undefined, step: string): Promise<{ grant: StoredGrant; payload: FlowPayload } | FlowView> {
    const grant = await this.grants.find('sign_in', secret);
    if (!grant || grant.state !== step || this.grants.expired(grant)) return this.flowGone();
    return { grant, payload: grant.payload as FlowPayload };
  }

  private flowGone(): FlowView {
    return { view: 'error', error: signInErrors.signInExpired() };
  }
}
