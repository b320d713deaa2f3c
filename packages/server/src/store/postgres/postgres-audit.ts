/** The audit trail on PostgreSQL: a batch appended in one statement (arrays unnested), queries, pruning. */
import type pg from 'pg';
import type { AuditEvent, AuditQuery, StoredAuditEvent } from '../../domain/audit.js';
import { AUDIT_COLUMNS, AUDIT_PRUNE_SQL, auditQuerySql, auditValues, toStoredAuditEvent } from '../audit-sql.js';
import { numbered } from '../gdap-sql.js';
import type { Row } from '../rows.js';

const COLUMN_TYPES: Record<(typeof AUDIT_COLUMNS)[number], string> = {
  at: 'bigint', surface: 'text', operation: 'text', status: 'int', outcome: 'text', code: 'text', partner_tenant_id: 'text',
  principal_id: 'text', principal_name: 'text', principal_kind: 'text', customer_tenant_id: 'text', reasons: 'text',
  request_id: 'text', correlation_id: 'text',
};

const APPEND_SQL = `INSERT INTO audit_events (${AUDIT_COLUMNS.join(', ')})
  SELECT * FROM unnest(${AUDIT_COLUMNS.map((column, index) => `$${index + 1}::${COLUMN_TYPES[column]}[]`).join(', ')})`;

export async function appendAudit(pool: pg.Pool, events: AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  const columns: unknown[][] = AUDIT_COLUMNS.map(() => []);
  for (const event of events) auditValues(event).forEach((value, index) => columns[index]!.push(value));
  await pool.query({ name: 'pcapi_audit_append', text: APPEND_SQL, values: columns });
}

export async function queryAudit(pool: pg.Pool, query: AuditQuery): Promise<StoredAuditEvent[]> {
  const { sql, values } = auditQuerySql(query);
  return (await pool.query<Row>(numbered(sql), values)).rows.map(toStoredAuditEvent);
}

export async function pruneAudit(pool: pg.Pool, beforeMs: number): Promise<number> {
  return (await pool.query(numbered(AUDIT_PRUNE_SQL), [beforeMs])).rowCount ?? 0;
}
