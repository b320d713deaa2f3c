/**
 * The local issuer's endpoints, at Entra's paths: OIDC discovery (v2, v1, instance discovery), JWKS,
 * the token endpoint (v2 and v1), and the interactive sign-in (sign-in-routes.ts).
 */
import { decodeJwt } from 'jose';
import { Metrics } from '../../metrics.js';
import { noteAudit, type AuditNote } from '../audit/audit-hook.js';
import { isGuid } from '@pcapi/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest, onResponseHookHandler } from 'fastify';
import type { Clock } from '../../clock.js';
import type { SignInLockout } from '../../identity/sign-in-lockout.js';
import type { KeyRing } from '../../identity/key-ring.js';
import type { TokenIssuer } from '../../identity/token-issuer.js';
import type { Store } from '../../store/store.js';
import { SignInGrants } from '../../identity/sign-in/grants.js';
import { readClientCredentials } from './client-credentials.js';
import { OAuthError, sendOAuthErrorBody } from './oauth-errors.js';
import { SignInFlow } from './sign-in-flow.js';
import { registerSignInRoutes } from './sign-in-routes.js';
import { TokenEndpoint, type TokenResponse } from './token-endpoint.js';
import { UserGrants } from './user-grants.js';
import { repeatedParameterIn, signInErrors } from './sign-in-errors.js';
import { isMultiTenant } from './authority.js';

type TenantRequest = FastifyRequest<{ Params: { tenant: string } }>;

export interface IdentityRouteDeps {
  store: Store;
  issuer: TokenIssuer;
  keyRing: Pick<KeyRing, 'publishedJwks'>;
  publicUrl: () => string;
  clock: Clock;
  lockout: SignInLockout;
  /** Records each answer of the token endpoints in the audit trail; none when absent. */
  audit?: onResponseHookHandler;
  /** Counts token answers and lockouts; none when absent. */
  metrics?: Metrics | undefined;
}

/** Who a token was issued to, from its claims (our own token: no signature to check). */
function tokenSubject(accessToken: string): AuditNote {
  const claims = decodeJwt(accessToken);
  const app = claims.idtyp === 'app';
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    partnerTenantId: text(claims.tid),
    principalId: app ? text(claims.appid) : text(claims.oid),
    principalName: app ? text(claims.app_displayname) : text(claims.upn) ?? text(claims.preferred_username),
    principalKind: app ? 'app' : 'user',
  };
}

/** Who asked for a token that was refused: the user or client as the form named it. */
function attemptedSubject(tenant: string, fields: Record<string, unknown> | undefined): AuditNote {
  // A parameter sent twice is a list: not a name to record.
  const user = typeof fields?.username === 'string' ? fields.username : undefined;
  const client = typeof fields?.client_id === 'string' ? fields.client_id : undefined;
  return {
    ...(isGuid(tenant) ? { partnerTenantId: tenant } : {}),
    ...(user ? { principalId: user, principalName: user, principalKind: 'user' as const } : client ? { principalId: client, principalKind: 'app' as const } : {}),
  };
}



/** A v1 token response: numbers as strings, expiry as a time, the resource echoed. */
function toV1Response(response: TokenResponse, nowMs: number) {
  const now = Math.floor(nowMs / 1000);
  const { token_type, scope, expires_in, ext_expires_in, access_token, refresh_token, id_token, client_info, resource } = response;
  return {
    token_type, scope, expires_in: String(expires_in), ext_expires_in: String(ext_expires_in), expires_on: String(now + expires_in), not_before: String(now),
    resource, access_token,
    ...(refresh_token ? { refresh_token } : {}),
    ...(id_token ? { id_token } : {}),
    ...(client_info ? { client_info } : {}),
  };
}

