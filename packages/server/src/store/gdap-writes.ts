/**
 * The statements each Graph write runs, written once for both stores as a generator: it yields each
 * statement and receives its result, so SQLite drives it synchronously inside one transaction and
 * PostgreSQL asynchronously inside another. Rows only: the service decided the write is allowed.
 */
import type { GdapWrite, GdapWriteResult } from './gdap-rows.js';
import { assignmentValues, isoOrNullFromMs, relationshipValues } from './gdap-row-mapping.js';
import { GDAP_SQL as SQL } from './gdap-sql.js';
import type { Row } from './rows.js';

/** A statement to run: `rows` asks for the result rows, otherwise the count of changed rows is returned. */
export interface GdapStatement {
  sql: string;
  values: unknown[];
  rows?: true;
}
export type GdapStatementResult = { changes: number; rows: Row[] };
export type GdapWriteSteps = Generator<GdapStatement, GdapWriteResult, GdapStatementResult>;

function* notChanged(versionSql: string, values: unknown[]): GdapWriteSteps {
  const found = yield { sql: versionSql, values, rows: true };
  return found.rows.length === 0 ? 'missing' : 'stale';
}

export function* gdapWriteSteps(write: GdapWrite): GdapWriteSteps {
  switch (write.kind) {
    case 'insertRelationship': {
      const r = write.relationship;
      yield { sql: SQL.linkCustomer, values: [r.partnerTenantId, r.customerTenantId, r.customerDisplayName, false] };
      const [id, partner, customer, name, status, since, roles, duration, autoExtend, created, modified, activated, end] = relationshipValues(r);
      const inserted = yield {
        sql: SQL.insertRelationship,
        values: [id, partner, customer, name, status, since, roles, duration, autoExtend, created, modified, activated, end, created, activated, end],
      };
      return inserted.changes > 0 ? 'ok' : 'exists';
    }
    case 'updateRelationship': {
      const r = write.relationship;
      // A relationship moved to another customer (allowed while created) makes it the partner's customer too.
      yield { sql: SQL.linkCustomer, values: [r.partnerTenantId, r.customerTenantId, r.customerDisplayName, false] };
      const activated = isoOrNullFromMs(r.activatedMs);
      const end = isoOrNullFromMs(r.endMs);
      const updated = yield {
        sql: SQL.updateRelationship,
        values: [
          r.customerTenantId, r.displayName, r.status, isoOrNullFromMs(r.statusSinceMs), JSON.stringify(r.roleIds), r.duration, r.autoExtendDuration,
          isoOrNullFromMs(r.lastModifiedMs), activated, end, activated, end, r.id, r.partnerTenantId, write.expectedVersion,
        ],
      };
      if (updated.changes === 0) return yield* notChanged(SQL.relationshipVersion, [r.id, r.partnerTenantId]);
      const request = write.request;
      if (request) {
        yield {
          sql: SQL.insertRequest,
          values: [request.id, request.relationshipId, request.action, request.status, isoOrNullFromMs(request.createdMs), isoOrNullFromMs(request.lastModifiedMs)],
        };
      }
      return 'ok';
    }
    case 'deleteRelationship': {
      const found = yield { sql: SQL.relationshipVersion, values: [write.id, write.partnerTenantId], rows: true };
      if (found.rows.length === 0) return 'missing';
      if (Number(found.rows[0]!.version) !== write.expectedVersion) return 'stale';
      yield { sql: SQL.deleteRelationshipRequests, values: [write.id] };
      yield { sql: SQL.deleteRelationshipAssignments, values: [write.id] };
      const deleted = yield { sql: SQL.deleteRelationship, values: [write.id, write.partnerTenantId, write.expectedVersion] };
      return deleted.changes > 0 ? 'ok' : 'stale';
    }
    case 'insertAssignment': {
      const inserted = yield { sql: SQL.insertAssignment, values: assignmentValues(write.assignment) };
      return inserted.changes > 0 ? 'ok' : 'exists';
    }
    case 'updateAssignment': {
      const a = write.assignment;
      const updated = yield {
        sql: SQL.updateAssignment,
        values: [a.status, isoOrNullFromMs(a.statusSinceMs), JSON.stringify(a.roleIds), isoOrNullFromMs(a.lastModifiedMs), a.id, a.relationshipId, write.expectedVersion],
      };
      if (updated.changes === 0) return yield* notChanged(SQL.assignmentVersion, [a.id, a.relationshipId]);
      return 'ok';
    }
    case 'insertGroup': {
      const g = write.group;
      const inserted = yield { sql: SQL.insertGroup, values: [g.groupId, g.tenantId, g.displayName, g.agentRole, g.description, g.mailNickname, isoOrNullFromMs(g.createdMs)] };
      return inserted.changes > 0 ? 'ok' : 'exists';
    }
    case 'addGroupMember': {
      const group = yield { sql: SQL.groupExists, values: [write.member.groupId], rows: true };
      if (group.rows.length === 0) return 'missing';
      const added = yield { sql: SQL.addMember, values: [write.member.groupId, write.member.memberId, write.member.kind] };
      return added.changes > 0 ? 'ok' : 'exists';
    }
    case 'removeGroupMember': {
      const removed = yield { sql: SQL.removeMember, values: [write.groupId, write.memberId] };
      return removed.changes > 0 ? 'ok' : 'missing';
    }
    case 'setEmulatorSetting':
      yield { sql: SQL.putEmulatorSetting, values: [write.name, JSON.stringify(write.value)] };
      return 'ok';
  }
}
