/** The local issuer's endpoints, at Entra's paths: OIDC discovery, JWKS, token. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { SignInLockout } from '../../identity/sign-in-lockout.js';
import type { SigningKey } from '../../identity/signing-key.js';
import type { TokenIssuer } from '../../identity/token-issuer.js';
import type { Store } from '../../store/store.js';
import { readClientCredentials } from './client-credentials.js';
import { OAuthError } from './oauth-errors.js';
import { TokenEndpoint } from './token-endpoint.js';

type TenantRequest = FastifyRequest<{ Params: { tenant: string } }>;

export interface IdentityRouteDeps {
  store: Store;
  issuer: TokenIssuer;
  signingKey: SigningKey;
  publicUrl: () => string;
  clock: Clock;
  lockout: SignInLockout;
}

export function registerIdentityRoutes(app: FastifyInstance, deps: IdentityRouteDeps): void {
  const endpoint = new TokenEndpoint(deps.store, deps.issuer, deps.lockout);

  const sendOAuthError = (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (!(error instanceof OAuthError)) throw error;
    return reply.code(error.status).header('cache-control', 'no-store').send(error.body(request.correlationId, deps.clock.now()));
  };

  // Entra answers form posts; JSON bodies are refused by the token endpoint below.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const openIdConfiguration = async (request: TenantRequest, reply: FastifyReply) => {
    try {
      const partner = await endpoint.resolveTenant(request.params.tenant);
      const base = `${deps.publicUrl()}/${partner.tenantId}`;
      return {
        issuer: deps.issuer.issuer(partner.tenantId),
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/oauth2/v2.0/token`,
        jwks_uri: `${deps.publicUrl()}/${partner.tenantId}/discovery/v2.0/keys`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        grant_types_supported: ['client_credentials', 'password'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid', 'name', 'preferred_username', 'upn', 'amr', 'scp', 'idtyp', 'appid'],
        tenant_region_scope: 'NA',
        cloud_instance_name: new URL(deps.publicUrl()).host,
        request_uri_parameter_supported: false,
      };
    } catch (error) {
      return sendOAuthError(error, request, reply);
    }
  };
  app.get('/:tenant/v2.0/.well-known/openid-configuration', openIdConfiguration);

  app.get('/:tenant/discovery/v2.0/keys', async () => ({ keys: [deps.signingKey.publicJwk] }));

  app.get('/:tenant/oauth2/v2.0/authorize', async (request: TenantRequest, reply) =>
    sendOAuthError(new OAuthError(400, 'invalid_request', 50058, 'Interactive sign-in is not supported by this server; use the client_credentials or password grant at the token endpoint.'), request, reply),
  );

  app.post('/:tenant/oauth2/v2.0/token', async (request: TenantRequest, reply) => {
    try {
      const form = request.body;
      if (typeof form !== 'object' || form === null || !request.headers['content-type']?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
        throw new OAuthError(400, 'invalid_request', 900144, 'The request body must be application/x-www-form-urlencoded.');
      }
      const fields = form as Record<string, string | undefined>;
      const response = await endpoint.grant(request.params.tenant, fields, readClientCredentials(fields, request.headers.authorization));
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(response);
    } catch (error) {
      return sendOAuthError(error, request, reply);
    }
  });
}
