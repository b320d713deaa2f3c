/** The audit trail on SQLite: a batch appended in one transaction, queries, pruning. */
import type Database from 'better-sqlite3';
import type { AuditEvent, AuditQuery, StoredAuditEvent } from '../../domain/audit.js';
import { AUDIT_INSERT_SQL, AUDIT_PRUNE_SQL, auditQuerySql, auditValues, toStoredAuditEvent } from '../audit-sql.js';
import type { Row } from '../rows.js';

export class SqliteAudit {
  private readonly insert: Database.Statement;
  private readonly prune: Database.Statement;
  private readonly appendAll: (events: AuditEvent[]) => void;
  private readonly queries = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(AUDIT_INSERT_SQL);
    this.prune = db.prepare(AUDIT_PRUNE_SQL);
    this.appendAll = db.transaction((events: AuditEvent[]) => {
      for (const event of events) this.insert.run(auditValues(event));
    });
  }

  append(events: AuditEvent[]): void {
    if (events.length > 0) this.appendAll(events);
  }

  query(query: AuditQuery): StoredAuditEvent[] {
    const { sql, values } = auditQuerySql(query);
    let statement = this.queries.get(sql);
    // At most one statement per combination of filters (a few hundred at most).
    if (!statement) this.queries.set(sql, (statement = this.db.prepare(sql)));
    return (statement.all(values) as Row[]).map(toStoredAuditEvent);
  }

  pruneBefore(beforeMs: number): number {
    return this.prune.run(beforeMs).changes;
  }
}
