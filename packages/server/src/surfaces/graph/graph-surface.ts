/**
 * The Graph-compatible surface under /v1.0: authentication with Graph-audience tokens from pcapi's
 * issuer, permission checks as Graph makes them (`roles` app-only, `scp` delegated), collections
 * with OData query options, and Graph's error body for everything refused. Routes live in
 * relationship-routes.ts and directory-routes.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onResponseHookHandler } from 'fastify';
import { noteAudit } from '../audit/audit-hook.js';
import type { Clock } from '../../clock.js';
import type { Caller, CustomerCaller } from '../../domain/model.js';
import { AuthenticationFailure, type AuthenticationService } from '../../services/authentication-service.js';
import type { DirectoryService } from '../../services/directory-service.js';
import type { GdapService } from '../../services/gdap-service.js';
import { StoreUnavailableError } from '../../store/store.js';
import type { StoreOutage } from '../../store/store-outage.js';
import { requestIds } from '../../logging.js';
import { allowEmptyJsonBodies, GraphError, graphResponseHeaders, sendGraphError } from './graph-errors.js';
import { applyODataQuery, isODataError, nextLink, parseODataQuery, selectProperties, valueAtPath, type ODataOptions, type ODataQuery, type RawQuery } from './odata.js';
import { registerDirectoryRoutes } from './directory-routes.js';
import { registerRelationshipRoutes } from './relationship-routes.js';
import { GRAPH_APP_ID } from '../../identity/sign-in/resources.js';

export const GRAPH_PREFIX = '/v1.0';

/** Paths answered in Graph's error body: the Graph surface and the emulator's endpoints (the router ignores case). */
export function isGraphShapedPath(url: string): boolean {
  const path = url.toLowerCase();
  return path === GRAPH_PREFIX || path.startsWith(`${GRAPH_PREFIX}/`) || path.startsWith(`${GRAPH_PREFIX}?`) || path === '/_pcapi' || path.startsWith('/_pcapi/') || path.startsWith('/_pcapi?');
}

export interface GraphSurfaceDeps {
  authentication: AuthenticationService;
  gdap: GdapService;
  directory: DirectoryService;
  clock: Clock;
  publicUrl: () => string;
  /** Counts a 503 for the outage's log lines (one when it starts, one when it ends). */
  storeOutage: StoreOutage;
  /** Records each write (not reads) in the audit trail; none when absent. */
  audit?: onResponseHookHandler;
}

/** What the route modules get: the caller, permission checks, and Graph's response shapes. */
export interface GraphContext {
  gdap: GdapService;
  directory: DirectoryService;
  /** The partner caller; a customer's user is refused (403): the operation is the partner's. */
  caller(request: FastifyRequest): Caller;
  /** The customer's user, when the token is from a customer tenant. */
  customerCaller(request: FastifyRequest): CustomerCaller | null;
  /** Refuses (403) unless the token carries one of these permissions. */
  requirePermission(request: FastifyRequest, anyOf: readonly string[]): void;
  /** `@odata.context` for a path under $metadata, e.g. `tenantRelationships/delegatedAdminRelationships`. */
  context(path: string): string;
  /** A collection with $filter, $select, $orderby, $top, $count and paging applied. */
  collection(request: FastifyRequest, reply: FastifyReply, contextPath: string, items: Record<string, unknown>[], options: ODataOptions): FastifyReply;
  /** The request's OData options, checked (400 when one is not valid). */
  query(request: FastifyRequest, options: ODataOptions): ODataQuery;
  /**
   * One page of `items` of any shape: filtered, ordered and paged through `valueOf`, and only the
   * page rendered to JSON (a long list need not be rendered whole).
   */
  page<T extends object>(request: FastifyRequest, reply: FastifyReply, contextPath: string, items: readonly T[], query: ODataQuery,
    shape: { valueOf: (item: T, path: string) => unknown; render: (item: T) => Record<string, unknown> }): FastifyReply;
  /** One entity with `$select` applied and its context. */
  entity(request: FastifyRequest, reply: FastifyReply, contextPath: string, item: Record<string, unknown>, selectable: string[], status?: number, location?: string): FastifyReply;
  url(path: string): string;
}

