/**
 * The repeat-call lane: a GET of the organization resource whose every step is already known — its
 * Authorization header remembered with its caller, its answer cached, its throttle counted in this
 * process, no fault rule set — is answered before Fastify routes it, by the route's own steps
 * (organization-route.ts) in the route's order, with the same status, headers, body, audit event,
 * metrics and log line. Anything else (a first call, another method or path form, a body, a
 * refused token, a server closing) is declined and goes to Fastify, which answers it in full.
 *
 * Why: on a cached call, Fastify's routing, request and reply objects and hook runner cost about as
 * much as pcapi's own steps (docs/benchmarks.md, "The Fastify floor"). The lane declines before it
 * changes anything (it only peeks at the caches), so a declined call is counted, charged and
 * recorded once, by the routed path. test/api/repeat-call-lane.test.ts holds both paths to the same
 * answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { isGuid, PARTNER_CENTER_RESOURCE } from '@pcapi/contracts';
import type { Metrics } from '../../metrics.js';
import type { AnsweredRequest } from '../../request-log.js';
import type { AuthenticationService } from '../../services/authentication-service.js';
import type { OrganizationService } from '../../services/organization-service.js';
import type { PartnerCenterCall, PartnerCenterRecorder } from '../audit/audit-hook.js';
import type { FaultInjector } from '../emulator/faults.js';
import { recordAnswer } from '../health/metrics-routes.js';
import { callerRefusal } from './authenticate.js';
import { ApiError } from './errors/api-error.js';
import { renderError } from './errors/render.js';
import { bodyOrDenial, ORGANIZATION_PATH } from './organization-route.js';
import { correlationIdFrom, correlationVectorOf, requestIdFrom } from './request-context.js';
import type { ThrottleCheck } from './throttle.js';

/** Answers the request and returns true, or returns false having written and changed nothing. */
export type RepeatCallLane = (request: IncomingMessage, response: ServerResponse) => boolean;

export interface RepeatCallLaneDeps {
  authentication: AuthenticationService;
  organizations: OrganizationService;
  throttle: ThrottleCheck | undefined;
  faults: FaultInjector | undefined;
  serverId: string;
  isClosing: () => boolean;
  explainDenials: () => boolean;
  metrics: Metrics | undefined;
  /** The token and decision caches' lookup observers (metrics): the lane's hits are counted as the route's. */
  onTokenHit: (() => void) | undefined;
  onDecisionHit: (() => void) | undefined;
  /** The audit trail's recorder. */
  record: PartnerCenterRecorder | undefined;
  /** --log-requests: one line per answered request. */
  logAnswered: ((answered: AnsweredRequest) => void) | undefined;
}

/** The route's path around its one parameter: '/v1/customers/' and '/organization'. */
const [PREFIX, SUFFIX] = ORGANIZATION_PATH.split(':customerTenantId') as [string, string];
/** The one request target the lane takes: the path as documented, a GUID, no query. */
const TARGET_LENGTH = PREFIX.length + 36 + SUFFIX.length;
const JSON_TYPE = 'application/json; charset=utf-8';
const NO_LIMITS = (): ApiError | undefined => undefined;

/** Whether a request line is one the lane may take: a GET of the target above (the status recorder of the tests asks too). */
export function isLaneTarget(method: string | undefined, url: string | undefined): url is string {
  return method === 'GET' && url !== undefined && url.length === TARGET_LENGTH && url.startsWith(PREFIX) && url.endsWith(SUFFIX)
    && isGuid(url.slice(PREFIX.length, PREFIX.length + 36));
}

export function makeRepeatCallLane(deps: RepeatCallLaneDeps): RepeatCallLane {
  const { authentication, organizations, throttle, metrics } = deps;
  const timed = metrics !== undefined || deps.logAnswered !== undefined;
  return function answerRepeatCall(request, response) {
    const url = request.url;
    if (!isLaneTarget(request.method, url)) return false;
    const headers = request.headers;
    // A body is read (or refused) by the routed path; so is a request without Host.
    if (headers.host === undefined || headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined) return false;
    // Limits counted elsewhere (Redis) answer asynchronously: such calls are routed.
    const chargeNow = throttle === undefined ? NO_LIMITS : throttle.chargeNow;
    if (chargeNow === undefined || deps.isClosing() || (deps.faults !== undefined && deps.faults.hasRules())) return false;
    const customerTenantId = url.slice(PREFIX.length, PREFIX.length + 36);
    const caller = authentication.rememberedCaller(headers.authorization);
    if (caller === undefined || callerRefusal(caller) !== undefined) return false;
    const answer = organizations.cachedAnswer(caller, customerTenantId);
    if (answer === undefined) return false;

    // Taken: the route's steps from here, in its order.
    // Timed only for those who read the time (metrics, the request log).
    const startedAt = timed ? performance.now() : 0;
    deps.onTokenHit?.();
    const call: PartnerCenterCall = { id: requestIdFrom(request), method: 'GET', correlationId: correlationIdFrom(headers), caller, params: { customerTenantId } };
    const idHeaders = ['ms-requestid', call.id, 'ms-correlationid', call.correlationId, 'ms-cv', correlationVectorOf(headers), 'ms-serverid', deps.serverId];
    const refusal = chargeNow(caller.partner.tenantId, customerTenantId);
    // The answer is looked up only by a call the throttle lets through.
    if (refusal === undefined) deps.onDecisionHit?.();
    const result = refusal ?? bodyOrDenial(answer, metrics);
    let status = 200;
    if (result instanceof ApiError) {
      const rendered = renderError(result, { realm: PARTNER_CENTER_RESOURCE, explain: deps.explainDenials() });
      status = rendered.status;
      deps.record?.(call, status, result);
      for (const name in rendered.headers) idHeaders.push(name, rendered.headers[name]!);
      send(response, status, idHeaders, JSON.stringify(rendered.body));
    } else {
      deps.record?.(call, 200, undefined, answer);
      send(response, 200, idHeaders, result);
    }
    if (!timed) return true;
    const elapsedMs = performance.now() - startedAt;
    if (metrics) recordAnswer(metrics, ORGANIZATION_PATH, 'GET', status, elapsedMs);
    deps.logAnswered?.({
      requestId: call.id, correlationId: call.correlationId, method: 'GET', route: ORGANIZATION_PATH, url, status, elapsedMs,
      tenant: caller.partner.tenantId, customer: customerTenantId,
    });
    return true;
  };
}

/** Headers in the order Fastify writes them: the ids, the error's own, then Content-Type and Content-Length. */
function send(response: ServerResponse, status: number, headers: string[], body: Buffer | string): void {
  headers.push('content-type', JSON_TYPE, 'content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.length));
  response.writeHead(status, headers);
  response.end(body);
}
