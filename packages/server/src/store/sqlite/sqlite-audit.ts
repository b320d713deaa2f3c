/**
 * The audit trail on SQLite (batches packed as in audit-batches.ts), in a file of its own with a
 * connection of its own (an in-memory database keeps it in its own tables).
 */
import type Database from 'better-sqlite3';
import type { AuditEventColumns } from '../../domain/audit-event-columns.js';
import type { AuditQuery, AuditSubject, StoredAuditEvent } from '../../domain/audit.js';
import { EVENTS_PER_BATCH, packColumns, packEvents, planPruning, queryAuditBatches, SUBJECT_SELECT, trimEvents, type AuditBatch, type AuditBatchRows, type BatchMeta, type PackScratch } from '../audit-batches.js';
import { AUDIT_SQL, SubjectIds, subjectKey, subjectValues, type AuditPruning } from '../audit-sql.js';
import type { Row } from '../rows.js';
import { loadMigrations } from '../migrations.js';
import { openInWalMode, retryWhileBusy } from './open-wal.js';
import { StoreOpenError } from '../store.js';
import { prepareAll, type Statements } from './sqlite-statements.js';


/**
 * The audit file's schema: migration 010's tables (user_version 1), then migration 012's index
 * (user_version 2), which an in-memory database keeps in the data file. The trail lives in a file of
 * its own beside the data (`<database>-audit`): its writes then never grow the data file's WAL, which
 * every read of the serving connection would consult (measured: 4 points of throughput under load).
 */
const AUDIT_FILE_MIGRATIONS = [10, 12];
const auditFileMigration = (version: number) => loadMigrations('sqlite').find((migration) => migration.version === version)!.doSql;

export const auditFileOf = (databaseFile: string): string => `${databaseFile}-audit`;

/** Opens (creating when new) the audit file of a SQLite database file. */
export function openAuditFile(databaseFile: string): Database.Database {
  try {
    return openAuditFileNow(databaseFile);
  } catch (error) {
    // Named, since the data file beside it is fine: a damaged trail would otherwise look like a damaged store.
    throw new StoreOpenError(`cannot open the audit trail's SQLite file ${auditFileOf(databaseFile)}: ${(error as Error).message} (the data in ${databaseFile} is not affected; move the audit file aside to start a new trail)`);
  }
}

