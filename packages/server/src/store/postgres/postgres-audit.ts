/**
 * The audit trail on PostgreSQL (batches packed as in audit-batches.ts): each flush in one
 * transaction on one client, its new subjects upserted in one statement, each batch one row.
 */
import type pg from 'pg';
import type { AuditEventColumns } from '../../domain/audit-event-columns.js';
import type { AuditQuery, AuditSubject, StoredAuditEvent } from '../../domain/audit.js';
import { EVENTS_PER_BATCH, packColumns, packEvents, planPruning, queryAuditBatches, SUBJECT_SELECT, trimEvents, type AuditBatch, type AuditBatchRows } from '../audit-batches.js';
import { AUDIT_SQL, SUBJECT_COLUMNS, SubjectIds, subjectKey, subjectValues, type AuditPruning } from '../audit-sql.js';
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
/** Shared: appends run side by side; a compaction's UPDATE of the row waits for them, and they for it. */
const GENERATION_FOR_APPEND = `${AUDIT_SQL.generation} FOR SHARE`;
const SQL = Object.fromEntries(Object.entries(AUDIT_SQL).map(([name, sql]) => [name, numbered(sql)])) as Record<keyof typeof AUDIT_SQL, string>;

const toBatch = (row: Row): AuditBatch => ({
  id: Number(row.id), minAt: Number(row.min_at), maxAt: Number(row.max_at), count: Number(row.count),
  events: row.events as Buffer, subjectIds: row.subject_ids as string, oddIds: (row.odd_ids as string | null) ?? null,
});

export class PostgresAudit {
  private readonly subjectIds = new SubjectIds();

  /** @param pool the store's pool, whose clients survive losing their connection (postgres-store.ts). */
  constructor(private readonly pool: pg.Pool) {}

  async append(events: AuditEventColumns): Promise<void> {
    if (events.length === 0) return;
    await this.inTransaction(async (client) => {
      this.subjectIds.sync(Number((await client.query<{ value: string }>(GENERATION_FOR_APPEND)).rows[0]!.value));
      await this.internAll(client, events);
      for (let start = 0; start < events.length; start += EVENTS_PER_BATCH - 1) {
        const batch = packColumns(events, start, Math.min(events.length, start + EVENTS_PER_BATCH - 1), (subject) => this.subjectIds.get(subject)!);
        await client.query({ name: 'pcapi_audit_batch', text: SQL.insertBatch, values: [batch.minAt, batch.maxAt, batch.count, batch.events, batch.subjectIds, batch.oddIds] });
      }
    });
  }

  private async internAll(client: pg.PoolClient, events: AuditEventColumns): Promise<void> {
    const missing = new Map<string, AuditSubject[]>();
    for (let position = 0; position < events.length; position++) {
      const subject = events.subjects[position]!;
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

  private async inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let failed: unknown;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      failed = error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      // A client whose connection failed is not reused.
      client.release(failed instanceof Error ? failed : undefined);
    }
  }

  query(query: AuditQuery): Promise<StoredAuditEvent[]> {
    const rows: AuditBatchRows = {
      subjectIdsMatching: async (where, values) => {
        if (where.length === 0) return undefined;
        const found = await this.pool.query<{ id: string }>(numbered(`SELECT id FROM audit_subjects WHERE ${where.join(' AND ')}`), values);
        return new Set(found.rows.map((row) => Number(row.id)));
      },
      subjectsByIds: async (ids) => {
        const found = await this.pool.query<Row>(`SELECT ${SUBJECT_SELECT} FROM audit_subjects WHERE id = ANY($1::bigint[])`, [ids]);
        return new Map(found.rows.map((row) => [Number(row.id), row]));
      },
      batches: async (order, boundary, limit) => (await this.pool.query<Row>(order === 'DESC' ? SQL.batchesBefore : SQL.batchesAfter,
        [boundary ?? (order === 'DESC' ? Number.MAX_SAFE_INTEGER : 0), limit])).rows.map(toBatch),
    };
    return queryAuditBatches(rows, query);
  }

  prune(pruning: AuditPruning): Promise<number> {
    return this.inTransaction(async (client) => {
      // The generation's row first: appends under way finish before the subjects they use can go.
      if (pruning.compact) await client.query(AUDIT_SQL.bumpGeneration);
      let deleted = 0;
      if (pruning.recordedBefore !== undefined || pruning.keepNewest !== undefined) {
        const meta = (await client.query<Row>(SQL.batchMeta)).rows.map((row) => ({ id: Number(row.id), minAt: Number(row.min_at), maxAt: Number(row.max_at), count: Number(row.count) }));
        const counts = new Map(meta.map((batch) => [batch.id, batch.count]));
        const plan = planPruning(meta, pruning);
        if (plan.deleteIds.length) await client.query('DELETE FROM audit_batches WHERE id = ANY($1::bigint[])', [plan.deleteIds]);
        for (const id of plan.deleteIds) deleted += counts.get(id)!;
        for (const trim of plan.trims) {
          const kept = trimEvents(toBatch((await client.query<Row>(SQL.batchById, [trim.id])).rows[0]!), trim);
          deleted += counts.get(trim.id)! - kept.length;
          if (kept.length === 0) {
            await client.query(SQL.deleteBatch, [trim.id]);
            continue;
          }
          const batch = packEvents(kept);
          await client.query(SQL.updateBatch, [batch.minAt, batch.maxAt, batch.count, batch.events, batch.subjectIds, batch.oddIds, trim.id]);
        }
      }
      if (pruning.compact) {
        const used = new Set<number>();
        for (const row of (await client.query<{ subject_ids: string }>(SQL.usedSubjects)).rows) for (const id of JSON.parse(row.subject_ids) as number[]) used.add(id);
        await client.query('DELETE FROM audit_subjects WHERE NOT (id = ANY($1::bigint[]))', [[...used]]);
      }
      return deleted;
    });
  }
}
