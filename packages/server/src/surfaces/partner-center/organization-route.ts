/**
 * GET (and HEAD) /v1/customers/{customer-tenant-id}/organization. The pipeline, in the order a
 * request meets it:
 *
 *   request ids (app-wide onRequest) → authenticate (onRequest) → customer id → throttle (preHandler)
 *   → the OrganizationService decides and loads (handler) → respond, or the error handler renders
 *   the catalog error.
 *
 * A repeat call whose token and answer are both remembered takes the same steps before routing, in
 * repeat-call-lane.ts.
 */
import type { Metrics } from '../../metrics.js';
import http from 'node:http';
import type {
  FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, preHandlerHookHandler,
  RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault,
} from 'fastify';
import { isGuid, ORGANIZATION_KEYS } from '@pcapi/contracts';
import type { DenialReason } from '../../domain/authorize.js';
import type { OrganizationAnswer, OrganizationService } from '../../services/organization-service.js';
import { ApiError } from './errors/api-error.js';
import type { ErrorName } from './errors/catalog.js';

/** `answer` identifies the answer given (the same object for every call a cached answer serves). */
type AllowedListener = (request: FastifyRequest, status: number, error: undefined, answer: OrganizationAnswer) => void;

type OrganizationRoute = { Params: { customerTenantId: string } };
/** A preHandler step of this route: it reads the customer id from the path. */
export type OrganizationPreHandler = preHandlerHookHandler<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, OrganizationRoute>;

export const ORGANIZATION_PATH = '/v1/customers/:customerTenantId/organization';

const nullableString = { type: ['string', 'null'] } as const;
const organizationSchema = {
  type: 'object',
  // The source document's wire order; the service serializes in this order.
  properties: {
    street: nullableString,
    countryLetterCode: nullableString,
    postalCode: nullableString,
    city: nullableString,
    state: nullableString,
    displayName: nullableString,
    technicalNotificationMails: { type: 'array', items: { type: 'string' } },
  },
  required: [...ORGANIZATION_KEYS],
  additionalProperties: false,
} as const;

const ERROR_FOR_DENIAL: Record<DenialReason, ErrorName> = {
  notAnAgent: 'notAnAgent',
  customerNotFound: 'customerNotFound',
  dapNotSupported: 'dapNotSupported',
  noRelationship: 'noRelationship',
  gdapAccessInsufficient: 'gdapAccessInsufficient',
};

/** The customer id (a plain check: cheaper on the hot path than schema validation). */
function parseCustomerId(request: FastifyRequest<OrganizationRoute>, _reply: FastifyReply, done: (error?: Error) => void): void {
  if (isGuid(request.params.customerTenantId)) return done();
  done(new ApiError('invalidCustomerId', ['failed: the customer-tenant-id in the path is not a GUID (expected 8-4-4-4-12 hexadecimal digits)']));
}

/** An allowed answer's body, or a denial as its catalog error with the checks made as `data`. Counted by outcome. */
export function bodyOrDenial(answer: OrganizationAnswer, metrics: Metrics | undefined): Buffer | ApiError {
  metrics?.authorization.labels(answer.allowed ? 'allowed' : answer.reason).inc();
  if (answer.allowed) return answer.body;
  const denial = new ApiError(ERROR_FOR_DENIAL[answer.reason], answer.checks);
  denial.answer = answer;
  return denial;
}

/** Sends an allowed answer; a denial is thrown, for the error handler to render. */
function respond(reply: FastifyReply, answer: OrganizationAnswer, metrics: Metrics | undefined, onAllowed: AllowedListener | undefined): void {
  const body = bodyOrDenial(answer, metrics);
  if (body instanceof ApiError) throw body;
  onAllowed?.(reply.request, 200, undefined, answer);
  reply.header('content-type', 'application/json; charset=utf-8').send(body);
}

export function registerOrganizationRoutes(
  app: FastifyInstance,
  deps: {
    authenticate: onRequestHookHandler; throttle: OrganizationPreHandler | undefined; organizations: OrganizationService;
    metrics: Metrics | undefined;
    /** Told of each allowed answer as it is sent (the audit trail); refusals go through the error sender. */
    onAllowed: AllowedListener | undefined;
  },
): void {
  app.route<OrganizationRoute>({
    method: 'GET',
    url: ORGANIZATION_PATH,
    schema: {
      // Documents the 200 body; the handler sends it pre-serialized.
      response: { 200: { type: 'array', items: organizationSchema } },
    },
    onRequest: deps.authenticate,
    preHandler: deps.throttle ? [parseCustomerId, deps.throttle] : [parseCustomerId],
    handler: (request, reply) => {
      const answer = deps.organizations.get(request.caller!, request.params.customerTenantId);
      // Cached answers come back synchronously: no promise on the hot path.
      if (answer instanceof Promise) return answer.then((decided) => respond(reply, decided, deps.metrics, deps.onAllowed));
      respond(reply, answer, deps.metrics, deps.onAllowed);
    },
  });

  // The gateway answers every other method on a known resource with 405, before authentication (and
  // before any body is read). Fastify routes only the common methods: the others Node's parser knows
  // (PROPFIND, SEARCH, LOCK, and QUERY where Node knows it) are added here. Tokens Node's parser does
  // not know, and CONNECT, never reach a route: errors/http-refusals.ts answers them with
  // methodRefusalFor.
  for (const method of http.METHODS) {
    if (!ROUTED_ELSEWHERE.has(method) && !app.supportedMethods.includes(method)) app.addHttpMethod(method);
  }
  app.route({
    method: app.supportedMethods.filter((method) => !ROUTED_ELSEWHERE.has(method)),
    url: ORGANIZATION_PATH,
    onRequest: async () => {
      throw methodNotAllowed();
    },
    handler: async () => undefined,
  });
}

/** GET and HEAD are the resource's; CONNECT is never routed (Node hands it to the server's 'connect' event). */
const ROUTED_ELSEWHERE = new Set(['GET', 'HEAD', 'CONNECT']);

function methodNotAllowed(): ApiError {
  return new ApiError('methodNotAllowed', [], undefined, { allow: 'GET, HEAD' });
}

/**
 * The organization path as the router matches it (app.ts's router options): an absolute-form target
 * reduced to its path, the query cut, percent-escapes decoded (but those of reserved characters
 * such as %2F), duplicate slashes folded, one trailing slash ignored, letters in any case.
 */
export function isOrganizationTarget(requestTarget: string): boolean {
  let path = requestTarget;
  if (!path.startsWith('/')) {
    const absolute = /^https?:\/\/[^/?#]+(\/[^#]*)?$/i.exec(path);
    if (!absolute) return false;
    path = absolute[1] ?? '/';
  }
  path = path.split(/[?#]/, 1)[0]!;
  try {
    path = decodeURI(path);
  } catch {
    // A malformed escape (in the id, say): the method is still wrong for the path as written.
  }
  path = path.replace(/\/{2,}/g, '/');
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return /^\/v1\/customers\/[^/]+\/organization$/i.test(path);
}

/**
 * What a method the router never sees gets: 405 on the organization resource, as any routed
 * method; elsewhere 404, as any method on a path that matches no route.
 */
export function methodRefusalFor(requestTarget: string): ApiError {
  return isOrganizationTarget(requestTarget) ? methodNotAllowed() : new ApiError('routeNotFound');
}
