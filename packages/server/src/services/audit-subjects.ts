/**
 * The subjects of recorded calls, shared: a call that repeats an earlier one's who/what/outcome gets
 * the same object. Looked up by principal and customer (strings the request already holds), then
 * compared field by field, so the common case builds no key string and hashes nothing long.
 */
import { auditOutcome, type AuditSubject } from '../domain/audit.js';
import type { SubjectRecord } from './audit-trail.js';

/** Subjects remembered (a load test's mix has about 10,000); past it, all are forgotten at once. */
const SUBJECTS_KEPT = 50_000;

export class AuditSubjects {
  private readonly byPrincipal = new Map<string, Map<string, AuditSubject[]>>();
  private size = 0;

  subjectOf(record: SubjectRecord): AuditSubject {
    const principal = record.principalId ?? '';
    const customer = record.customerTenantId ?? '';
    let byCustomer = this.byPrincipal.get(principal);
    const candidates = byCustomer?.get(customer);
    if (candidates) for (const subject of candidates) if (sameSubject(subject, record)) return subject;
    if (this.size >= SUBJECTS_KEPT) {
      this.byPrincipal.clear();
      this.size = 0;
      byCustomer = undefined;
    }
    const subject: AuditSubject = {
      surface: record.surface, operation: record.operation, status: record.status, outcome: auditOutcome(record.status), code: record.code,
      partnerTenantId: record.partnerTenantId, principalId: record.principalId, principalName: record.principalName,
      principalKind: record.principalKind, customerTenantId: record.customerTenantId, reasons: record.reasons,
    };
    if (!byCustomer) this.byPrincipal.set(principal, (byCustomer = new Map()));
    const list = byCustomer.get(customer);
    if (list) list.push(subject);
    else byCustomer.set(customer, [subject]);
    this.size++;
    return subject;
  }
}

function sameSubject(subject: AuditSubject, record: SubjectRecord): boolean {
  return subject.status === record.status && subject.code === record.code && subject.operation === record.operation
    && subject.surface === record.surface && subject.partnerTenantId === record.partnerTenantId && subject.principalName === record.principalName
    && subject.principalKind === record.principalKind && sameReasons(subject.reasons, record.reasons);
}

function sameReasons(a: string[], b: string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}
