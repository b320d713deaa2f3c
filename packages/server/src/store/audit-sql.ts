/**
 * The audit trail's statements, written once with `?` placeholders for both stores (PostgreSQL runs
 * them after `numbered()`): the filters of an AuditQuery become one WHERE clause.
 */
import type { AuditEvent, AuditQuery, StoredAuditEvent } from '../domain/audit.js';
import type { Row } from './rows.js';

export const AUDIT_COLUMNS = [
  'at', 'surface', 'operation', 'status', 'outcome', 'code', 'partner_tenant_id', 'principal_id', 'principal_name',
  'principal_kind', 'customer_tenant_id', 'reasons', 'request_id', 'correlation_id',
] as const;

export const AUDIT_INSERT_SQL = `INSERT INTO audit_events (${AUDIT_COLUMNS.join(', ')}) VALUES (${AUDIT_COLUMNS.map(() => '?').join(', ')})`;

export const AUDIT_PRUNE_SQL = 'DELETE FROM audit_events WHERE at < ?';

/** An event's values in AUDIT_COLUMNS order. */
export function auditValues(event: AuditEvent): unknown[] {
  return [
    event.at, event.surface, event.operation, event.status, event.outcome, event.code, event.partnerTenantId, event.principalId,
    event.principalName, event.principalKind, event.customerTenantId, event.reasons.length ? JSON.stringify(event.reasons) : null,
    event.requestId, event.correlationId,
  ];
}

export function auditQuerySql(query: AuditQuery): { sql: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (clause: string, ...bound: unknown[]) => {
    where.push(clause);
    values.push(...bound);
  };
  if (query.partnerTenantId !== undefined) add('partner_tenant_id = ?', query.partnerTenantId.toLowerCase());
  if (query.customerTenantId !== undefined) add('customer_tenant_id = ?', query.customerTenantId.toLowerCase());
  if (query.principal !== undefined) add('(principal_id = ? OR lower(principal_name) = ?)', query.principal.toLowerCase(), query.principal.toLowerCase());
  if (query.outcome !== undefined) add('outcome = ?', query.outcome);
  if (query.surface !== undefined) add('surface = ?', query.surface);
  if (query.from !== undefined) add('at >= ?', query.from);
  if (query.to !== undefined) add('at < ?', query.to);
  if (query.requestId !== undefined) add('(request_id = ? OR correlation_id = ?)', query.requestId, query.requestId);
  if (query.beforeId !== undefined) add('id < ?', query.beforeId);
  if (query.afterId !== undefined) add('id > ?', query.afterId);
  // Following the trail reads forward from a known id; otherwise the newest first.
  const order = query.afterId !== undefined ? 'ASC' : 'DESC';
  const sql = `SELECT id, ${AUDIT_COLUMNS.join(', ')} FROM audit_events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id ${order} LIMIT ?`;
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