/** Graph's challenge on a 401: where to sign in, and Graph's own app id as the resource. */
const challenge = (publicUrl: string) => ({ 'www-authenticate': `Bearer realm="", authorization_uri="${publicUrl}/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"` });

function authFailure(error: unknown, publicUrl: string): unknown {
  if (!(error instanceof AuthenticationFailure)) return error;
  return new GraphError('unauthenticated', error.kind === 'missing' ? 'Access token is empty.' : `Access token validation failure: ${error.message}.`, challenge(publicUrl));
}

export function registerGraphSurface(app: FastifyInstance, deps: GraphSurfaceDeps): void {
  void app.register(async (scope) => {
    scope.setErrorHandler((error, request, reply) => {
      if (error instanceof GraphError) return sendGraphError(error, request, reply, deps.clock);
      if (error instanceof StoreUnavailableError) {
        deps.storeOutage.refused(error, requestIds(request));
        return sendGraphError(new GraphError('unavailable', 'The data store cannot be reached right now; retry later.', { 'retry-after': '5' }), request, reply, deps.clock);
      }
      const status = (error as { statusCode?: number }).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        const name = status === 413 ? 'payloadTooLarge' : status === 415 ? 'unsupportedMediaType' : 'badRequest';
        return sendGraphError(new GraphError(name, 'The request body cannot be read: it is not valid JSON, too large, or not application/json.'), request, reply, deps.clock);
      }
      request.log.error({ err: error, ...requestIds(request) }, 'unexpected error on the Graph surface');
      return sendGraphError(new GraphError('internal', `An unexpected error occurred; request-id ${request.id}.`), request, reply, deps.clock);
    });
    scope.setNotFoundHandler((request, reply) =>
      sendGraphError(new GraphError('notFound', `Resource not found for the segment '${request.url.split('?')[0]!.slice(0, 120)}'.`), request, reply, deps.clock));

    allowEmptyJsonBodies(scope);
    if (deps.audit) scope.addHook('onResponse', deps.audit);
    const methodsByUrl = collectRouteMethods(scope);
    scope.addHook('onRequest', async (request, reply) => {
      reply.headers(graphResponseHeaders(request));
      const allow = (request.routeOptions.config as { allow?: string }).allow;
      if (allow) throw new GraphError('methodNotAllowed', 'Specified HTTP method is not allowed for the request target.', { allow });
      let caller: Caller | CustomerCaller;
      try {
        caller = await deps.authentication.authenticate(request.headers.authorization);
      } catch (error) {
        // A customer's administrator (approving a relationship) signs in at the customer's tenant.
        if (!(error instanceof AuthenticationFailure && error.kind === 'customerTenant')) throw authFailure(error, deps.publicUrl());
        caller = await deps.authentication.authenticateCustomer(request.headers.authorization).catch((failure: unknown) => {
          throw authFailure(failure, deps.publicUrl());
        });
      }
      if (caller.audience !== 'graph') throw new GraphError('unauthenticated', 'Access token validation failure. Invalid audience: the token is not for https://graph.microsoft.com.', challenge(deps.publicUrl()));
      if ('partner' in caller) request.caller = caller;
      else request.customerCaller = caller;
    });

    const base = () => `${deps.publicUrl()}${GRAPH_PREFIX}`;
    const context: GraphContext = {
      gdap: deps.gdap,
      directory: deps.directory,
      caller(request) {
        if (request.caller) return request.caller;
        const customer = request.customerCaller!;
        throw new GraphError('forbidden', `This operation is the partner's; the token is from the customer tenant ${customer.tenantName} (${customer.tenantId}), which can only read and approve or reject relationships offered to it.`);
      },
      customerCaller: (request) => request.customerCaller,
      requirePermission(request, anyOf) {
        const caller = request.caller ?? request.customerCaller!;
        const held = caller.permissions.map((p) => p.toLowerCase());
        if (anyOf.some((permission) => held.includes(permission.toLowerCase()))) return;
        const claim = request.caller?.appOnly ? 'roles' : 'scp';
        throw new GraphError('forbidden', `Insufficient privileges to complete the operation: the token needs one of ${anyOf.join(', ')} (${claim}: ${caller.permissions.join(' ') || 'none'}).`);
      },
      context: (path) => `${base()}/$metadata#${path}`,
      url: (path) => `${base()}/${path}`,
      query(request, options) {
        const query = parseODataQuery(request.query as RawQuery, options);
        if (isODataError(query)) throw new GraphError('badRequest', query.error.message);
        return query;
      },
      collection(request, reply, contextPath, items, options) {
        return context.page(request, reply, contextPath, items, context.query(request, options), { valueOf: valueAtPath, render: (item) => item });
      },
      page(request, reply, contextPath, items, query, shape) {
        const raw = request.query as RawQuery;
        const result = applyODataQuery(items, { ...query, select: null }, shape.valueOf);
        const body: Record<string, unknown> = { '@odata.context': context.context(contextPath) };
        if (result.count !== undefined) body['@odata.count'] = result.count;
        body.value = selectProperties((result.page as typeof items).map(shape.render), query.select);
        if (result.nextSkipToken) body['@odata.nextLink'] = nextLink(`${deps.publicUrl()}${request.url.split('?')[0]}`, raw, result.nextSkipToken);
        return reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
      },
      entity(request, reply, contextPath, item, selectable, status = 200, location) {
        const raw = request.query as RawQuery;
        const query = parseODataQuery(raw, { filterable: {}, selectable, orderable: [] });
        if (isODataError(query)) throw new GraphError('badRequest', query.error.message);
        const [projected] = applyODataQuery([item], query).page as Record<string, unknown>[];
        if (location) void reply.header('location', location);
        const customer = (item as { customer?: { tenantId?: unknown } }).customer?.tenantId;
        if (typeof customer === 'string') noteAudit(request, { customerTenantId: customer });
        return reply.code(status).header('content-type', 'application/json; charset=utf-8')
          .send(JSON.stringify({ '@odata.context': context.context(`${contextPath}/$entity`), ...projected }));
      },
    };
    registerRelationshipRoutes(scope, context);
    registerDirectoryRoutes(scope, context);
    refuseOtherMethods(scope, methodsByUrl);
  }, { prefix: GRAPH_PREFIX });
}

