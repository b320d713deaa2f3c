/**
 * One Redis connection for the state every pcapi process must share (throttling, sign-in lockout).
 * Redis must never hang a request: commands time out quickly, nothing is queued while disconnected
 * (a command fails at once and its caller falls back), a connection that timed out is dropped and
 * re-established, and the client reconnects on its own. An outage is logged once when it starts and
 * once when it ends (with the count of commands that failed meanwhile), naming what it means for each
 * user of the connection, never once per request.
 */
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { systemClock, type Clock } from '../clock.js';
import { failureMessage, OutageLog, type OutageLogger } from '../outage-log.js';

export type { OutageLogger } from '../outage-log.js';

// Loaded on first use: a server without --redis never pays for loading the Redis client.
const requireOptional = createRequire(import.meta.url);
const loadRedis = () => (requireOptional('ioredis') as typeof import('ioredis')).Redis;

/** What an outage means to one user of the connection, in the words of its log lines. */
export interface OutageEffect {
  /** e.g. "calls are served without rate limiting" */
  whileDown: string;
  /** e.g. "shared rate limiting resumed" */
  whenBack: string;
  /** Fields added to the outage's warning. */
  fields?: Record<string, unknown>;
}

export interface SharedRedisOptions {
  /** redis://[user:password@]host:port[/db], or rediss:// for TLS. */
  url: string;
  /** Longest a command waits; default 200 ms. */
  timeoutMs?: number;
  /** Cap of the reconnection backoff; default 1000 ms. */
  reconnectMaxDelayMs?: number;
  logger?: OutageLogger;
  /** Times outages for their log lines. */
  clock?: Clock;
}

const consoleLogger: OutageLogger = {
  warn: (obj, msg) => console.warn(msg, obj),
  info: (obj, msg) => console.info(msg, obj),
};

export class SharedRedis {
  readonly client: Redis;
  readonly timeoutMs: number;
  /** Longest a connection attempt takes before ioredis gives it up. */
  private readonly connectTimeoutMs: number;
  private readonly outage: OutageLog;
  private readonly effects: OutageEffect[] = [];
  /** Settles at the first connection attempt's outcome, so commands sent during start-up wait for it (briefly). */
  private readonly firstAttempt: Promise<void>;
  private firstAttemptSettled = false;
  /** Settles when the connection is first ready. */
  private readonly firstReady: Promise<void>;
  private closing = false;

  constructor(options: SharedRedisOptions) {
    this.timeoutMs = options.timeoutMs ?? 200;
    this.connectTimeoutMs = Math.max(1000, this.timeoutMs);
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) throw new RangeError(`Redis timeout must be > 0 ms, got ${this.timeoutMs}`);
    this.outage = new OutageLog(options.logger ?? consoleLogger, options.clock ?? systemClock, {
      started: (error) => {
        const fields = Object.assign({}, ...this.effects.map((effect) => effect.fields ?? {})) as Record<string, unknown>;
        return {
          fields: { err: failureMessage(error), redis: this.address, ...fields },
          message: `Redis is unavailable; ${this.effects.map((effect) => effect.whileDown).join('; ') || 'shared state is not kept'} until it is back`,
        };
      },
      ended: (failedCommands, outageMs) => ({
        fields: { redis: this.address, failedCommands },
        message: `Redis is back; ${this.effects.map((effect) => effect.whenBack).join('; ') || 'shared state resumed'} (${failedCommands} commands failed over ${(outageMs / 1000).toFixed(1)} s and were answered by their fallback)`,
      }),
    });
    const reconnectMaxDelayMs = options.reconnectMaxDelayMs ?? 1000;
    const RedisClient = loadRedis();
    this.client = new RedisClient(options.url, {
      commandTimeout: this.timeoutMs,
      connectTimeout: this.connectTimeoutMs,
      // Fail at once instead of queueing while disconnected, and never resend a command whose caller
      // already got its fallback answer.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, reconnectMaxDelayMs),
    });
    let settle!: () => void;
    this.firstAttempt = new Promise<void>((resolve) => { settle = resolve; });
    const settleFirstAttempt = () => { this.firstAttemptSettled = true; settle(); };
    this.firstReady = new Promise<void>((resolve) => this.client.once('ready', () => resolve()));
    this.client.on('ready', () => { settleFirstAttempt(); this.markUp(); });
    // Without an 'error' listener ioredis prints every failed reconnection attempt.
    this.client.on('error', (error: Error) => { settleFirstAttempt(); this.markDown(error, false); });
    this.client.on('close', () => { settleFirstAttempt(); if (!this.closing) this.markDown(new Error('connection closed'), false); });
  }

  /**
   * Settles when the connection is first ready, or after the connect timeout if it is not by then
   * (Redis down: an outage, logged). An app waits for it before it serves (onReady), so its first calls
   * go to Redis rather than to the fallback: under load, or while Redis restarts, connecting can take
   * longer than the command timeout that bounds a call's own wait (run()).
   */
  async connected(): Promise<void> {
    if (this.client.status !== 'ready') await Promise.race([this.firstReady, delay(this.connectTimeoutMs)]);
  }

  /** Registers what an outage means to one more user of this connection. */
  describeOutage(effect: OutageEffect): void {
    this.effects.push(effect);
  }

  /** False from the first failure until Redis answers again. */
  get available(): boolean {
    return !this.outage.active;
  }

  /**
   * Runs a command. On failure the outage is recorded (and a connection that timed out is replaced,
   * so later commands fail at once instead of each waiting out the timeout) and the error rethrown:
   * the caller answers with its fallback.
   */
  async run<T>(command: (client: Redis) => Promise<T>): Promise<T> {
    if (!this.firstAttemptSettled) await Promise.race([this.firstAttempt, delay(this.timeoutMs)]);
    try {
      const result = await command(this.client);
      this.markUp();
      return result;
    } catch (error) {
      this.markDown(error, true);
      if (error instanceof Error && error.message === 'Command timed out' && this.client.status === 'ready') this.client.disconnect(true);
      throw error;
    }
  }

  close(): void {
    this.closing = true;
    // disconnect(), not quit(): quit would wait for a Redis that may not be answering.
    this.client.disconnect();
  }

  private get address(): string {
    return `${this.client.options.host}:${this.client.options.port}`;
  }

  /** @param command whether a caller's command failed (counted), or the connection alone (a reconnection attempt). */
  private markDown(error: unknown, command: boolean): void {
    if (this.closing) return;
    this.outage.failed(error, { call: command });
  }

  private markUp(): void {
    this.outage.recovered();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
