/**
 * `--log-requests`: one line per answered request, at info level. The hook is added only when asked
 * for, so the default hot path is unchanged. The line holds no header, query or body: the path
 * without its query string, the route as registered (bounded, for grouping), the partner tenant of
 * an authenticated caller and the customer id of the path.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The line logged for one answered request. */
export function requestLine(request: FastifyRequest, reply: FastifyReply): Record<string, unknown> {
  const url = request.url;
  const query = url.indexOf('?');
  const customer = (request.params as { customerTenantId?: unknown } | undefined)?.customerTenantId;
  const tenant = request.caller?.partner.tenantId ?? request.customerCaller?.tenantId;
  return {
    requestId: request.id,
    correlationId: request.correlationId,
    method: request.method,
    route: request.routeOptions.url ?? null,
    path: query < 0 ? url : url.slice(0, query),
    status: reply.statusCode,
    // Two decimals: enough below a millisecond, and a short number to write.
    ms: Math.round(reply.elapsedTime * 100) / 100,
    ...(tenant ? { tenant } : {}),
    ...(typeof customer === 'string' ? { customer } : {}),
  };
}

export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(requestLine(request, reply), 'request answered');
    done();
  });
}
