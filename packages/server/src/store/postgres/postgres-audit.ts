/**
 * The audit trail on PostgreSQL: each batch in one transaction on one client; its new subjects
 * upserted in one statement, its events in another (arrays unnested).
 */
import type pg from 'pg';
import type { AuditEvent, AuditQuery, StoredAuditEvent } from '../../domain/audit.js';
import { AUDIT_SQL, auditQuerySql, SUBJECT_COLUMNS, subjectKey, subjectText, subjectValues, SUBJECT_CACHE_LIMIT, toStoredAuditEvent, type AuditPruning } from '../audit-sql.js';
import { numbered } from '../gdap-sql.js';
import type { Row } from '../rows.js';

const SUBJECT_TYPES: Record<(typeof SUBJECT_COLUMNS)[number], string> = {
  surface: 'text', operation: 'text', status: 'int', outcome: 'text', code: 'text', partner_tenant_id: 'text', principal_id: 'text',
  principal_name: 'text', principal_kind: 'text', customer_tenant_id: 'text', reasons: 'text',
};

const UPSERT_SUBJECTS = `INSERT INTO audit_subjects (key, ${SUBJECT_COLUMNS.join(', ')})
  SELECT * FROM unnest($1::text[], ${SUBJECT_COLUMNS.map((column, index) => `$${index + 2}::${SUBJECT_TYPES[column]}[]`).join(', ')})
  ON CONFLICT (key) DO NOTHING`;
const SUBJECT_IDS = 'SELECT id, key FROM audit_subjects WHERE key = ANY($1::text[])';
/** Only events whose subject still exists (another process may have removed it as unused); the others are retried. */
const INSERT_EVENTS = `INSERT INTO audit_events (at, subject_id, request_id, correlation_id)
  SELECT u.at, u.subject_id, u.request_id, u.correlation_id
  FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS u(at, subject_id, request_id, correlation_id, ord)
  WHERE EXISTS (SELECT 1 FROM audit_subjects s WHERE s.id = u.subject_id)
  ORDER BY u.ord
  RETURNING request_id`;
// ORDER BY: ids are given in the order rows come, and the semi-join may reorder them; events keep the batch's order.

export class PostgresAudit {
  private readonly subjectIds = new Map<string, number>();

  /** @param checkOut a pooled client that survives losing its connection (the store's). */
  constructor(private readonly pool: pg.Pool, private readonly checkOut: () => Promise<pg.PoolClient>) {}

  async append(events: AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    const client = await this.checkOut();
    let failed: unknown;
    try {
      await client.query('BEGIN');
      const texts = events.map(subjectText);
      let pending = events.map((event, index) => ({ event, text: texts[index]! }));
      // Twice at most: a second pass after forgetting subjects another process removed.
      for (let pass = 0; pass < 2 && pending.length > 0; pass++) {
        await this.internAll(client, pending);
        const inserted = await client.query<{ request_id: string }>(INSERT_EVENTS, [
          pending.map(({ event }) => event.at), pending.map(({ text }) => this.subjectIds.get(text)),
          pending.map(({ event }) => event.requestId), pending.map(({ event }) => event.correlationId),
        ]);
        if ((inserted.rowCount ?? 0) === pending.length) break;
        const done = new Set(inserted.rows.map((row) => row.request_id));
        pending = pending.filter(({ event }) => !done.has(event.requestId));
        for (const { text } of pending) this.subjectIds.delete(text);
      }
      await client.query('COMMIT');
    } catch (error) {
      failed = error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      // A client whose connection failed is not reused.
      client.release(failed instanceof Error ? failed : undefined);
    }
  }

  private async internAll(client: pg.PoolClient, pending: { event: AuditEvent; text: string }[]): Promise<void> {
    const missing = new Map<string, AuditEvent>();
    for (const { event, text } of pending) if (!this.subjectIds.has(text)) missing.set(text, event);
    if (missing.size === 0) return;
    const byKey = new Map([...missing.keys()].map((text) => [subjectKey(text), text]));
    const columns: unknown[][] = [[...byKey.keys()], ...SUBJECT_COLUMNS.map(() => [] as unknown[])];
    for (const event of missing.values()) subjectValues(event).forEach((value, index) => columns[index + 1]!.push(value));
    await client.query(UPSERT_SUBJECTS, columns);
    const found = await client.query<{ id: string; key: string }>(SUBJECT_IDS, [[...byKey.keys()]]);
    if (this.subjectIds.size + found.rows.length > SUBJECT_CACHE_LIMIT) this.subjectIds.clear();
    for (const row of found.rows) this.subjectIds.set(byKey.get(row.key)!, Number(row.id));
  }

  async query(query: AuditQuery): Promise<StoredAuditEvent[]> {
    const { sql, values } = auditQuerySql(query, { eventsFirst: false });
    return (await this.pool.query<Row>(numbered(sql), values)).rows.map(toStoredAuditEvent);
  }

  async prune(pruning: AuditPruning): Promise<number> {
    let deleted = 0;
    if (pruning.recordedBefore !== undefined) deleted += (await this.pool.query(numbered(AUDIT_SQL.pruneBefore), [pruning.recordedBefore])).rowCount ?? 0;
    if (pruning.keepNewest !== undefined) deleted += (await this.pool.query(numbered(AUDIT_SQL.pruneBeyond), [pruning.keepNewest])).rowCount ?? 0;
    if (pruning.compact) {
      await this.pool.query(AUDIT_SQL.pruneSubjects);
      this.subjectIds.clear();
    }
    return deleted;
  }
}
