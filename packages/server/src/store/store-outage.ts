/**
 * A store outage (PostgreSQL down or unreachable) in two log lines instead of one warning with a
 * stack per 503: the first refused call logs a warning with its request ids; from then on, the store
 * is asked a cheap query every second (off the request path, in the background) and the first answer
 * logs the closing line with the count of calls refused meanwhile and how long it lasted.
 *
 * A probe, not the next successful call, ends the outage: successful calls do not pass any one place
 * (most are answered from the decision cache), and watching every answer would cost the hot path.
 */
import type { Clock } from '../clock.js';
import { failureMessage, OutageLog, type OutageLogger } from '../outage-log.js';
import type { Store } from './store.js';

export interface StoreOutageOptions {
  /** Asked during an outage; the first answer ends it. */
  store: Pick<Store, 'isEmpty'>;
  logger: OutageLogger;
  clock: Clock;
  /** Between probes; default 1000 ms. */
  probeIntervalMs?: number;
}

export class StoreOutage {
  private readonly outage: OutageLog;
  private readonly store: Pick<Store, 'isEmpty'>;
  private readonly probeIntervalMs: number;
  private probe: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: StoreOutageOptions) {
    this.store = options.store;
    this.probeIntervalMs = options.probeIntervalMs ?? 1000;
    this.outage = new OutageLog(options.logger, options.clock, {
      started: (error) => ({
        fields: { err: failureMessage(error) },
        message: 'the store is unavailable; calls that need it are answered 503 until it is back (logged once, with the count when it ends)',
      }),
      ended: (refusedCalls, outageMs) => ({
        fields: { refusedCalls },
        message: `the store is back after ${(outageMs / 1000).toFixed(1)} s; ${refusedCalls} calls were refused meanwhile`,
      }),
    });
  }

  get active(): boolean {
    return this.outage.active;
  }

  /** A call refused because the store is unavailable; `fields` (the request ids) go on the outage's first line. */
  refused(error: unknown, fields: Record<string, unknown>): void {
    if (this.closed) return;
    this.outage.failed(error, { fields });
    this.probe ??= setTimeout(() => void this.checkStore(), this.probeIntervalMs).unref();
  }

  /** Stops probing (the app is closing); an outage still open is not closed by a line. */
  close(): void {
    this.closed = true;
    clearTimeout(this.probe);
    this.probe = undefined;
  }

  private async checkStore(): Promise<void> {
    let answered = false;
    try {
      await this.store.isEmpty();
      answered = true;
    } catch {
      // Still down: probe again.
    }
    if (this.closed) return;
    if (answered) {
      this.probe = undefined;
      this.outage.recovered();
    } else {
      this.probe = setTimeout(() => void this.checkStore(), this.probeIntervalMs).unref();
    }
  }
}
