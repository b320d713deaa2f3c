/**
 * The audit trail: events recorded on the request path go to memory, and a timer writes them to the
 * store in batches (one transaction each), so a call pays for a few stores into typed arrays, not a
 * write; the store copies the columns as they are held (audit-event-columns.ts). Queries
 * write what is pending first, so a call is listed as soon as it was answered. Events older than the
 * retention are pruned as the clock passes each hour. A graceful stop writes what is pending; a crash
 * loses at most one flush interval.
 */
import type { AuditQuery, AuditSubject, StoredAuditEvent } from '../domain/audit.js';
import { AuditEventColumns } from '../domain/audit-event-columns.js';
import { AuditSubjects } from './audit-subjects.js';
import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
export const DEFAULT_MAX_EVENTS = 1_000_000;

export interface AuditTrailOptions {
  store: Store;
  clock: Clock;
  /** Events are kept this many days (by the clock); at least 1. */
  retentionDays: number;
  /** How often pending events are written. */
  flushIntervalMs?: number;
  /** Events held while the store does not answer; beyond it the oldest are dropped (and counted). */
  maxPending?: number;
  /** The store keeps about this many events at most, the newest (a load test records thousands a second). */
  maxEvents?: number;
  log: { warn(details: object, message: string): void; info(details: object, message: string): void };
}

/** What a surface knows of a call when it has been answered; the trail adds the time and the outcome. */
export type AuditRecord = Omit<AuditSubject, 'outcome'> & { requestId: string; correlationId: string | null };

/** What makes a call's subject: its record without the call's own ids. */
export type SubjectRecord = Omit<AuditRecord, 'requestId' | 'correlationId'>;


export class AuditTrail {
  private pending = new AuditEventColumns();
  /** Written columns kept for reuse as the next pending ones. */
  private spare: AuditEventColumns | undefined;
  /** Events the store did not take, written first at the next flush. */
  private retry: AuditEventColumns | undefined;
  private writing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private lastPruneAt: number;
  /** Set while writes fail: when the outage began and how many events were dropped since. */
  private outage: { since: number; dropped: number } | undefined;
  private readonly maxPending: number;
  /** Callers waiting for the next event here (the console's live view, `waitMs`). */
  private readonly waiters = new Set<() => void>();
  /** Events this process has recorded (recordedCount). */
  private recorded = 0;

  constructor(private readonly options: AuditTrailOptions) {
    if (!(options.retentionDays >= 1)) throw new Error('the audit trail needs a retention of at least one day');
    this.maxPending = options.maxPending ?? 100_000;
    // The first pruning by age an hour (of the clock) from now: not in the first seconds of serving.
    this.lastPruneAt = options.clock.now();
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 200);
    this.timer.unref();
  }

  /** Events waiting for the store share their subject's object (audit-event-columns.ts keeps the rest off the heap). */
  private readonly subjects = new AuditSubjects();

  record(record: AuditRecord): void {
    this.recordAs(this.subjects.subjectOf(record), record.requestId, record.correlationId);
  }

  /** The subject this record would be recorded under: the one object shared by every call like it. */
  subjectOf(record: SubjectRecord): AuditSubject {
    return this.subjects.subjectOf(record);
  }

  /** Records a call whose subject the caller already holds (from `subjectOf`). */
  recordAs(subject: AuditSubject, requestId: string, correlationId: string | null): void {
    if (this.pending.length + (this.retry?.length ?? 0) >= this.maxPending) {
      // The store has not taken events for a while: the newest go (the held ones are in order).
      if (this.outage) this.outage.dropped++;
      return;
    }
    this.pending.push(this.options.clock.now(), subject, requestId, correlationId);
    this.recorded++;
    for (const wake of this.waiters) wake();
  }

  /** Events this process has recorded since it started: a mark for nextRecord. */
  get recordedCount(): number {
    return this.recorded;
  }

  /**
   * Resolves when this process records an event after the mark `since` (at once if it already has),
   * or when `signal` aborts (a timeout, the caller gone, the server stopping). Events other processes
   * record (a shared PostgreSQL store) wake no one.
   */
  nextRecord(signal: AbortSignal, since: number): Promise<void> {
    if (this.recorded !== since) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.waiters.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      if (signal.aborted) return resolve();
      this.waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  /** Writes pending events now (after any write under way). Never throws: a failed write keeps them pending. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.pending.length === 0 && !this.retry) return this.pruneIfDue(false);
    const taken = this.pending;
    // The columns of the last flush written, emptied; else sized for a flush like this one.
    this.pending = this.spare ?? new AuditEventColumns(taken.length);
    this.spare = undefined;
    const batch = this.retry ?? taken;
    if (this.retry) this.retry.append(taken);
    this.retry = undefined;
    this.writing = this.write(batch).finally(() => {
      this.writing = undefined;
    });
    await this.writing;
  }

  async query(query: AuditQuery): Promise<StoredAuditEvent[]> {
    await this.flush();
    return this.options.store.auditEvents(query);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(batch: AuditEventColumns): Promise<void> {
    try {
      await this.options.store.appendAudit(batch);
    } catch (error) {
      // Kept for the next flush, ahead of newer events.
      this.retry = batch;
      if (!this.outage) {
        this.outage = { since: this.options.clock.now(), dropped: 0 };
        this.options.log.warn({ err: error, pending: batch.length }, 'audit trail: the store does not take events; they are held in memory until it does');
      }
      return;
    }
    // The store has copied them: the next flush's pending events go here (no allocation per flush).
    batch.clear();
    this.spare = batch;
    if (this.outage) {
      this.options.log.info({ outageMs: this.options.clock.now() - this.outage.since, dropped: this.outage.dropped }, 'audit trail: the store takes events again');
      this.outage = undefined;
    }
    await this.pruneIfDue(true);
  }

  /** `wrote`: events were just written (only then can there be more than the store keeps). */
  private async pruneIfDue(wrote: boolean): Promise<void> {
    const now = this.options.clock.now();
    const keepNewest = this.options.maxEvents ?? DEFAULT_MAX_EVENTS;
    try {
      // By age every clock hour (and whenever the clock was moved back past the last pruning), with
      // what no event uses any more; by count at every flush, whole batches only: a flush then deletes
      // about what it wrote (at 20,000 calls a second, pruning every 10 s deleted 90 batches at once
      // and held the event loop for 108 ms).
      if (now - this.lastPruneAt >= HOUR_MS || now < this.lastPruneAt) {
        this.lastPruneAt = now;
        await this.options.store.pruneAudit({ recordedBefore: now - this.options.retentionDays * DAY_MS, keepNewest, compact: true });
      } else if (wrote) {
        await this.options.store.pruneAudit({ keepNewest, wholeBatches: true });
      }
    } catch {
      // Retried later; an outage is reported by the writes.
    }
  }
}
