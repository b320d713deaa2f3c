/**
 * Injected faults on the way in: the first hook of every request when the emulator is on. A call a
 * rule matches waits its delay, then (when the rule has a status) is answered by its surface's own
 * error: Partner Center's catalog, Graph's body, or Entra's OAuth error.
 */
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Clock } from '../../clock.js';
import { GraphError, graphErrorForStatus } from '../graph/graph-errors.js';
import { OAuthError } from '../identity/oauth-errors.js';
import { ApiError } from '../partner-center/errors/api-error.js';
import type { ErrorName } from '../partner-center/errors/catalog.js';
import { waitFor, type FaultInjector, type FaultStatus, type InjectedFault } from './faults.js';

const PARTNER_CENTER_ERROR: Record<FaultStatus, ErrorName> = {
  429: 'throttled', 500: 'internal', 502: 'badGateway', 503: 'serviceUnavailable', 504: 'gatewayTimeout',
};

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** The surface a path belongs to, for the error's shape. */
function surfaceOf(path: string): 'graph' | 'identity' | 'partnerCenter' {
  const lower = path.toLowerCase();
  if (lower.startsWith('/v1.0/')) return 'graph';
  if (lower.includes('/oauth2/') || lower.includes('/.well-known/') || lower.includes('/discovery/') || lower.startsWith('/common/')) return 'identity';
  return 'partnerCenter';
}

function injectedError(fault: InjectedFault & { status: FaultStatus }, path: string): Error {
  const retryAfter: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
  const words = `an injected fault (rule ${fault.ruleId})`;
  switch (surfaceOf(path)) {
    case 'graph': {
      const error = graphErrorForStatus(fault.status, `The request was answered with ${fault.status} by ${words}.`);
      return new GraphError(error.errorName, error.message, retryAfter);
    }
    case 'identity':
      return new OAuthError(fault.status, fault.status === 500 ? 'server_error' : 'temporarily_unavailable', 90033, `The service is unavailable: ${words}.`);
    case 'partnerCenter':
      return new ApiError(PARTNER_CENTER_ERROR[fault.status], [`failed: ${words}`], undefined, retryAfter);
  }
}

export function makeFaultHook(deps: { faults: FaultInjector; clock: Clock }): onRequestHookHandler {
  const answer = (request: FastifyRequest, reply: FastifyReply, fault: InjectedFault, done: (error?: Error) => void) => {
    if (fault.status === undefined) return done();
    const path = pathOf(request.raw.url ?? '/');
    const error = injectedError({ ...fault, status: fault.status }, path);
    if (error instanceof OAuthError) {
      // The identity routes render their errors themselves; so does this hook.
      const headers: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
      void reply.code(error.status).headers(headers).header('content-type', 'application/json; charset=utf-8').send(error.body(String(request.id), deps.clock.now()));
      return;
    }
    done(error);
  };
  return (request, reply, done) => {
    const fault = deps.faults.take(request.method, pathOf(request.raw.url ?? '/'));
    if (fault === undefined) return done();
    if (fault.delayMs === undefined) return answer(request, reply, fault, done);
    waitFor(fault.delayMs).then(() => answer(request, reply, fault, done), done);
  };
}
