/**
 * The audit trail on PostgreSQL: each batch in one transaction on one client; its new subjects
 * upserted in one statement, its events in another (arrays unnested, in the batch's order).
 */
import type pg from 'pg';
import type { AuditEvent, AuditQuery, AuditSubject, StoredAuditEvent } from '../../domain/audit.js';
import { AUDIT_SQL, auditQuerySql, SUBJECT_COLUMNS, SubjectIds, subjectKey, subjectValues, toStoredAuditEvent, type AuditPruning } from '../audit-sql.js';
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
// ORDER BY: ids are given in the order rows come; events keep the batch's order.
const INSERT_EVENTS = `INSERT INTO audit_events (at, subject_id, request_id, correlation_id)
  SELECT u.at, u.subject_id, u.request_id, u.correlation_id
  FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) WITH ORDINALITY AS u(at, subject_id, request_id, correlation_id, ord)
  ORDER BY u.ord`;
/** Shared: appends run side by side; a compaction's UPDATE of the row waits for them, and they for it. */
const GENERATION_FOR_APPEND = `${AUDIT_SQL.generation} FOR SHARE`;

export class PostgresAudit {
  private readonly subjectIds = new SubjectIds();

  /** @param checkOut a pooled client that survives losing its connection (the store's). */
  constructor(private readonly pool: pg.Pool, private readonly checkOut: () => Promise<pg.PoolClient>) {}

  async append(events: AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.inTransaction(async (client) => {
      this.subjectIds.sync(Number((await client.query<{ value: string }>(GENERATION_FOR_APPEND)).rows[0]!.value));
      await this.internAll(client, events);
      await client.query(INSERT_EVENTS, [
        events.map((event) => event.at), events.map((event) => this.subjectIds.get(event.subject)),
        events.map((event) => event.requestId), events.map((event) => event.correlationId),
      ]);
    });
  }

  private async internAll(client: pg.PoolClient, events: AuditEvent[]): Promise<void> {
    const missing = new Map<string, AuditSubject[]>();
    for (const { subject } of events) {
      if (this.subjectIds.get(subject) !== undefined) continue;
      const key = subjectKey(subject);
      const same = missing.get(key);
      if (!same) missing.set(key, [subject]);
      else if (!same.includes(subject)) same.push(subject);
    }
    if (missing.size === 0) return;
    const columns: unknown[][] = [[...missing.keys()], ...SUBJECT_COLUMNS.map(() => [] as unknown[])];
    for (const [first] of missing.values()) subjectValues(first!).forEach((value, index) => columns[index + 1]!.push(value));
    await client.query(UPSERT_SUBJECTS, columns);
    const found = await client.query<{ id: string; key: string }>(SUBJECT_IDS, [[...missing.keys()]]);
    for (const row of found.rows) for (const subject of missing.get(row.key)!) this.subjectIds.set(subject, Number(row.id));
  }

  private async inTransaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.checkOut();
    let failed: unknown;
    try {
      await client.query('BEGIN');
      await work(client);
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

  async query(query: AuditQuery): Promise<StoredAuditEvent[]> {
    const { sql, values } = auditQuerySql(query, { eventsFirst: false });
    return (await this.pool.query<Row>(numbered(sql), values)).rows.map(toStoredAuditEvent);
  }

  async prune(pruning: AuditPruning): Promise<number> {
    let deleted = 0;
    if (pruning.recordedBefore !== undefined) deleted += (await this.pool.query(numbered(AUDIT_SQL.pruneBefore), [pruning.recordedBefore])).rowCount ?? 0;
    if (pruning.keepNewest !== undefined) deleted += (await this.pool.query(numbered(AUDIT_SQL.pruneBeyond), [pruning.keepNewest])).rowCount ?? 0;
    if (pruning.compact) {
      await this.inTransaction(async (client) => {
        // The generation's row first: appends under way finish before the subjects they use can go.
        await client.query(AUDIT_SQL.bumpGeneration);
        await client.query(AUDIT_SQL.pruneSubjects);
      });
    }
    return deleted;
  }
}
