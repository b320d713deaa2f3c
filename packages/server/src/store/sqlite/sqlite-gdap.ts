/**
 * The Graph surface's rows on SQLite, on the serving connection: reads, and writes each in one
 * IMMEDIATE transaction that also bumps the change counter other processes poll.
 */
import type Database from 'better-sqlite3';
import type { PrincipalCredential } from '../../domain/model.js';
import type { GdapWrite, GdapWriteResult, StoredAssignment, StoredGroup, StoredGroupMember, StoredRelationship, StoredRelationshipRequest } from '../gdap-rows.js';
import type { CustomerUser, RelationshipFilter } from '../store.js';
import { toCustomerUser, toStoredAssignment, toStoredGroup, toStoredGroupMember, toStoredRelationship, toStoredRequest } from '../gdap-row-mapping.js';
import { GDAP_SQL } from '../gdap-sql.js';
import { gdapWriteSteps, type GdapStatementResult } from '../gdap-writes.js';
import { toPrincipal, type Row } from '../rows.js';
import { CHANGE_COUNTER_SQL } from './sqlite-statements.js';

/** SQLite binds booleans as 0/1 only. */
const bindable = (values: unknown[]) => values.map((value) => (typeof value === 'boolean' ? Number(value) : value));

export class SqliteGdap {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  private statement(sql: string): Database.Statement {
    let prepared = this.statements.get(sql);
    if (!prepared) this.statements.set(sql, (prepared = this.db.prepare(sql)));
    return prepared;
  }

  private all(sql: string, ...values: unknown[]): Row[] {
    return this.statement(sql).all(...bindable(values)) as Row[];
  }

  relationships(partnerTenantId: string, filter: RelationshipFilter): StoredRelationship[] {
    const rows = filter.id !== undefined
      ? this.all(GDAP_SQL.relationship, partnerTenantId, filter.id).filter((row) => filter.customerTenantId === undefined || row.customer_tenant_id === filter.customerTenantId)
      : filter.customerTenantId !== undefined
        ? this.all(GDAP_SQL.relationshipsOfCustomer, partnerTenantId, filter.customerTenantId)
        : this.all(GDAP_SQL.relationships, partnerTenantId);
    return rows.map(toStoredRelationship);
  }

  assignments(relationshipId: string): StoredAssignment[] {
    return this.all(GDAP_SQL.assignments, relationshipId).map(toStoredAssignment);
  }

  requests(relationshipId: string): StoredRelationshipRequest[] {
    return this.all(GDAP_SQL.requests, relationshipId).map(toStoredRequest);
  }

  groups(tenantId: string): StoredGroup[] {
    return this.all(GDAP_SQL.groups, tenantId).map(toStoredGroup);
  }

  members(groupId: string): StoredGroupMember[] {
    return this.all(GDAP_SQL.members, groupId).map(toStoredGroupMember);
  }

  principals(tenantId: string): PrincipalCredential[] {
    return this.all(GDAP_SQL.principals, tenantId).map((row) => toPrincipal(row)!);
  }

  relationshipById(id: string): StoredRelationship | undefined {
    const [row] = this.all(GDAP_SQL.relationshipById, id);
    return row && toStoredRelationship(row);
  }

  customerUser(tenantId: string, userPrincipalName: string): CustomerUser | undefined {
    const [row] = this.all(GDAP_SQL.customerUser, tenantId, userPrincipalName.toLowerCase());
    return row && toCustomerUser(row);
  }

  setting(name: string): unknown {
    const [row] = this.all(GDAP_SQL.emulatorSetting, name);
    return row === undefined ? undefined : JSON.parse(row.value as string);
  }

  /**
   * Runs the write's statements in one transaction; a write that does not apply ('stale', 'exists',
   * …) is rolled back whole, and the change counter moves only when it landed.
   */
  write(write: GdapWrite): GdapWriteResult {
    try {
      this.db.transaction(() => {
        const steps = gdapWriteSteps(write);
        let next = steps.next();
        while (!next.done) {
          const { sql, values, rows } = next.value;
          const statement = this.statement(sql);
          const result: GdapStatementResult = rows
            ? { changes: 0, rows: statement.all(...bindable(values)) as Row[] }
            : { changes: statement.run(...bindable(values)).changes, rows: [] };
          next = steps.next(result);
        }
        if (next.value !== 'ok') throw new WriteNotApplied(next.value);
        this.statement(CHANGE_COUNTER_SQL.bump).run();
      }).immediate();
      return 'ok';
    } catch (error) {
      if (error instanceof WriteNotApplied) return error.result;
      // A row the write refers to (a group, a customer) is gone: the service read it before.
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'missing';
      throw error;
    }
  }
}

/** Thrown inside the transaction to roll it back. */
export class WriteNotApplied extends Error {
  constructor(readonly result: Exclude<GdapWriteResult, 'ok'>) {
    super(result);
  }
}