export function registerIdentityRoutes(app: FastifyInstance, deps: IdentityRouteDeps): void {
  const endpoint = new TokenEndpoint(deps.store, deps.issuer, deps.lockout);
  const grants = new SignInGrants(deps.store, deps.clock);
  endpoint.userGrants = new UserGrants(deps.store, grants, deps.issuer, endpoint);
  registerSignInRoutes(app, { flow: new SignInFlow(deps.store, grants, endpoint, deps.issuer, deps.clock), store: deps.store, publicUrl: deps.publicUrl, clock: deps.clock });

  const sendOAuthError = (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (!(error instanceof OAuthError)) throw error;
    noteAudit(request, { code: `${error.error} AADSTS${error.aadsts}`, reasons: [error.description] });
    return sendOAuthErrorBody(error, request, reply, deps.clock.now());
  };

  // Entra answers form posts; JSON bodies are refused by the token endpoint below.
  // A parameter given twice becomes a list of its values (as in a query string), refused where read.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
    const form: Record<string, string | string[]> = {};
    for (const [name, value] of new URLSearchParams(body as string)) {
      const earlier = form[name];
      form[name] = earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value];
    }
    done(null, form);
  });

  /**
   * The issuer and the path tenant of a discovery document: a partner tenant's own, or for `common`
   * and `organizations` Entra's `{tenantid}` template with the literal tenant in every endpoint.
   */
  const discoveryTenant = async (tenant: string) => {
    if (isMultiTenant(tenant)) return { pathTenant: tenant.toLowerCase(), tenantId: '{tenantid}' };
    // A customer's own tenant: its administrators sign in there (approving GDAP relationships).
    if (isGuid(tenant) && !(await deps.store.findPartnerTenant(tenant)) && (await deps.store.organization(tenant))) {
      return { pathTenant: tenant.toLowerCase(), tenantId: tenant.toLowerCase() };
    }
    const partner = await endpoint.resolveTenant(tenant);
    return { pathTenant: partner.tenantId, tenantId: partner.tenantId };
  };

  const openIdConfiguration = async (request: TenantRequest, reply: FastifyReply) => {
    try {
      const { pathTenant, tenantId } = await discoveryTenant(request.params.tenant);
      const base = `${deps.publicUrl()}/${pathTenant}`;
      return {
        issuer: deps.issuer.issuer(tenantId),
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        grant_types_supported: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code', 'client_credentials', 'password'],
        response_types_supported: ['code', 'code id_token'],
        response_modes_supported: ['query', 'fragment', 'form_post'],
        code_challenge_methods_supported: ['S256', 'plain'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid', 'name', 'preferred_username', 'upn', 'amr', 'scp', 'idtyp', 'appid', 'nonce'],
        tenant_region_scope: 'NA',
        cloud_instance_name: new URL(deps.publicUrl()).host,
        request_uri_parameter_supported: false,
      };
    } catch (error) {
      return sendOAuthError(error, request, reply);
    }
  };
  app.get('/:tenant/v2.0/.well-known/openid-configuration', openIdConfiguration);

  // v1 discovery, as the Secure Application Model samples' OWIN middleware reads it.
  app.get('/:tenant/.well-known/openid-configuration', async (request: TenantRequest, reply) => {
    try {
      const { pathTenant, tenantId } = await discoveryTenant(request.params.tenant);
      const base = `${deps.publicUrl()}/${pathTenant}`;
      return {
        // Entra's v1 tokens carry the v1 issuer (sts.windows.net); every token here carries the v2 one,
        // so a validator driven by this document (OWIN's) must be told that one.
        issuer: `${deps.publicUrl()}/${tenantId}/v2.0`,
        authorization_endpoint: `${base}/oauth2/authorize`,
        token_endpoint: `${base}/oauth2/token`,
        device_authorization_endpoint: `${base}/oauth2/devicecode`,
        end_session_endpoint: `${base}/oauth2/logout`,
        jwks_uri: `${base}/discovery/keys`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        response_types_supported: ['code', 'code id_token'],
        response_modes_supported: ['query', 'fragment', 'form_post'],
        scopes_supported: ['openid'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        microsoft_multi_refresh_token: true,
        cloud_instance_name: new URL(deps.publicUrl()).host,
      };
    } catch (error) {
      return sendOAuthError(error, request, reply);
    }
  });

  // Instance discovery: what MSAL asks when it is not told the authority is known. This server is
  // its own cloud: one host, its own aliases.
  // The tenant is the one the authority MSAL asks about names (MSAL Python fetches the URL as given).
  app.get('/common/discovery/instance', async (request) => {
    const host = new URL(deps.publicUrl()).host;
    const query = (request.query ?? {}) as Record<string, unknown>;
    let tenant = '{tenant}';
    try {
      const segment = new URL(String(query.authorization_endpoint)).pathname.split('/')[1];
      if (segment && /^[A-Za-z0-9.-]{1,256}$/.test(segment)) tenant = segment;
    } catch {
      // no authority named: the template
    }
    return {
      tenant_discovery_endpoint: `${deps.publicUrl()}/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': query['api-version'] === '1.0' ? '1.0' : '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  });

  app.get('/:tenant/discovery/v2.0/keys', async () => ({ keys: await deps.keyRing.publishedJwks() }));
  app.get('/:tenant/discovery/keys', async () => ({ keys: await deps.keyRing.publishedJwks() }));

  const token = (v1: boolean) => async (request: TenantRequest, reply: FastifyReply) => {
    try {
      const form = request.body;
      if (typeof form !== 'object' || form === null || !request.headers['content-type']?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
        throw new OAuthError(400, 'invalid_request', 900144, 'The request body must be application/x-www-form-urlencoded.');
      }
      const repeated = repeatedParameterIn(form as Record<string, unknown>);
      if (repeated !== undefined) throw signInErrors.repeatedParameter(repeated);
      const fields = form as Record<string, string | undefined>;
      const response = await endpoint.grant(request.params.tenant, fields, readClientCredentials(fields, request.headers.authorization), v1);
      if (deps.audit) noteAudit(request, tokenSubject(response.access_token));
      deps.metrics?.tokenRequests.labels(Metrics.grantLabel(fields.grant_type), 'issued').inc();
      // Entra names each answer in x-ms-request-id (msal-common reads it for its telemetry).
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').header('x-ms-request-id', request.id)
        .send(v1 ? toV1Response(response, deps.clock.now()) : response);
    } catch (error) {
      if (deps.audit) noteAudit(request, attemptedSubject(request.params.tenant, request.body as Record<string, unknown> | undefined));
      if (deps.metrics && error instanceof OAuthError) {
        deps.metrics.tokenRequests.labels(Metrics.grantLabel((request.body as { grant_type?: unknown } | undefined)?.grant_type), error.error).inc();
        if (error.aadsts === 50053) deps.metrics.lockouts.inc();
      }
      return sendOAuthError(error, request, reply);
    }
  };
  const audited = deps.audit ? { onResponse: deps.audit } : {};
  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/token', audited, token(false));
  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/token', audited, token(true));
}
