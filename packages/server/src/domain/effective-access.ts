/**
 * Relationships and assignments as they stand at an instant: the stored base statuses carried
 * forward by the clock (gdap-lifecycle.ts), before authorization reads them. Pure.
 */
import { effectiveAssignment, effectiveRelationship, type AutoExtendDuration, type StoredLifecycle, type TransitionDelays } from './gdap-lifecycle.js';
import type { AccessFacts, GdapRelationship, RelationshipStatus } from './model.js';

/** A stored relationship's lifecycle fields, whatever layer read them. */
export interface LifecycleRow {
  status: RelationshipStatus;
  statusSinceMs: number | null;
  createdMs: number;
  activatedMs: number | null;
  endMs: number | null;
  duration: string;
  autoExtendDuration: string;
  roleIds: readonly string[];
}

/** Seeded rows carry no status_since: their status holds as of their own dates. */
export function storedLifecycle(row: LifecycleRow): StoredLifecycle {
  return {
    status: row.status,
    statusSince: row.statusSinceMs ?? row.activatedMs ?? row.createdMs,
    createdAt: row.createdMs,
    activatedAt: row.activatedMs,
    endAt: row.endMs,
    duration: row.duration,
    autoExtendDuration: row.autoExtendDuration as AutoExtendDuration,
    roleIds: row.roleIds,
  };
}

const earliest = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));

function effectiveGdapRelationship(relationship: GdapRelationship, now: number, delays: TransitionDelays): { relationship: GdapRelationship; nextChangeAt: number | null } {
  const facts = relationship.lifecycle;
  if (!facts) return { relationship, nextChangeAt: null };
  const stored = storedLifecycle({
    status: relationship.status, statusSinceMs: facts.statusSinceMs, createdMs: facts.createdMs, activatedMs: facts.activatedMs,
    endMs: relationship.endDateTime === null ? null : Date.parse(relationship.endDateTime), duration: facts.duration,
    autoExtendDuration: facts.autoExtendDuration, roleIds: relationship.roleIds,
  });
  const effective = effectiveRelationship(stored, now, delays);
  let nextChangeAt = effective.nextChangeAt;
  const accessAssignments = relationship.accessAssignments.map((assignment) => {
    const current = effectiveAssignment({ status: assignment.status, statusSince: assignment.statusSinceMs ?? stored.statusSince }, now, delays);
    nextChangeAt = earliest(nextChangeAt, current.nextChangeAt);
    return { ...assignment, status: current.status };
  });
  return {
    relationship: { ...relationship, status: effective.status, endDateTime: effective.endAt === null ? null : new Date(effective.endAt).toISOString(), accessAssignments },
    nextChangeAt,
  };
}

/** The facts with every relationship's status as of `now`, and the next instant any of them changes (null: never). */
export function effectiveAccessFacts(facts: AccessFacts, now: number, delays: TransitionDelays): { facts: AccessFacts; nextChangeAt: number | null } {
  let nextChangeAt: number | null = null;
  const relationships = facts.relationships.map((relationship) => {
    const current = effectiveGdapRelationship(relationship, now, delays);
    nextChangeAt = earliest(nextChangeAt, current.nextChangeAt);
    return current.relationship;
  });
  return { facts: { ...facts, relationships }, nextChangeAt };
}
