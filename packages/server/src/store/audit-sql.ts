/**
 * The audit trail's statements, written once with `?` placeholders for both stores (PostgreSQL runs
 * them after `numbered()`); the few that differ by dialect live with their store. Events are packed
 * by batch (audit-batches.ts); their subjects are rows of their own.
 */
import { createHash } from 'node:crypto';
import { auditSubjectText, type AuditSubject } from '../domain/audit.js';

export const SUBJECT_COLUMNS = [
  'surface', 'operation', 'status', 'outcome', 'code', 'partner_tenant_id', 'principal_id', 'principal_name', 'principal_kind',
  'customer_tenant_id', 'reasons',
] as const;

const BATCH_COLUMNS = 'id, min_at, max_at, count, events, subject_ids, odd_ids';

export const AUDIT_SQL = {
  insertSubject: `INSERT INTO audit_subjects (key, ${SUBJECT_COLUMNS.join(', ')}) VALUES (?, ${SUBJECT_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (key) DO NOTHING`,
  subjectId: 'SELECT id FROM audit_subjects WHERE key = ?',
  insertBatch: 'INSERT INTO audit_batches (min_at, max_at, count, events, subject_ids, odd_ids) VALUES (?, ?, ?, ?, ?, ?)',
  batchesBefore: `SELECT ${BATCH_COLUMNS} FROM audit_batches WHERE id < ? ORDER BY id DESC LIMIT ?`,
  batchesAfter: `SELECT ${BATCH_COLUMNS} FROM audit_batches WHERE id > ? ORDER BY id ASC LIMIT ?`,
  batchById: `SELECT ${BATCH_COLUMNS} FROM audit_batches WHERE id = ?`,
  batchMeta: 'SELECT id, min_at, max_at, count FROM audit_batches',
  updateBatch: 'UPDATE audit_batches SET min_at = ?, max_at = ?, count = ?, events = ?, subject_ids = ?, odd_ids = ? WHERE id = ?',
  deleteBatch: 'DELETE FROM audit_batches WHERE id = ?',
  usedSubjects: 'SELECT subject_ids FROM audit_batches',
  generation: 'SELECT value FROM audit_generation WHERE id = 1',
  bumpGeneration: 'UPDATE audit_generation SET value = value + 1 WHERE id = 1',
} as const;

/** A subject's values in SUBJECT_COLUMNS order. */
export function subjectValues(subject: AuditSubject): unknown[] {
  return [
    subject.surface, subject.operation, subject.status, subject.outcome, subject.code, subject.partnerTenantId, subject.principalId,
    subject.principalName, subject.principalKind, subject.customerTenantId, subject.reasons.length ? JSON.stringify(subject.reasons) : null,
  ];
}

/** The unique key a store gives a subject: a hash of every field. */
export function subjectKey(subject: AuditSubject): string {
  return createHash('sha256').update(auditSubjectText(subject)).digest('base64url');
}

/** What pruning removes: events recorded before an instant, events beyond the newest N, and (compact) subjects no event uses. */
export interface AuditPruning {
  recordedBefore?: number;
  keepNewest?: number;
  /**
   * With keepNewest alone: delete whole batches only, keeping the one that holds the limit (so up to a
   * batch more than keepNewest). Cheap enough to run at every flush: trimming a batch rewrites it.
   */
  wholeBatches?: boolean;
  compact?: boolean;
}

/**
 * The ids a store gave subjects, per subject object (the trail shares one object among the events of
 * a subject): valid while the generation read in the same write transaction is the one they were
 * learnt in, since a compaction may have removed subjects since.
 */
export class SubjectIds {
  private ids = new WeakMap<AuditSubject, number>();
  private generation: number | undefined;

  /** Call in each append's transaction with the generation it read. */
  sync(generation: number): void {
    if (generation !== this.generation) {
      this.ids = new WeakMap();
      this.generation = generation;
    }
  }

  get(subject: AuditSubject): number | undefined {
    return this.ids.get(subject);
  }

  set(subject: AuditSubject, id: number): void {
    this.ids.set(subject, id);
  }
}