/** The methods each URL of the scope answers (without the scope's prefix), as its routes are registered. */
function collectRouteMethods(scope: FastifyInstance): Map<string, Set<string>> {
  const methodsByUrl = new Map<string, Set<string>>();
  scope.addHook('onRoute', (route) => {
    const url = route.prefix && route.url.startsWith(route.prefix) ? route.url.slice(route.prefix.length) : route.url;
    const methods = methodsByUrl.get(url) ?? new Set<string>();
    for (const method of [route.method].flat()) methods.add(method);
    methodsByUrl.set(url, methods);
  });
  return methodsByUrl;
}

/** Graph's methods; HEAD comes with GET. */
export const GRAPH_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** The `Allow` of a URL that has `answered` of GRAPH_METHODS (any case), in their order, HEAD after GET. */
export function allowOf(answered: readonly string[]): string {
  const has = new Set(answered.map((method) => method.toUpperCase()));
  return GRAPH_METHODS.filter((method) => has.has(method)).flatMap((method) => (method === 'GET' ? ['GET', 'HEAD'] : [method])).join(', ');
}

/**
 * Every other method on a Graph URL answers 405 with `Allow` (OData 4.0, 9.2.2), before authentication
 * and before any body is read, as the Partner Center resource does; the onRequest hook above answers it.
 */
function refuseOtherMethods(scope: FastifyInstance, methodsByUrl: Map<string, Set<string>>): void {
  for (const [url, methods] of [...methodsByUrl]) {
    const refused = GRAPH_METHODS.filter((method) => !methods.has(method));
    if (refused.length === 0) continue;
    scope.route({ method: refused, url, config: { allow: allowOf([...methods]) }, handler: async () => undefined });
  }
}
