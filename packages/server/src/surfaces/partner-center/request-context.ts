/**
 * Request ids, on every response of the surface. `MS-RequestId` and `MS-CorrelationId` are echoed when they
 * are GUIDs and generated otherwise (a malformed value is never reflected); `MS-CV` and
 * `MS-ServerId` are added. Every response, errors included, carries all four.
 */
import { randomFillSync, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isGuid } from '@pcapi/contracts';
import type { Caller, CustomerCaller } from '../../domain/model.js';
import { ApiError } from './errors/api-error.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** MS-CorrelationId of this call (request.id is its MS-RequestId). */
    correlationId: string;
    /** Set by the authenticate step on authenticated routes. */
    caller: Caller | null;
    /** Graph only: a user of a customer's tenant (approving GDAP), instead of a partner caller. */
    customerCaller: CustomerCaller | null;
  }
}

const CORRELATION_VECTOR = /^[A-Za-z0-9+/]{16}(?:\.\d{1,10}){1,8}$|^[A-Za-z0-9+/]{16}$/;

function headerValue(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Fastify's genReqId: the caller's MS-RequestId when it is a GUID, else a new one. */
export function requestIdFrom(raw: IncomingMessage): string {
  const given = headerValue(raw.headers['ms-requestid']);
  return isGuid(given) ? given : randomUUID();
}

/** Random bytes drawn in bulk: one system call per 341 new correlation vectors instead of one each. */
const randomPool = Buffer.alloc(12 * 341);
let randomOffset = randomPool.length;

export function correlationVectorFrom(given: string | undefined): string {
  if (given !== undefined && given.length <= 60 && CORRELATION_VECTOR.test(given)) return `${given}.0`;
  if (randomOffset === randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  randomOffset += 12;
  return `${randomPool.toString('base64', randomOffset - 12, randomOffset)}.0`;
}

/** The caller's MS-CorrelationId when it is a GUID, else a new one. */
export function correlationIdFrom(headers: IncomingHttpHeaders): string {
  const correlation = headerValue(headers['ms-correlationid']);
  return isGuid(correlation) ? correlation : randomUUID();
}

/** MS-CV: the caller's correlation vector extended, or a new one. */
export const correlationVectorOf = (headers: IncomingHttpHeaders): string => correlationVectorFrom(headerValue(headers['ms-cv']));

export function makeRequestContextHook(serverId: string, isClosing: () => boolean) {
  return function requestContext(request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void {
    request.correlationId = correlationIdFrom(request.headers);
    request.caller = null;
    reply
      .header('ms-requestid', request.id)
      .header('ms-correlationid', request.correlationId)
      .header('ms-cv', correlationVectorOf(request.headers))
      .header('ms-serverid', serverId);
    // While shutting down, close each connection after its answer, so keep-alive clients reconnect
    // (to another process) instead of sending their next request into a socket about to close.
    if (isClosing()) reply.header('connection', 'close');
    // HTTP/1.1 requires Host (RFC 9112 §3.2). Node would refuse it with a bare 400; refused here, the
    // answer carries the catalog body and the ids like any other.
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') return done(HOST_MISSING());
    done();
  };
}

const HOST_MISSING = () => new ApiError('badRequest', ['failed: the request has no Host header, which HTTP/1.1 requires']);
