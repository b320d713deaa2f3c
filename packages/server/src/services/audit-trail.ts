/**
 * The audit trail: events recorded on the request path go to memory, and a timer writes them to the
 * store in batches (one transaction each), so a call pays for an array push, not a write. Queries
 * write what is pending first, so a call is listed as soon as it was answered. Events older than the
 * retention are pruned as the clock passes each hour. A graceful stop writes what is pending; a crash
 * loses at most one flush interval.
 */
import { auditOutcome, auditSubjectText, type AuditEvent, type AuditQuery, type AuditSubject, type StoredAuditEvent } from '../domain/audit.js';
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

/** Subjects remembered for sharing; past this the map starts again (a new subject costs one allocation). */
const SUBJECTS_KEPT = 10_000;

export class AuditTrail {
  private pending: AuditEvent[] = [];
  private writing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private lastPruneAt: number | undefined;
  private flushesSinceCap = 0;
  /** Set while writes fail: when the outage began and how many events were dropped since. */
  private outage: { since: number; dropped: number } | undefined;
  private readonly maxPending: number;

  constructor(private readonly options: AuditTrailOptions) {
    if (!(options.retentionDays >= 1)) throw new Error('the audit trail needs a retention of at least one day');
    this.maxPending = options.maxPending ?? 100_000;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 200);
    this.timer.unref();
  }

  /**
   * Events waiting for the store hold a shared subject, not a copy: what stays in memory until the
   * next flush is four fields per call (cheap for the garbage collector under load).
   */
  private readonly subjects = new Map<string, AuditSubject>();

  record(record: AuditRecord): void {
    const { requestId, correlationId, ...fields } = record;
    const candidate: AuditSubject = { ...fields, outcome: auditOutcome(record.status) };
    const text = auditSubjectText(candidate);
    let subject = this.subjects.get(text);
    if (!subject) {
      if (this.subjects.size >= SUBJECTS_KEPT) this.subjects.clear();
      this.subjects.set(text, (subject = candidate));
    }
    const event: AuditEvent = { at: this.options.clock.now(), subject, requestId, correlationId };
    if (this.pending.length >= this.maxPending) {
      this.pending.shift();
      if (this.outage) this.outage.dropped++;
    }
    this.pending.push(event);
  }

  /** Writes pending events now (after any write under way). Never throws: a failed write keeps them pending. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.pending.length === 0) return this.pruneIfDue();
    const batch = this.pending;
    this.pending = [];
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

  private async write(batch: AuditEvent[]): Promise<void> {
    try {
      await this.options.store.appendAudit(batch);
    } catch (error) {
      // Kept for the next flush, ahead of newer events, within the bound.
      this.pending = batch.concat(this.pending).slice(-this.maxPending);
      if (!this.outage) {
        this.outage = { since: this.options.clock.now(), dropped: 0 };
        this.options.log.warn({ err: error, pending: this.pending.length }, 'audit trail: the store does not take events; they are held in memory until it does');
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
      if (this.lastPruneAt === undefined || now - this.lastPruneAt >= HOUR_MS || now < this.lastPruneAt) {
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
