/**
 * The composition root: builds the clock, the token machinery, the throttle and the services from
 * explicit settings, then registers each surface on one Fastify app. It does not listen; server.ts
 * does. The Partner Center pipeline reads top to bottom in
 * surfaces/partner-center/organization-route.ts.
 */
import { createHash } from 'node:crypto';
import { createServer as createHttpServer, maxHeaderSize, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { hostname } from 'node:os';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import { AuditTrail } from './services/audit-trail.js';
import { grantTypeOf, installAuditNotes, makeAuditHook, makePartnerCenterRecorder, requestPath } from './surfaces/audit/audit-hook.js';
import { PARTNER_CENTER_RESOURCE } from '@pcapi/contracts';
import { EmulatedClock, type Clock } from './clock.js';
import { IMMEDIATE_DELAYS, type TransitionDelays } from './domain/gdap-lifecycle.js';
import { EmulatorService, type EmulatorSeed } from './services/emulator-service.js';
import { makeFaultHook } from './surfaces/emulator/fault-hook.js';
import { FaultInjector } from './surfaces/emulator/faults.js';
import { registerEmulatorRoutes } from './surfaces/emulator/emulator-routes.js';
import { DirectoryService } from './services/directory-service.js';
import { GdapService } from './services/gdap-service.js';
import { ConsoleService } from './services/console-service.js';
import { isGraphShapedPath, registerGraphSurface } from './surfaces/graph/graph-surface.js';
import { GraphError, sendGraphError } from './surfaces/graph/graph-errors.js';
import { registerHealthRoutes } from './surfaces/health/health-routes.js';
import { registerOpenApiRoute } from './surfaces/openapi/openapi-route.js';
import { instrumentStore, type Metrics } from './metrics.js';
import { registerMetrics } from './surfaces/health/metrics-routes.js';
import { closeLingeringConnectionsWhenStopping, DEFAULT_CONNECTION_LIMITS, limitConnections, nodeServerOptions, type ConnectionLimits } from './connection-limits.js';
import type { AuthorizationSettings } from './domain/authorize.js';
import { KeyRing } from './identity/key-ring.js';
import type { SigningKey } from './identity/signing-key.js';
import { TokenIssuer } from './identity/token-issuer.js';
import { TokenVerifier } from './identity/token-verifier.js';
import type { TrustedIssuer } from './identity/trusted-issuers.js';
import { createSignInLockout, type LockoutConfig } from './identity/create-sign-in-lockout.js';
import { ENTRA_LOCKOUT_DEFAULTS } from './identity/sign-in-lockout.js';
import { AuthenticationService } from './services/authentication-service.js';
import { OrganizationService, type DecisionCacheSettings } from './services/organization-service.js';
import type { Store } from './store/store.js';
import { registerIdentityRoutes } from './surfaces/identity/identity-routes.js';
import { makeAuthenticateHook } from './surfaces/partner-center/authenticate.js';
import { installErrorHandling, makeErrorSender, makeFrameworkErrorHandler } from './surfaces/partner-center/errors/error-handler.js';
import { installHttpRefusals, makeHttpRefusals } from './surfaces/partner-center/errors/http-refusals.js';
import { methodRefusalFor, registerOrganizationRoutes } from './surfaces/partner-center/organization-route.js';
import { makeRequestContextHook, requestIdFrom } from './surfaces/partner-center/request-context.js';
import { makeThrottleCheck, makeThrottleHook } from './surfaces/partner-center/throttle.js';
import { makeRepeatCallLane, type RepeatCallLane } from './surfaces/partner-center/repeat-call-lane.js';
import { SharedRedis } from './redis/shared-redis.js';
import { registerRequestLog, requestLine } from './request-log.js';
import { StoreOutage } from './store/store-outage.js';
import { createThrottle, type ThrottleConfig } from './throttle/index.js';

export interface AppDeps {
  store: Store;
  /** The local issuer's keys; without it, a ring over the store is opened here. */
  keyRing?: KeyRing;
  /** Without a keyRing: the first key of a store that has none (tests' fixed key). */
  signingKey?: SigningKey;
  /** Where time comes from; an EmulatedClock (the machine's, unless moved) unless given. */
  clock?: Clock;
  /** The base URL clients reach this server at; known only once it listens on a random port. */
  publicUrl: () => string;
  explainDenials: boolean;
  authorization: AuthorizationSettings;
  decisionCache: DecisionCacheSettings;
  /** Authorization headers remembered with their verified caller. */
  tokenCacheSize: number;
  trustedIssuers: TrustedIssuer[];
  clockToleranceSeconds: number;
  throttle: ThrottleConfig;
  /** Failed sign-ins at the token endpoint; Entra's defaults (10 failures, 60 s) counted in memory unless given. */
  lockout?: LockoutConfig;
  /** The logger (logging.ts's createLogger); none (Fastify's no-op logger) when false or absent. */
  logger: FastifyBaseLogger | false | undefined;
  /** One log line per answered request (--log-requests); the hook is not added otherwise. */
  logRequests?: boolean;
  https?: { cert: Buffer; key: Buffer } | undefined;
  /** Timeouts and the connection cap of the listening server; DEFAULT_CONNECTION_LIMITS unless given. */
  connections?: ConnectionLimits;
  /** How long GDAP transitions take; immediately unless given. */
  gdapDelays?: TransitionDelays;
  /**
   * The emulator endpoints and fault injection; off when absent. Needs an EmulatedClock (the default
   * clock): the clock the endpoints move, shared with every process on the store.
   */
  emulator?: { adminKey: string | undefined; seed: EmulatorSeed | undefined };
  /** Where an EmulatedClock starts (epoch ms), when no process has set the shared clock yet. */
  clockStart?: number;
  /** Prometheus metrics served at /metrics; none (and no per-request recording) unless given. */
  metrics?: Metrics;
  /** /metrics is served by a listener of its own (server.ts, --metrics-port), not on this app. */
  metricsOnOwnPort?: boolean;
  /** The audit trail, kept in the store this many days; none (nothing recorded) unless given. */
  audit?: { retentionDays: number; maxEvents?: number; flushIntervalMs?: number };
  /** False: every call is routed through Fastify, none answered by the repeat-call lane (tests compare the two). */
  repeatCallLane?: boolean;
}

/** The app and what a caller of buildApp may need from the inside: the issuer (to mint tokens) and the clock. */
export interface BuiltApp {
  app: FastifyInstance;
  issuer: TokenIssuer;
  clock: Clock;
  keyRing: KeyRing;
  /** Calls answered by the repeat-call lane before routing (repeat-call-lane.ts). */
  repeatCalls: { readonly answered: number };
}

/** An opaque, stable-per-process MS-ServerId. */
function serverId(): string {
  return String(parseInt(createHash('sha256').update(`${hostname()}:${process.pid}`).digest('hex').slice(0, 8), 16) % 1_000_000_000).padStart(9, '0');
}

export async function buildApp(deps: AppDeps): Promise<BuiltApp> {
  const clock = deps.clock ?? new EmulatedClock();
  // With metrics on, every store operation is timed and its failures counted.
  const store = deps.metrics ? instrumentStore(deps.store, deps.metrics) : deps.store;
  // Set once the audit trail exists (below); the error sender is needed before.
  let recordPartnerCenter: ReturnType<typeof makePartnerCenterRecorder> | undefined;
  const sendError = makeErrorSender({ explain: () => deps.explainDenials, realm: PARTNER_CENTER_RESOURCE, onSent: (request, status, error) => recordPartnerCenter?.(request, status, error) });
  let closing = false;
  // Set once the services exist (below).
  let repeatCallLane: RepeatCallLane | undefined;
  const repeatCalls = { answered: 0 };
  const msServerId = serverId();
  const requestContext = makeRequestContextHook(msServerId, () => closing);
  const connections = deps.connections ?? DEFAULT_CONNECTION_LIMITS;
  // What Node's parser refuses before Fastify sees a request, answered from the same catalog.
  const httpRefusals = makeHttpRefusals({
    serverId: msServerId, clock, realm: PARTNER_CENTER_RESOURCE, explain: () => deps.explainDenials,
    methodRefusalFor, maxRequestLineBytes: maxHeaderSize,
  });
  // URLs the router refuses (bad percent-encoding, over-long segments) in the body of the surface they address.
  const partnerCenterFrameworkErrors = makeFrameworkErrorHandler(sendError, requestContext);
  const answerFrameworkErrors = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (!isGraphShapedPath(request.raw.url ?? '')) return partnerCenterFrameworkErrors(error, request, reply);
    return sendGraphError(new GraphError('badRequest', 'The request URL is not valid (a malformed percent-encoding, or a segment over 256 characters).'), request, reply, clock);
  };
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : {}),
    // One logger for every request instead of a child per request (a measurable share of the hot
    // path); the few lines logged per request carry the request ids themselves.
    childLoggerFactory: (logger) => logger,
    // The server is made here so that the repeat-call lane sees each request before Fastify routes it.
    serverFactory: (routed) => {
      const answer = (request: IncomingMessage, response: ServerResponse) => {
        let answered = false;
        try {
          answered = repeatCallLane !== undefined && repeatCallLane(request, response);
        } catch (error) {
          // A defect in the lane must not take the process down: the call is routed (or, if the
          // answer was begun, ended).
          app.log.error({ err: error }, 'the repeat-call lane failed');
          if (response.headersSent) return void response.end();
        }
        if (answered) repeatCalls.answered++;
        else routed(request, response);
      };
      return deps.https ? createHttpsServer({ ...deps.https, ...nodeServerOptions(connections) }, answer) : createHttpServer(nodeServerOptions(connections), answer);
    },
    // Fastify sets these two on the server (its requestTimeout default is none).
    requestTimeout: connections.requestTimeoutMs,
    keepAliveTimeout: connections.keepAliveTimeoutMs,
    clientErrorHandler: httpRefusals.onClientError,
    // Fastify's two lines per request (with the request and reply serialized) cost the hot path and
    // log the query string; --log-requests writes one lean line instead (request-log.ts).
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdFrom,
    bodyLimit: 64 * 1024,
    // While closing, requests already on open connections are served (with `Connection: close`, see
    // request-context.ts) rather than refused with Fastify's own 503 body, which is not the catalog's.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, caseSensitive: false, maxParamLength: 256 },
    frameworkErrors: answerFrameworkErrors,
  }) as unknown as FastifyInstance;
  installHttpRefusals(app.server, httpRefusals);
  limitConnections(app.server, connections, (details, message) => app.log.warn(details, message));
  // Not serving before the Redis connection is first ready (at most its connect timeout, 1 s).
  app.addHook('onReady', async () => {
    await Promise.all([throttle.ready(), lockout.ready()]);
  });
  app.addHook('preClose', (done) => {
    closeLingeringConnectionsWhenStopping(app.server, connections);
    done();
  });

  // Identity: the local issuer, and the verifier that trusts it and any configured external issuer.
  const keyRing = deps.keyRing ?? (await KeyRing.open({ store, clock, clockToleranceSeconds: deps.clockToleranceSeconds, initialKey: deps.signingKey }));
  const issuer = new TokenIssuer(keyRing, deps.publicUrl, clock);
  const verifier = new TokenVerifier({
    localKeys: keyRing, issuer, trustedIssuers: deps.trustedIssuers, clockToleranceSeconds: deps.clockToleranceSeconds, clock,
    isPartnerTenant: (tenantId) => store.isPartnerTenant(tenantId),
  });
  // With --redis, one connection per process keeps what processes share: throttle budgets and
  // failed sign-ins. An outage is logged once when it starts and once when it ends.
  const outageLog = { warn: app.log.warn.bind(app.log), info: app.log.info.bind(app.log) };
  const redis = deps.throttle.redisUrl ? new SharedRedis({ url: deps.throttle.redisUrl, timeoutMs: deps.throttle.redisTimeoutMs, logger: outageLog, clock }) : undefined;
  const throttle = createThrottle(deps.throttle, outageLog, clock, redis);
  const lockout = createSignInLockout(deps.lockout ?? ENTRA_LOCKOUT_DEFAULTS, outageLog, clock, redis);

  // Services: use cases over the store, each with its cache, knowing nothing of HTTP.
  const metrics = deps.metrics;
  const tokenLookups = metrics?.cacheObserver('token');
  const decisionLookups = metrics?.cacheObserver('decision');
  const authentication = new AuthenticationService({ verifier, store, clock, cacheSize: deps.tokenCacheSize, onCacheLookup: tokenLookups });
  const delays = deps.gdapDelays ?? IMMEDIATE_DELAYS;
  const organizations = new OrganizationService({ store, clock, settings: deps.authorization, cache: deps.decisionCache, delays, onCacheLookup: decisionLookups });
  const gdap = new GdapService({ store, clock, delays });
  const directory = new DirectoryService({ store, clock });
  const auditTrail = deps.audit && new AuditTrail({ store, clock, ...deps.audit, log: outageLog });
  installAuditNotes(app);
  const isWrite = (request: FastifyRequest) => request.method !== 'GET' && request.method !== 'HEAD';
  recordPartnerCenter = auditTrail && makePartnerCenterRecorder(auditTrail);
  const auditHooks = auditTrail && {
    identity: makeAuditHook(auditTrail, 'identity', (request) => `token ${grantTypeOf(request.body)}${request.url.includes('/v2.0/') ? '' : ' (v1)'}`),
    graph: makeAuditHook(auditTrail, 'graph', (request) => `${request.method} ${requestPath(request)}`, isWrite),
    emulator: makeAuditHook(auditTrail, 'emulator', (request) => `${request.method} ${requestPath(request)}`, isWrite),
  };

  // The emulator: the shared clock, reset, export, import and faults (only when enabled).
  const faults = deps.emulator && new FaultInjector({ clock });
  if (deps.emulator && !(clock instanceof EmulatedClock)) throw new Error('the emulator endpoints need an EmulatedClock');
  if (deps.emulator && clock instanceof EmulatedClock) {
    const emulator = new EmulatorService({ store, clock, faults: faults!, seed: deps.emulator.seed, delays: deps.gdapDelays ?? IMMEDIATE_DELAYS });
    await emulator.loadClock();
    // --clock-start moves a clock nobody has moved yet; a clock already set (another process, an earlier run) stays.
    if (deps.clockStart !== undefined && (await store.emulatorSetting('clock')) === undefined) await emulator.setClock(deps.clockStart, false);
    const consoleApi = new ConsoleService({ store, organizations, gdap, directory });
    registerEmulatorRoutes(app, { emulator, faults: faults!, clock, adminKey: deps.emulator.adminKey, auditHook: auditHooks?.emulator, auditTrail, console: consoleApi });
  } else if (deps.clockStart !== undefined && clock instanceof EmulatedClock) {
    clock.apply(clock.stateAt(deps.clockStart, false));
  }
  app.decorateRequest('correlationId', '');
  app.decorateRequest('caller', null);
  app.decorateRequest('customerCaller', null);
  // A store outage is logged once when it starts and once when it ends, not once per 503.
  const storeOutage = new StoreOutage({ store, logger: outageLog, clock });
  installErrorHandling(app, sendError, storeOutage);
  app.addHook('onRequest', requestContext);
  if (deps.logRequests) registerRequestLog(app);
  // After the request ids, so an injected Partner Center error carries them like any other.
  if (faults) app.addHook('onRequest', makeFaultHook({ faults, clock }));
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onClose', async () => {
    await throttle.close();
    await lockout.close();
    storeOutage.close();
    // After the server stopped answering: every answered call is written.
    await auditTrail?.close();
    redis?.close();
  });

  // Surfaces.
  const throttleCheck = makeThrottleCheck({ throttle, limits: deps.throttle, clock, onThrottled: metrics && ((limit) => metrics.throttled.labels(limit).inc()) });
  registerOrganizationRoutes(app, {
    authenticate: makeAuthenticateHook(authentication),
    throttle: makeThrottleHook(throttleCheck),
    organizations,
    metrics,
    onAllowed: recordPartnerCenter,
  });
  if (deps.repeatCallLane !== false) repeatCallLane = makeRepeatCallLane({
    authentication, organizations, throttle: throttleCheck, faults, serverId: msServerId, isClosing: () => closing,
    explainDenials: () => deps.explainDenials, metrics, record: recordPartnerCenter,
    onTokenHit: tokenLookups && (() => tokenLookups(true)),
    onDecisionHit: decisionLookups && (() => decisionLookups(true)),
    logAnswered: deps.logRequests ? (answered) => app.log.info(requestLine(answered), 'request answered') : undefined,
  });
  registerIdentityRoutes(app, { store, issuer, keyRing, publicUrl: deps.publicUrl, clock, lockout, audit: auditHooks?.identity, metrics });
  registerGraphSurface(app, { authentication, gdap, directory, clock, publicUrl: deps.publicUrl, audit: auditHooks?.graph, storeOutage });
  registerHealthRoutes(app, { store, redis });
  registerOpenApiRoute(app, { publicUrl: deps.publicUrl });
  if (metrics) registerMetrics(app, metrics, { serveEndpoint: !deps.metricsOnOwnPort });

  // Every cache and the shared clock now listen: once other processes' commits reach them, the
  // server may answer (one started just after another moved the clock would otherwise keep the old one).
  await store.hearingOthers();
  return { app, issuer, clock, keyRing, repeatCalls };
}
