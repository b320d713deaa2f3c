/** The one place errors become responses: catalog errors as rendered, anything else as a 500 with the request ids. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';
import { renderError } from './render.js';

export function installErrorHandling(app: FastifyInstance, options: { explain: () => boolean; realm: string }): void {
  const send = (error: ApiError, request: FastifyRequest, reply: FastifyReply) => {
    const rendered = renderError(error, { realm: options.realm, explain: options.explain() });
    return reply
      .code(rendered.status)
      .headers(rendered.headers)
      .header('content-type', 'application/json; charset=utf-8')
      .send(rendered.body);
  };

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) return send(error, request, reply);
    if (error.validation && error.validationContext === 'params') {
      return send(new ApiError('invalidCustomerId', ['failed: the customer-tenant-id in the path is not a GUID (expected 8-4-4-4-12 hexadecimal digits)']), request, reply);
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      // Framework refusals (oversized or undecodable bodies, unsupported media types) keep their status.
      request.log.debug({ err: error }, 'request refused by the framework');
      const rendered = renderError(new ApiError('badRequest', [`failed: ${error.message}`]), { realm: options.realm, explain: options.explain() });
      return reply.code(error.statusCode).header('content-type', 'application/json; charset=utf-8').send(rendered.body);
    }
    request.log.error({ err: error }, 'unexpected error');
    return send(new ApiError('internal', [`MS-RequestId: ${request.id}`, `MS-CorrelationId: ${request.correlationId}`]), request, reply);
  });

  app.setNotFoundHandler((request, reply) => send(new ApiError('routeNotFound'), request, reply));
}
