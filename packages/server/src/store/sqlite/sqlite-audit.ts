/**
 * The audit trail on SQLite. Appends go through a connection of their own with synchronous = NORMAL:
 * in WAL mode a commit then skips the fsync (still safe against a process crash; the newest batches
 * could be lost with the machine's power), so a batch costs the hot path microseconds per event, not
 * a disk flush. The serving connection (synchronous = FULL) keeps its own guarantees for data.
 */
import type Database from 'better-sqlite3';
import type { AuditEvent, AuditQuery, AuditSubject, StoredAuditEvent } from '../../domain/audit.js';
import { AUDIT_SQL, auditQuerySql, EVENTS_PER_INSERT, SubjectIds, subjectKey, subjectValues, toStoredAuditEvent, type AuditPruning } from '../audit-sql.js';
import type { Row } from '../rows.js';

export class SqliteAudit {
  private readonly statements: { [name in keyof typeof AUDIT_SQL]: Database.Statement };
  private readonly appendAll: Database.Transaction<(events: AuditEvent[]) => void>;
  private readonly compact: Database.Transaction<() => void>;
  private readonly queries = new Map<string, Database.Statement>();
  private readonly subjectIds = new SubjectIds();

  /**
   * @param reader the serving connection (queries)
   * @param writer the connection appends and pruning run on (the reader itself for an in-memory database)
   */
  constructor(private readonly reader: Database.Database, writer: Database.Database) {
    this.statements = Object.fromEntries(Object.entries(AUDIT_SQL).map(([name, sql]) => [name, writer.prepare(sql)])) as SqliteAudit['statements'];
    this.appendAll = writer.transaction((events: AuditEvent[]) => {
      this.subjectIds.sync((this.statements.generation.get() as { value: number }).value);
      const values: unknown[] = [];
      let index = 0;
      for (; index + EVENTS_PER_INSERT <= events.length; index += EVENTS_PER_INSERT) {
        values.length = 0;
        for (let at = index; at < index + EVENTS_PER_INSERT; at++) this.pushValues(values, events[at]!);
        this.statements.insertEvents.run(values);
      }
      for (; index < events.length; index++) {
        values.length = 0;
        this.pushValues(values, events[index]!);
        this.statements.insertEvent.run(values);
      }
    });
    this.compact = writer.transaction(() => {
      this.statements.pruneSubjects.run();
      this.statements.bumpGeneration.run();
    });
  }

  private pushValues(values: unknown[], event: AuditEvent): void {
    values.push(event.at, this.subjectIds.get(event.subject) ?? this.intern(event.subject), event.requestId, event.correlationId);
  }

  private intern(subject: AuditSubject): number {
    const key = subjectKey(subject);
    this.statements.insertSubject.run(key, ...subjectValues(subject));
    const id = (this.statements.subjectId.get(key) as { id: number }).id;
    this.subjectIds.set(subject, id);
    return id;
  }

  append(events: AuditEvent[]): void {
    // IMMEDIATE: the write lock before reading the generation, so no compaction slips in between.
    if (events.length > 0) this.appendAll.immediate(events);
  }

  query(query: AuditQuery): StoredAuditEvent[] {
    const { sql, values } = auditQuerySql(query, { eventsFirst: true });
    let statement = this.queries.get(sql);
    // At most one statement per combination of filters (a few hundred at most).
    if (!statement) this.queries.set(sql, (statement = this.reader.prepare(sql)));
    return (statement.all(values) as Row[]).map(toStoredAuditEvent);
  }

  prune(pruning: AuditPruning): number {
    let deleted = 0;
    if (pruning.recordedBefore !== undefined) deleted += this.statements.pruneBefore.run(pruning.recordedBefore).changes;
    if (pruning.keepNewest !== undefined) deleted += this.statements.pruneBeyond.run(pruning.keepNewest).changes;
    if (pruning.compact) this.compact.immediate();
    return deleted;
  }
}
