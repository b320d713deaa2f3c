/**
 * `--log-requests`: one line per answered request, at info level. The hook is added only when asked
 * for, so the default hot path is unchanged. The line holds no header, query or body: the path
 * without its query string, the route as registered (bounded, for grouping), the partner tenant of
 * an authenticated caller and the customer id of the path.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** What the line says of one answered request. */
export interface AnsweredRequest {
  requestId: string;
  correlationId: string;
  method: string;
  /** The route as registered; null when none matched. */
  route: string | null;
  /** The request target as received. */
  url: string;
  status: number;
  elapsedMs: number;
  tenant: string | undefined;
  customer: unknown;
}

/** The line logged for one answered request. */
export function requestLine(answered: AnsweredRequest): Record<string, unknown> {
  const { url, tenant, customer } = answered;
  const query = url.indexOf('?');
  return {
    requestId: answered.requestId,
    correlationId: answered.correlationId,
    method: answered.method,
    route: answered.route,
    path: query < 0 ? url : url.slice(0, query),
    status: answered.status,
    // Two decimals: enough below a millisecond, and a short number to write.
    ms: Math.round(answered.elapsedMs * 100) / 100,
    ...(tenant ? { tenant } : {}),
    ...(typeof customer === 'string' ? { customer } : {}),
  };
}

export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(requestLine(answeredRequest(request, reply)), 'request answered');
    done();
  });
}

function answeredRequest(request: FastifyRequest, reply: FastifyReply): AnsweredRequest {
  return {
    requestId: request.id,
    correlationId: request.correlationId,
    method: request.method,
    route: request.routeOptions.url ?? null,
    url: request.url,
    status: reply.statusCode,
    elapsedMs: reply.elapsedTime,
    tenant: request.caller?.partner.tenantId ?? request.customerCaller?.tenantId,
    customer: (request.params as { customerTenantId?: unknown } | undefined)?.customerTenantId,
  };
}