function openAuditFileNow(databaseFile: string): Database.Database {
  return retryWhileBusy(() => {
    const db = openInWalMode(auditFileOf(databaseFile), 10_000);
    try {
      createAuditSchema(db);
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  });
}

function createAuditSchema(db: Database.Database): void {
  // In WAL mode a commit then skips the fsync: safe against a process crash; the newest batches could
  // be lost with the machine's power. Checkpoints, which do wait for the disk, run in a worker
  // (audit-checkpointer.ts).
  db.pragma('synchronous = NORMAL');
  // One transaction for the check and the schema: processes opening a new file at once create it once.
  db.exec('BEGIN IMMEDIATE');
  try {
    // A file made by an older pcapi gets the steps it lacks; one made by a newer one is left as it is.
    const version = db.pragma('user_version', { simple: true }) as number;
    for (const [index, migration] of AUDIT_FILE_MIGRATIONS.entries()) {
      if (version > index) continue;
      db.exec(auditFileMigration(migration));
      db.pragma(`user_version = ${index + 1}`);
    }
    db.exec('COMMIT');
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
  }
}

const toBatch = (row: Row): AuditBatch => ({
  id: Number(row.id), minAt: Number(row.min_at), maxAt: Number(row.max_at), count: Number(row.count),
  events: row.events as Buffer, subjectIds: row.subject_ids as string, oddIds: (row.odd_ids as string | null) ?? null,
});

export class SqliteAudit {
  private readonly writes: Statements<typeof AUDIT_SQL>;
  private readonly reads: Statements<typeof AUDIT_SQL>;
  private readonly subjectIds = new SubjectIds();
  /** Packing memory reused by every append: the insert binds a copy of the batch. */
  private readonly packMemory: PackScratch = { memory: new ArrayBuffer(0) };
  private readonly appendAll: Database.Transaction<(events: AuditEventColumns) => void>;
  private readonly pruneAll: Database.Transaction<(pruning: AuditPruning) => number>;
  private readonly filtered = new Map<string, Database.Statement>();
  private readonly subjectsById: Database.Statement;

  /** @param reader and writer: the audit file's connection, or both the in-memory database's. */
  constructor(private readonly reader: Database.Database, private readonly writer: Database.Database) {
    this.writes = prepareAll(writer, AUDIT_SQL);
    this.reads = prepareAll(reader, AUDIT_SQL);
    this.subjectsById = reader.prepare(`SELECT ${SUBJECT_SELECT} FROM audit_subjects WHERE id IN (SELECT value FROM json_each(?))`);
    this.appendAll = writer.transaction((events: AuditEventColumns) => {
      this.subjectIds.sync((this.writes.generation.get() as { value: number }).value);
      for (let start = 0; start < events.length; start += EVENTS_PER_BATCH - 1) {
        const end = Math.min(events.length, start + EVENTS_PER_BATCH - 1);
        const batch = packColumns(events, start, end, (subject) => this.subjectIds.get(subject) ?? this.intern(subject), this.packMemory);
        this.writes.insertBatch.run(batch.minAt, batch.maxAt, batch.count, batch.events, batch.subjectIds, batch.oddIds);
      }
    });
    this.pruneAll = writer.transaction((pruning: AuditPruning) => this.pruneNow(pruning));
  }

  private intern(subject: AuditSubject): number {
    const key = subjectKey(subject);
    this.writes.insertSubject.run(key, ...subjectValues(subject));
    const id = (this.writes.subjectId.get(key) as { id: number }).id;
    this.subjectIds.set(subject, id);
    return id;
  }

  append(events: AuditEventColumns): void {
    // IMMEDIATE: the write lock before reading the generation, so no compaction slips in between.
    if (events.length > 0) this.appendAll.immediate(events);
  }

  query(query: AuditQuery): Promise<StoredAuditEvent[]> {
    const rows: AuditBatchRows = {
      subjectIdsMatching: async (where, values) => {
        if (where.length === 0) return undefined;
        const sql = `SELECT id FROM audit_subjects WHERE ${where.join(' AND ')}`;
        let statement = this.filtered.get(sql);
        // One statement per combination of filters (a few dozen at most).
        if (!statement) this.filtered.set(sql, (statement = this.reader.prepare(sql)));
        return new Set((statement.all(values) as { id: number }[]).map((row) => row.id));
      },
      subjectsByIds: async (ids) => {
        const found = this.subjectsById.all(JSON.stringify(ids)) as Row[];
        return new Map(found.map((row) => [Number(row.id), row]));
      },
      batches: async (order, boundary, limit) => (order === 'DESC'
        ? this.reads.batchesBefore.all(boundary ?? Number.MAX_SAFE_INTEGER, limit)
        : this.reads.batchesAfter.all(boundary ?? 0, limit)).map((row) => toBatch(row as Row)),
    };
    return queryAuditBatches(rows, query);
  }

  prune(pruning: AuditPruning): number {
    return this.pruneAll.immediate(pruning);
  }

  private pruneNow(pruning: AuditPruning): number {
    let deleted = 0;
    if (pruning.recordedBefore !== undefined || pruning.keepNewest !== undefined) {
      const meta = (this.writes.batchMeta.all() as Row[]).map((row): BatchMeta => ({ id: Number(row.id), minAt: Number(row.min_at), maxAt: Number(row.max_at), count: Number(row.count) }));
      const counts = new Map(meta.map((batch) => [batch.id, batch.count]));
      const plan = planPruning(meta, pruning);
      for (const id of plan.deleteIds) {
        this.writes.deleteBatch.run(id);
        deleted += counts.get(id)!;
      }
      for (const trim of plan.trims) {
        const kept = trimEvents(toBatch(this.writes.batchById.get(trim.id) as Row), trim);
        deleted += counts.get(trim.id)! - kept.length;
        if (kept.length === 0) {
          this.writes.deleteBatch.run(trim.id);
          continue;
        }
        const batch = packEvents(kept);
        this.writes.updateBatch.run(batch.minAt, batch.maxAt, batch.count, batch.events, batch.subjectIds, batch.oddIds, trim.id);
      }
    }
    if (pruning.compact) {
      const used = new Set<number>();
      for (const row of this.writes.usedSubjects.all() as { subject_ids: string }[]) for (const id of JSON.parse(row.subject_ids) as number[]) used.add(id);
      this.writer.prepare('DELETE FROM audit_subjects WHERE id NOT IN (SELECT value FROM json_each(?))').run(JSON.stringify([...used]));
      this.writes.bumpGeneration.run();
    }
    return deleted;
  }
}
