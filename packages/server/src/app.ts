/**
 * The composition root: builds the Fastify app from explicit dependencies and registers the
 * pipeline in the order a request meets it. It does not listen; server.ts does.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { PARTNER_CENTER_RESOURCE } from '@pcapi/contracts';
import type { AuthorizationSettings } from './domain/authorize.js';
import { installErrorHandling, makeErrorSender, makeFrameworkErrorHandler } from './errors/error-handler.js';
import { registerIdentityRoutes } from './identity/identity-routes.js';
import type { SigningKey } from './identity/signing-key.js';
import type { TokenIssuer } from './identity/token-issuer.js';
import type { TokenVerifier } from './identity/token-verifier.js';
import { makeAuthenticateHook } from './pipeline/authenticate.js';
import { makeAuthorizeHook, type DecisionCacheSettings } from './pipeline/authorize.js';
import { makeRequestContextHook, requestIdFrom } from './pipeline/request-context.js';
import { makeThrottleHook } from './pipeline/throttle.js';
import type { Throttle, ThrottleConfig } from './throttle/index.js';
import { registerCustomerOrganizationRoute } from './routes/customer-organization.js';
import type { Store } from './store/store.js';

export interface AppDeps {
  store: Store;
  signingKey: SigningKey;
  issuer: TokenIssuer;
  verifier: TokenVerifier;
  /** The base URL clients reach this server at; known only once it listens on a random port. */
  publicUrl: () => string;
  explainDenials: boolean;
  authorization: AuthorizationSettings;
  decisionCache: DecisionCacheSettings;
  /** Authorization headers remembered with their verified caller. */
  tokenCacheSize: number;
  throttle: Throttle;
  throttleLimits: Pick<ThrottleConfig, 'tenantLimit' | 'tenantCustomerLimit'>;
  logger: FastifyServerOptions['logger'];
  https?: { cert: Buffer; key: Buffer } | undefined;
}

/** An opaque, stable-per-process MS-ServerId. */
function serverId(): string {
  return String(parseInt(createHash('sha256').update(`${hostname()}:${process.pid}`).digest('hex').slice(0, 8), 16) % 1_000_000_000).padStart(9, '0');
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const sendError = makeErrorSender({ explain: () => deps.explainDenials, realm: PARTNER_CENTER_RESOURCE });
  let closing = false;
  const requestContext = makeRequestContextHook(serverId(), () => closing);
  const app = Fastify({
    logger: deps.logger,
    // One logger for every request instead of a child per request (a measurable share of the hot
    // path); the few lines logged per request carry the request ids themselves.
    childLoggerFactory: (logger) => logger,
    ...(deps.https ? { https: deps.https } : {}),
    // Per-request log lines are synchronous writes on the hot path; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdFrom,
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, caseSensitive: false, maxParamLength: 256 },
    frameworkErrors: makeFrameworkErrorHandler(sendError, requestContext),
  }) as unknown as FastifyInstance;

  app.decorateRequest('correlationId', '');
  app.decorateRequest('caller', null);
  app.decorateRequest('organizationBody', null);
  installErrorHandling(app, sendError);

  // 1. request ids on every response
  app.addHook('onRequest', requestContext);

  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });

  // 2–5. authenticate → validate → throttle → authorize → load, on the API route
  registerCustomerOrganizationRoute(app, {
    authenticate: makeAuthenticateHook({ verifier: deps.verifier, store: deps.store, cacheSize: deps.tokenCacheSize }),
    throttle: makeThrottleHook({ throttle: deps.throttle, limits: deps.throttleLimits }),
    authorize: makeAuthorizeHook({ store: deps.store, settings: deps.authorization, cache: deps.decisionCache }),
  });

  // The local token issuer, at Entra's paths.
  registerIdentityRoutes(app, { store: deps.store, issuer: deps.issuer, signingKey: deps.signingKey, publicUrl: deps.publicUrl });

  return app;
}
