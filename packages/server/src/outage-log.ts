/**
 * An outage of something pcapi depends on (the store, Redis) in two log lines: one warning when it
 * starts and one line when it ends, with how long it lasted and how many calls it failed meanwhile.
 * Never one line per failed call: under load that was thousands of warnings with stacks a second.
 */
import type { Clock } from './clock.js';

/** The part of a pino logger an outage is logged through. */
export interface OutageLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** A log line: its fields and its message. */
export interface OutageLine {
  fields: Record<string, unknown>;
  message: string;
}

/** The words of an outage's two lines. */
export interface OutageWords {
  /** The warning, given the failure that started the outage. */
  started(error: unknown): OutageLine;
  /** The closing line, given how many calls failed (the one that started it included) and how long it lasted. */
  ended(failedCalls: number, outageMs: number): OutageLine;
}

/** A failure's message alone, first line: a stack per outage says nothing the message does not. */
export function failureMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 500);
}

export class OutageLog {
  private since: number | undefined;
  private failedCalls = 0;

  constructor(private readonly logger: OutageLogger, private readonly clock: Clock, private readonly words: OutageWords) {}

  /** True from the first failure until recovered() is called. */
  get active(): boolean {
    return this.since !== undefined;
  }

  /**
   * A failure. The first of an outage logs the warning (with `fields`, e.g. the ids of the request that
   * met it); `call: false` for failures no caller saw (a reconnection attempt), which are not counted.
   */
  failed(error: unknown, { call = true, fields }: { call?: boolean; fields?: Record<string, unknown> } = {}): void {
    if (call) this.failedCalls++;
    if (this.since !== undefined) return;
    this.since = this.clock.now();
    const line = this.words.started(error);
    this.logger.warn({ ...line.fields, ...fields }, line.message);
  }

  /** The dependency answers again: the closing line, once. */
  recovered(): void {
    if (this.since === undefined) return;
    const outageMs = this.clock.now() - this.since;
    const failedCalls = this.failedCalls;
    this.since = undefined;
    this.failedCalls = 0;
    const line = this.words.ended(failedCalls, outageMs);
    this.logger.info({ ...line.fields, outageMs }, line.message);
  }
}
