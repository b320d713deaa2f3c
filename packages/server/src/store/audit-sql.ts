/**
 * The audit trail's statements, written once with `?` placeholders for both stores (PostgreSQL runs
 * them after `numbered()`). An event is stored as a narrow row (time, request ids) pointing at its
 * subject: the who/what/outcome part, stored once however often calls repeat it (010-audit-trail).
 */
import { createHash } from 'node:crypto';
import type { AuditEvent, AuditQuery, StoredAuditEvent } from '../domain/audit.js';
import type { Row } from './rows.js';

export const SUBJECT_COLUMNS = [
  'surface', 'operation', 'status', 'outcome', 'code', 'partner_tenant_id', 'principal_id', 'principal_name', 'principal_kind',
  'customer_tenant_id', 'reasons',
] as const;

export const AUDIT_SQL = {
  insertSubject: `INSERT INTO audit_subjects (key, ${SUBJECT_COLUMNS.join(', ')}) VALUES (?, ${SUBJECT_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (key) DO NOTHING`,
  subjectId: 'SELECT id FROM audit_subjects WHERE key = ?',
  /** Only while its subject exists: another process may have removed it as unused since this one cached its id. */
  insertEvent: 'INSERT INTO audit_events (at, subject_id, request_id, correlation_id) SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM audit_subjects WHERE id = ?)',
  pruneBefore: 'DELETE FROM audit_events WHERE at < ?',
  /** Ids grow by one per event (gaps aside), so this keeps about the newest N. */
  pruneBeyond: 'DELETE FROM audit_events WHERE id <= (SELECT max(id) FROM audit_events) - ?',
  pruneSubjects: 'DELETE FROM audit_subjects WHERE id NOT IN (SELECT subject_id FROM audit_events)',
} as const;

/** An event's subject values in SUBJECT_COLUMNS order. */
export function subjectValues(event: AuditEvent): unknown[] {
  return [
    event.surface, event.operation, event.status, event.outcome, event.code, event.partnerTenantId, event.principalId, event.principalName,
    event.principalKind, event.customerTenantId, event.reasons.length ? JSON.stringify(event.reasons) : null,
  ];
}

/** What identifies a subject: its values, as a string the caches key on (the store keys on its hash). */
export function subjectText(event: AuditEvent): string {
  return `${event.surface}\u001f${event.operation}\u001f${event.status}\u001f${event.code}\u001f${event.partnerTenantId}\u001f${event.principalId}\u001f${event.principalName}\u001f${event.principalKind}\u001f${event.customerTenantId}\u001f${event.reasons.join('\u001e')}`;
}

export function subjectKey(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
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

/** Subject ids a store remembers per subject text; cleared when it grows past this (a new id costs one lookup). */
export const SUBJECT_CACHE_LIMIT = 50_000;
