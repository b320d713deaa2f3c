/**
 * How the surfaces feed the audit trail: an onResponse hook per audited route or scope turns the
 * answered request into an AuditRecord. What only the route or the error sender knows (a refusal's
 * catalog code and reasons, a token's subject, the customer a write touched) is noted on the request
 * as it goes.
 */
import type { FastifyInstance, FastifyRequest, onResponseHookHandler } from 'fastify';
import type { ApiError } from '../partner-center/errors/api-error.js';
import type { AuditSubject, AuditSurface } from '../../domain/audit.js';
import type { Caller } from '../../domain/model.js';
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
/** A token request's grant type as the trail names it: at most 80 characters, and only if it is one value. */
export function grantTypeOf(body: unknown): string {
  const grantType = (body as { grant_type?: unknown } | undefined)?.grant_type;
  return typeof grantType === 'string' ? grantType.slice(0, 80) : '(no grant_type)';
}

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
 * `answer` is the answer given (a denial's comes with its error). A cached answer is one object per
 * (partner, caller, customer), so the subject its last call was recorded under is kept on it: a call
 * that repeats it with the same caller, method and status reuses that subject without building a
 * record or looking it up (most calls of a busy client; the key fixes the customer).
 */
export function makePartnerCenterRecorder(trail: AuditTrail): PartnerCenterRecorder {
  return (request, status, error, answer) => {
    // Only the organization route has this parameter (cheaper to ask than request.routeOptions, built per access).
    const customer = (request.params as { customerTenantId?: unknown } | undefined)?.customerTenantId;
    if (typeof customer !== 'string') return;
    const caller = request.caller;
    const operation = OPERATIONS[request.method] ?? `${request.method.slice(0, 20)} organization`;
    const correlationId = request.correlationId || null;
    const given = answer ?? error?.answer;
    const seen = given?.memo as RecordedUnder | undefined;
    if (seen !== undefined && seen.caller === caller && seen.operation === operation && seen.status === status) {
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
    if (given && caller) given.memo = { caller, operation, status, subject } satisfies RecordedUnder;
    trail.recordAs(subject, request.id, correlationId);
  };
}

/** What the recorder reads of a call: a Fastify request, or the repeat-call lane's own (repeat-call-lane.ts). */
export interface PartnerCenterCall {
  /** MS-RequestId. */
  id: string;
  method: string;
  correlationId: string;
  caller: Caller | null;
  params: unknown;
}

export type PartnerCenterRecorder = (call: PartnerCenterCall, status: number, error?: ApiError, answer?: { memo: unknown }) => void;

/** What an answer's last call was recorded under, and for whom. */
interface RecordedUnder {
  caller: object;
  operation: string;
  status: number;
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
