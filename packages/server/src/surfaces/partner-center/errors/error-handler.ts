/** The one place errors become responses: catalog errors as rendered, anything else as a 500 with the request ids. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';
import type { ErrorName } from './catalog.js';
import { renderError } from './render.js';
import { StoreUnavailableError } from '../../../store/store.js';
import type { StoreOutage } from '../../../store/store-outage.js';
import { requestIds } from '../../../logging.js';

/** What a 503 asks clients to wait: long enough for a database restart to finish, short enough to recover fast. */
const STORE_RETRY_AFTER_SECONDS = 2;

/** Fastify's own refusals (body limit, media type) by status; any other 4xx it raises is a malformed request. */
const FRAMEWORK_REFUSALS: Readonly<Record<number, ErrorName>> = { 413: 'payloadTooLarge', 415: 'unsupportedMediaType' };

/**
 * Fixed words for the framework's refusals: its messages can quote the request (JSON.parse cites the
 * body's first characters), and nothing the caller sent is echoed.
 */
const FRAMEWORK_REFUSAL_WORDS: Readonly<Record<string, string>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'the request body is over the size limit',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'the Content-Type is not one this endpoint reads',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'the request body size does not match Content-Length',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'the body is empty but Content-Type says JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'the body is not valid JSON',
};

export interface ErrorRenderingOptions {
  explain: () => boolean;
  realm: string;
  /** Told of each error answered, with its status (the audit trail). */
  onSent?: (request: FastifyRequest, status: number, error: ApiError) => void;
}

export type ErrorSender = (error: ApiError, reply: FastifyReply) => FastifyReply;

export function makeErrorSender(options: ErrorRenderingOptions): ErrorSender {
  return (error, reply) => {
    const rendered = renderError(error, { realm: options.realm, explain: options.explain() });
    options.onSent?.(reply.request, rendered.status, error);
    return reply
      .code(rendered.status)
      .headers(rendered.headers)
      .header('content-type', 'application/json; charset=utf-8')
      .send(rendered.body);
  };
}

/** @param storeOutage logs a store outage once when it starts and once when it ends, not per 503. */
export function installErrorHandling(app: FastifyInstance, send: ErrorSender, storeOutage: StoreOutage): void {
  app.setErrorHandler((error: FastifyError | StoreUnavailableError, request, reply) => {
    if (error instanceof ApiError) return send(error, reply);
    // No route matched, but Fastify read the body first (an unknown path with an unreadable body,
    // QUERY without Content-Type): the path decides, as it does without a body.
    if (request.is404) return send(new ApiError('routeNotFound'), reply);
    if (error instanceof StoreUnavailableError) {
      storeOutage.refused(error, requestIds(request));
      return send(new ApiError('storeUnavailable', ['failed: the data store cannot be reached right now'], undefined, { 'retry-after': String(STORE_RETRY_AFTER_SECONDS) }), reply);
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      // Framework refusals (oversized or undecodable bodies, unsupported media types): each status has its row.
      // The code, not the message: JSON.parse's message quotes the body, which may hold a secret.
      request.log.debug({ errorCode: error.code, status: error.statusCode, ...requestIds(request) }, 'request refused by the framework');
      const words = FRAMEWORK_REFUSAL_WORDS[error.code] ?? 'the request body cannot be read (malformed or not the declared Content-Type)';
      return send(new ApiError(FRAMEWORK_REFUSALS[error.statusCode] ?? 'badRequest', [`failed: ${words}`]), reply);
    }
    request.log.error({ err: error, ...requestIds(request) }, 'unexpected error');
    return send(new ApiError('internal', [`MS-RequestId: ${request.id}`, `MS-CorrelationId: ${request.correlationId}`]), reply);
  });

  app.setNotFoundHandler((_request, reply) => send(new ApiError('routeNotFound'), reply));
}

/**
 * Fastify's `frameworkErrors`: URLs the router refuses before any hook runs (bad percent-encoding,
 * over-long parameters). They get the request ids and a Partner Center body that never echoes the path.
 */
export function makeFrameworkErrorHandler(send: ErrorSender, requestContext: (request: FastifyRequest, reply: FastifyReply, done: () => void) => void) {
  return (_error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    requestContext(request, reply, () => undefined);
    const onCustomerPath = request.raw.url?.toLowerCase().startsWith('/v1/customers/') ?? false;
    const error = onCustomerPath
      ? new ApiError('invalidCustomerId', ['failed: the customer-tenant-id in the path is not a GUID (expected 8-4-4-4-12 hexadecimal digits)'])
      : new ApiError('badRequest', ['failed: the request URL is not valid']);
    send(error, reply);
  };
}
