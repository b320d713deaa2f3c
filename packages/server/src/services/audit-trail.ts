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


export class AuditTrail {
  private pending = new AuditEventColumns();
  /** Events the store did not take, written first at the next flush. */
  private retry: AuditEventColumns | undefined;
  private writing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private lastPruneAt: number;
  private flushesSinceCap = 0;
  /** Set while writes fail: when the outage began and how many events were dropped since. */
  private outage: { since: number; dropped: number } | undefined;
  private readonly maxPending: number;

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
    const subject = this.subjects.subjectOf(record);
    if (this.pending.length + (this.retry?.length ?? 0) >= this.maxPending) {
      // The store has not taken events for a while: the newest go (the held ones are in order).
      if (this.outage) this.outage.dropped++;
      return;
    }
    this.pending.push(this.options.clock.now(), subject, record.requestId, record.correlationId);
  }

  /** Writes pending events now (after any write under way). Never throws: a failed write keeps them pending. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.pending.length === 0 && !this.retry) return this.pruneIfDue();
    const taken = this.pending;
    // Sized for a flush like this one, so it rarely grows.
    this.pending = new AuditEventColumns(taken.length);
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
    if (this.outage) {
      this.options.log.info({ outageMs: this.options.clock.now() - this.outage.since, dropped: this.outage.dropped }, 'audit trail: the store takes events again');
      this.outage = undefined;
    }
    await this.pruneIfDue();
  }

  private async pruneIfDue(): Promise<void> {
    const now = this.options.clock.now();
    const keepNewest = this.options.maxEvents ?? DEFAULT_MAX_EVENTS;
    try {
      // By age every clock hour (and whenever the clock was moved back past the last pruning), with
      // what no event uses any more; by count every 50 flushes (10 s at the default interval).
      if (now - this.lastPruneAt >= HOUR_MS || now < this.lastPruneAt) {
        this.lastPruneAt = now;
        this.flushesSinceCap = 0;
        await this.options.store.pruneAudit({ recordedBefore: now - this.options.retentionDays * DAY_MS, keepNewest, compact: true });
      } else if (++this.flushesSinceCap >= 50) {
        this.flushesSinceCap = 0;
        await this.options.store.pruneAudit({ keepNewest });
      }
    } catch {
      // Retried later; an outage is reported by the writes.
    }
  }
}
