/**
 * GET /v1/customers/{customer-tenant-id}/organization — the pipeline reads top to bottom:
 * request ids (app-wide onRequest) → authenticate (onRequest) → customer id, throttle, then
 * authorize and load (preHandler) → respond (handler).
 */
import type {
  FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, preHandlerHookHandler,
  RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault,
} from 'fastify';
import { isGuid, ORGANIZATION_KEYS } from '@pcapi/contracts';
import { ApiError } from '../errors/api-error.js';

type OrganizationRoute = { Params: { customerTenantId: string } };
/** A preHandler step of this route: it reads the customer id from the path. */
export type OrganizationPreHandler = preHandlerHookHandler<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, OrganizationRoute>;

export const ORGANIZATION_PATH = '/v1/customers/:customerTenantId/organization';

const nullableString = { type: ['string', 'null'] } as const;
const organizationSchema = {
  type: 'object',
  // fast-json-stringify writes properties in this order: the source document's wire order.
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

/** Step 3: the customer id (a plain check: cheaper on the hot path than schema validation). */
function parseCustomerId(request: FastifyRequest<{ Params: { customerTenantId: string } }>, _reply: FastifyReply, done: (error?: Error) => void): void {
  if (isGuid(request.params.customerTenantId)) return done();
  done(new ApiError('invalidCustomerId', ['failed: the customer-tenant-id in the path is not a GUID (expected 8-4-4-4-12 hexadecimal digits)']));
}

export function registerCustomerOrganizationRoute(
  app: FastifyInstance,
  deps: { authenticate: onRequestHookHandler; throttle: OrganizationPreHandler | undefined; authorize: OrganizationPreHandler },
): void {
  app.route<{ Params: { customerTenantId: string } }>({
    method: 'GET',
    url: ORGANIZATION_PATH,
    schema: {
      // Documents the 200 body; the handler sends it pre-serialized, in this key order.
      response: { 200: { type: 'array', items: organizationSchema } },
    },
    onRequest: deps.authenticate,
    preHandler: deps.throttle ? [parseCustomerId, deps.throttle, deps.authorize] : [parseCustomerId, deps.authorize],
    handler: (request, reply) => {
      // Authorization loaded and serialized the organization (and may have served it from its cache).
      reply.header('content-type', 'application/json; charset=utf-8').send(request.organizationBody);
    },
  });

  // The gateway answers other methods on a known resource with 405, before authentication.
  app.route({
    method: ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: ORGANIZATION_PATH,
    onRequest: async (_request, reply) => {
      reply.header('allow', 'GET, HEAD');
      throw new ApiError('methodNotAllowed', [], undefined, { allow: 'GET, HEAD' });
    },
    handler: async () => undefined,
  });
}
