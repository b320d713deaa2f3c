/**
 * The audit trail's statements, written once with `?` placeholders for both stores (PostgreSQL runs
 * them after `numbered()`). An event is stored as a narrow row (time, request ids) pointing at its
 * subject: the who/what/outcome part, stored once however often calls repeat it (010-audit-trail).
 */
import { createHash } from 'node:crypto';
import { auditSubjectText, type AuditQuery, type AuditSubject, type StoredAuditEvent } from '../domain/audit.js';
import type { Row } from './rows.js';

export const SUBJECT_COLUMNS = [
  'surface', 'operation', 'status', 'outcome', 'code', 'partner_tenant_id', 'principal_id', 'principal_name', 'principal_kind',
  'customer_tenant_id', 'reasons',
] as const;

/** Rows per INSERT of events: one statement per hundred events is several times cheaper than one each. */
export const EVENTS_PER_INSERT = 100;

const eventRows = (count: number) => Array.from({ length: count }, () => '(?, ?, ?, ?)').join(', ');

export const AUDIT_SQL = {
  insertSubject: `INSERT INTO audit_subjects (key, ${SUBJECT_COLUMNS.join(', ')}) VALUES (?, ${SUBJECT_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (key) DO NOTHING`,
  subjectId: 'SELECT id FROM audit_subjects WHERE key = ?',
  insertEvent: `INSERT INTO audit_events (at, subject_id, request_id, correlation_id) VALUES ${eventRows(1)}`,
  insertEvents: `INSERT INTO audit_events (at, subject_id, request_id, correlation_id) VALUES ${eventRows(EVENTS_PER_INSERT)}`,
  generation: 'SELECT value FROM audit_generation WHERE id = 1',
  bumpGeneration: 'UPDATE audit_generation SET value = value + 1 WHERE id = 1',
  pruneBefore: 'DELETE FROM audit_events WHERE at < ?',
  /** Ids grow by one per event (gaps aside), so this keeps about the newest N. */
  pruneBeyond: 'DELETE FROM audit_events WHERE id <= (SELECT max(id) FROM audit_events) - ?',
  pruneSubjects: 'DELETE FROM audit_subjects WHERE id NOT IN (SELECT subject_id FROM audit_events)',
} as const;

/** A subject's values in SUBJECT_COLUMNS order. */
export function subjectValues(subject: AuditSubject): unknown[] {
  return [
    subject.surface, subject.operation, subject.status, subject.outcome, subject.code, subject.partnerTenantId, subject.principalId,
    subject.principalName, subject.principalKind, subject.customerTenantId, subject.reasons.length ? JSON.stringify(subject.reasons) : null,
  ];
}

/** The unique key a store gives a subject: a hash of every field. */
export function subjectKey(subject: AuditSubject): string {
  return createHash('sha256').update(auditSubjectText(subject)).digest('base64url');
}

/**
 * @param eventsFirst SQLite: read the events newest first and join each to its subject (CROSS JOIN
 *   fixes that order); PostgreSQL's planner chooses by itself.
 */
export function auditQuerySql(query: AuditQuery, options: { eventsFirst: boolean }): { sql: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (clause: string, ...bound: unknown[]) => {
    where.push(clause);
    values.push(...bound);
  };
  if (query.partnerTenantId !== undefined) add('s.partner_tenant_id = ?', query.partnerTenantId.toLowerCase());
  if (query.customerTenantId !== undefined) add('s.customer_tenant_id = ?', query.customerTenantId.toLowerCase());
  if (query.principal !== undefined) add('(s.principal_id = ? OR lower(s.principal_name) = ?)', query.principal.toLowerCase(), query.principal.toLowerCase());
  if (query.outcome !== undefined) add('s.outcome = ?', query.outcome);
  if (query.surface !== undefined) add('s.surface = ?', query.surface);
  if (query.from !== undefined) add('e.at >= ?', query.from);
  if (query.to !== undefined) add('e.at < ?', query.to);
  if (query.requestId !== undefined) add('(e.request_id = ? OR e.correlation_id = ?)', query.requestId, query.requestId);
  if (query.beforeId !== undefined) add('e.id < ?', query.beforeId);
  if (query.afterId !== undefined) add('e.id > ?', query.afterId);
  // Following the trail reads forward from a known id; otherwise the newest first.
  const order = query.afterId !== undefined ? 'ASC' : 'DESC';
  const from = options.eventsFirst ? 'audit_events e CROSS JOIN audit_subjects s ON s.id = e.subject_id' : 'audit_events e JOIN audit_subjects s ON s.id = e.subject_id';
  const sql = `SELECT e.id, e.at, e.request_id, e.correlation_id, ${SUBJECT_COLUMNS.map((column) => `s.${column}`).join(', ')}
    FROM ${from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY e.id ${order} LIMIT ?`;
  return { sql, values: [...values, query.limit] };
}

export function toStoredAuditEvent(row: Row): StoredAuditEvent {
  return {
    id: Number(row.id),
    at: Number(row.at),
    surface: row.surface as StoredAuditEvent['surface'],
    operation: row.operation as string,
    status: Number(row.status),
    outcome: row.outcome as StoredAuditEvent['outcome'],
    code: (row.code as string | null) ?? null,
    partnerTenantId: (row.partner_tenant_id as string | null) ?? null,
    principalId: (row.principal_id as string | null) ?? null,
    principalName: (row.principal_name as string | null) ?? null,
    principalKind: (row.principal_kind as StoredAuditEvent['principalKind']) ?? null,
    customerTenantId: (row.customer_tenant_id as string | null) ?? null,
    reasons: row.reasons ? (JSON.parse(row.reasons as string) as string[]) : [],
    requestId: row.request_id as string,
    correlationId: (row.correlation_id as string | null) ?? null,
  };
}

/** What pruning removes: events recorded before an instant, events beyond the newest N, and (compact) subjects no event uses. */
export interface AuditPruning {
  recordedBefore?: number;
  keepNewest?: number;
  compact?: boolean;
}


/**
 * The ids a store gave subjects, per subject object (the trail shares one object among the events of
 * a subject): valid while the generation read in the same write transaction is the one they were
 * learnt in, since a compaction may have removed subjects since.
 */
export class SubjectIds {
  private ids = new WeakMap<AuditSubject, number>();
  private generation: number | undefined;

  /** Call in each append's transaction with the generation it read. */
  sync(generation: number): void {
    if (generation !== this.generation) {
      this.ids = new WeakMap();
      this.generation = generation;
    }
  }

  get(subject: AuditSubject): number | undefined {
    return this.ids.get(subject);
  }

  set(subject: AuditSubject, id: number): void {
    this.ids.set(subject, id);
  }
}
