/**
 * The audit trail on SQLite. Appends go through a connection of their own with synchronous = NORMAL:
 * in WAL mode a commit then skips the fsync (still safe against a process crash; the newest batches
 * could be lost with the machine's power), so a batch costs the hot path microseconds per event, not
 * a disk flush. The serving connection (synchronous = FULL) keeps its own guarantees for data.
 */
import type Database from 'better-sqlite3';
import type { AuditEvent, AuditQuery, StoredAuditEvent } from '../../domain/audit.js';
import { AUDIT_SQL, auditQuerySql, subjectKey, subjectText, subjectValues, SUBJECT_CACHE_LIMIT, toStoredAuditEvent, type AuditPruning } from '../audit-sql.js';
import type { Row } from '../rows.js';

export class SqliteAudit {
  private readonly statements: { [name in keyof typeof AUDIT_SQL]: Database.Statement };
  private readonly appendAll: (events: AuditEvent[]) => void;
  private readonly queries = new Map<string, Database.Statement>();
  private readonly subjectIds = new Map<string, number>();

  /**
   * @param reader the serving connection (queries)
   * @param writer the connection appends and pruning run on (the reader itself for an in-memory database)
   */
  constructor(private readonly reader: Database.Database, writer: Database.Database) {
    this.statements = Object.fromEntries(Object.entries(AUDIT_SQL).map(([name, sql]) => [name, writer.prepare(sql)])) as SqliteAudit['statements'];
    this.appendAll = writer.transaction((events: AuditEvent[]) => {
      for (const event of events) {
        const text = subjectText(event);
        let id = this.subjectIds.get(text) ?? this.intern(text, event);
        if (this.statements.insertEvent.run(event.at, id, event.requestId, event.correlationId, id).changes === 0) {
          id = this.intern(text, event);
          this.statements.insertEvent.run(event.at, id, event.requestId, event.correlationId, id);
        }
      }
    });
  }

  private intern(text: string, event: AuditEvent): number {
    const key = subjectKey(text);
    this.statements.insertSubject.run(key, ...subjectValues(event));
    const id = (this.statements.subjectId.get(key) as { id: number }).id;
    if (this.subjectIds.size >= SUBJECT_CACHE_LIMIT) this.subjectIds.clear();
    this.subjectIds.set(text, id);
    return id;
  }

  append(events: AuditEvent[]): void {
    if (events.length > 0) this.appendAll(events);
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
    if (pruning.compact) {
      this.statements.pruneSubjects.run();
      this.subjectIds.clear();
    }
    return deleted;
  }
}
