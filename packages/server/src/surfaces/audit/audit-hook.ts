/**
 * How the surfaces feed the audit trail: an onResponse hook per audited route or scope turns the
 * answered request into an AuditRecord. What only the route or the error sender knows (a refusal's
 * catalog code and reasons, a token's subject, the customer a write touched) is noted on the request
 * as it goes.
 */
import type { FastifyInstance, FastifyRequest, onResponseHookHandler } from 'fastify';
import type { ApiError } from '../partner-center/errors/api-error.js';
import { DENIAL_ERRORS } from '../partner-center/organization-route.js';
import type { AuditSubject, AuditSurface } from '../../domain/audit.js';
import type { AuditRecord, AuditTrail } from '../../services/audit-trail.js';

export interface AuditNote {
  code?: string;
  reasons?: string[];
  partnerTenantId?: string;
  principalId?: string;
  principalName?: string;
  principalKind?: 'user' | 'app';
  customerTenantId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    auditNote: AuditNote | null;
  }
}

/** Values a client chose (ids, names) are cut to this length before they are stored. */
const MAX_VALUE = 256;
const cut = (value: string | undefined | null): string | null => (value === undefined || value === null ? null : value.slice(0, MAX_VALUE));

export function installAuditNotes(app: FastifyInstance): void {
  app.decorateRequest('auditNote', null);
}

/** Adds to what the audit trail will record of this request; later notes win. */
export function noteAudit(request: FastifyRequest, note: AuditNote): void {
  request.auditNote = request.auditNote ? { ...request.auditNote, ...note } : note;
}

/** The route as registered, or the path (without its query) when the route's parameters are the point. */
export function requestPath(request: FastifyRequest): string {
  return request.url.split('?', 1)[0]!.slice(0, MAX_VALUE);
}

export function makeAuditHook(
  trail: AuditTrail,
  surface: AuditSurface,
  operation: (request: FastifyRequest) => string,
  shouldRecord: (request: FastifyRequest) => boolean = () => true,
): onResponseHookHandler {
  return (request, reply, done) => {
    if (shouldRecord(request)) trail.record(auditRecordOf(request, reply.statusCode, surface, operation(request), request.auditNote));
    done();
  };
}

/**
 * What the organization route tells the audit trail, called as each answer is sent (not from an
 * onResponse hook: Fastify then waits for every response's 'finish' event, a cost on the hot path).
 * `answer` is the object that identifies the answer given: the cached answer when allowed, the
 * denial's checks (one array per cached decision) when refused. A call that repeats one recorded
 * before with the same answer, caller and customer (as written) reuses that call's subject without
 * building a record or looking the subject up: most calls of a busy client.
 */
export function makePartnerCenterRecorder(trail: AuditTrail): (request: FastifyRequest, status: number, error?: ApiError, answer?: object) => void {
  const recent = new WeakMap<object, RecentSubject>();
  return (request, status, error, answer) => {
    // Only the organization route has this parameter (cheaper to ask than request.routeOptions, built per access).
    const customer = (request.params as { customerTenantId?: unknown } | undefined)?.customerTenantId;
    if (typeof customer !== 'string') return;
    const caller = request.caller;
    const operation = OPERATIONS[request.method] ?? `${request.method.slice(0, 20)} organization`;
    const correlationId = request.correlationId || null;
    const key = answer ?? (error && DENIAL_ERRORS.has(error.errorName) ? error.data : undefined);
    const seen = key && recent.get(key);
    if (seen && seen.caller === caller && seen.customer === customer && seen.subject.operation === operation && seen.subject.status === status && seen.code === (error?.errorName ?? null)) {
      return trail.recordAs(seen.subject, request.id, correlationId);
    }
    const subject = trail.subjectOf({
      surface: 'partner-center',
      operation,
      status,
      code: error ? error.errorName : null,
      // Store ids (lowercase already), and the token's client id.
      partnerTenantId: caller ? caller.partner.tenantId : null,
      principalId: caller ? (caller.appOnly ? caller.clientId?.toLowerCase() ?? caller.objectId : caller.objectId) : null,
      principalName: caller ? caller.name : null,
      principalKind: caller ? (caller.appOnly ? 'app' : 'user') : null,
      customerTenantId: customer.slice(0, MAX_VALUE).toLowerCase(),
      // The checks even when the answer does not show them (--explain-denials false).
      reasons: error ? (error.data.length ? asStrings(error.data) : [error.detail ?? error.message]) : NO_REASONS,
    });
    if (key && caller) recent.set(key, { caller, customer, code: error?.errorName ?? null, subject });
    trail.recordAs(subject, request.id, correlationId);
  };
}

/** The last subject recorded for an answer, and what it was recorded for. */
interface RecentSubject {
  caller: object;
  customer: string;
  code: string | null;
  subject: AuditSubject;
}

const NO_REASONS: string[] = [];

/**
 * The reasons as they are: a cached decision's checks are one array shared by every answer it gives,
 * so the trail's subject lookup then compares one reference instead of every string.
 */
function asStrings(data: unknown[]): string[] {
  return data.every((item) => typeof item === 'string') ? (data as string[]) : data.map(String);
}

const OPERATIONS: Record<string, string> = { GET: 'GET organization', HEAD: 'HEAD organization' };

function auditRecordOf(request: FastifyRequest, status: number, surface: AuditSurface, operation: string, note: AuditNote | null | undefined): AuditRecord {
  const caller = request.caller;
  const customerCaller = request.customerCaller;
  const customerInPath = (request.params as { customerTenantId?: string } | undefined)?.customerTenantId;
  return {
    surface,
    operation,
    status,
    code: cut(note?.code),
    partnerTenantId: cut(note?.partnerTenantId ?? caller?.partner.tenantId)?.toLowerCase() ?? null,
    principalId: cut(note?.principalId ?? (caller?.appOnly ? caller.clientId : caller?.objectId) ?? customerCaller?.objectId)?.toLowerCase() ?? null,
    principalName: cut(note?.principalName ?? caller?.name ?? customerCaller?.name),
    principalKind: note?.principalKind ?? (caller ? (caller.appOnly ? 'app' : 'user') : customerCaller ? 'user' : null),
    customerTenantId: cut(note?.customerTenantId ?? customerInPath ?? customerCaller?.tenantId)?.toLowerCase() ?? null,
    reasons: (note?.reasons ?? []).map((reason) => reason.slice(0, 1000)),
    requestId: request.id,
    correlationId: cut(request.correlationId) || null,
  };
}
