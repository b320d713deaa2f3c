/**
 * The Graph surface's one error catalog, and its body: `{"error":{"code","message","innerError":{…}}}`
 * with `request-id` and `client-request-id` headers, as Microsoft Graph answers. The emulator
 * endpoints (`/_pcapi/`) answer in the same shape.
 */
import { noteAudit } from '../audit/audit-hook.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';

export const GRAPH_ERRORS = {
  badRequest: { status: 400, code: 'badRequest' },
  unauthenticated: { status: 401, code: 'InvalidAuthenticationToken' },
  forbidden: { status: 403, code: 'Authorization_RequestDenied' },
  notFound: { status: 404, code: 'Request_ResourceNotFound' },
  methodNotAllowed: { status: 405, code: 'Request_BadRequest' },
  conflict: { status: 409, code: 'conflict' },
  preconditionFailed: { status: 412, code: 'PreconditionFailed' },
  payloadTooLarge: { status: 413, code: 'RequestEntityTooLarge' },
  unsupportedMediaType: { status: 415, code: 'UnsupportedMediaType' },
  throttled: { status: 429, code: 'TooManyRequests' },
  internal: { status: 500, code: 'unexpectedError' },
  badGateway: { status: 502, code: 'badGateway' },
  unavailable: { status: 503, code: 'serviceNotAvailable' },
  gatewayTimeout: { status: 504, code: 'gatewayTimeout' },
} as const;

export type GraphErrorName = keyof typeof GRAPH_ERRORS;

/** The one error the Graph and emulator surfaces throw; their error handler renders it. */
export class GraphError extends Error {
  override readonly name = 'GraphError';

  constructor(readonly errorName: GraphErrorName, message: string, readonly headers: Record<string, string> = {}) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0; // an answer, not a fault: no stack to capture
    super(message);
    Error.stackTraceLimit = limit;
  }

  get status(): number {
    return GRAPH_ERRORS[this.errorName].status;
  }
}

/**
 * A JSON body parser for the Graph and emulator scopes: a JSON content type with no body (a DELETE
 * from a client that sends the header on every call) is no body, not an error; malformed JSON is
 * Graph's badRequest.
 */
export function allowEmptyJsonBodies(scope: FastifyInstance): void {
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text as string));
    } catch {
      done(new GraphError('badRequest', 'The request body is not valid JSON.'), undefined);
    }
  });
}

/** The error for a status (fault injection, framework refusals). */
export function graphErrorForStatus(status: number, message: string): GraphError {
  const entry = (Object.entries(GRAPH_ERRORS) as [GraphErrorName, { status: number }][]).find(([, value]) => value.status === status);
  return new GraphError(entry?.[0] ?? (status >= 500 ? 'internal' : 'badRequest'), message);
}

/** The request's `client-request-id` when it is one a client could have sent: up to 128 visible ASCII characters. */
function clientRequestId(request: FastifyRequest): string | undefined {
  const value = request.headers['client-request-id'];
  return typeof value === 'string' && /^[\x21-\x7e]{1,128}$/.test(value) ? value : undefined;
}

/** Graph's per-response headers: `request-id`, and `client-request-id` echoed (or the request id). */
export function graphResponseHeaders(request: FastifyRequest): Record<string, string> {
  return { 'request-id': request.id, 'client-request-id': clientRequestId(request) ?? request.id };
}

export function sendGraphError(error: GraphError, request: FastifyRequest, reply: FastifyReply, clock: Clock): FastifyReply {
  const ids = graphResponseHeaders(request);
  noteAudit(request, { code: GRAPH_ERRORS[error.errorName].code, reasons: [error.message] });
  const body = {
    error: {
      code: GRAPH_ERRORS[error.errorName].code,
      message: error.message,
      innerError: { date: new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, ''), 'request-id': ids['request-id'], 'client-request-id': ids['client-request-id'] },
    },
  };
  return reply.code(error.status).headers({ ...ids, ...error.headers, 'content-type': 'application/json; charset=utf-8' }).send(JSON.stringify(body));
}

/** What a Graph-shaped error body says (`error.message`), or the text as it came when it is not one. */
export function graphErrorMessage(text: string): string {
  let message: unknown;
  try {
    message = (JSON.parse(text) as { error?: { message?: unknown } } | null)?.error?.message;
  } catch {
    // Not JSON: the text as it came.
  }
  return typeof message === 'string' ? message : text;
}
