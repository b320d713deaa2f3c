/**
 * GCRA in Redis, so every pcapi process and machine draws from one budget. One Lua script per call
 * (gcra-script.ts) makes check-and-consume atomic across the call's keys.
 *
 * Redis must never hang a request: commands time out quickly, nothing is queued while disconnected
 * (calls fail at once and `onRedisUnavailable` decides), and the client reconnects on its own.
 * An outage is logged once when it starts and once when it ends, not per request.
 */
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';

// Loaded on first use: a server without --redis never pays for loading the Redis client.
const requireOptional = createRequire(import.meta.url);
const loadRedis = () => (requireOptional('ioredis') as typeof import('ioredis')).Redis;
import { systemClock, type Clock } from '../clock.js';
import { GCRA_LUA } from './gcra-script.js';
import { gcraParams, keyName, limitedKeys, retryAfterSeconds, toMicroseconds } from './gcra.js';
import { MemoryThrottle } from './memory-throttle.js';
import {
  ThrottleUnavailableError,
  type RedisUnavailableMode, type Throttle, type ThrottleKey, type ThrottleLogger, type ThrottleResult,
} from './types.js';

export const DEFAULT_KEY_PREFIX = 'pcapi:throttle:';

export interface RedisThrottleOptions {
  /** redis://[user:password@]host:port[/db], or rediss:// for TLS. */
  url: string;
  /** Default 'pcapi:throttle:'. Keys are `<prefix><scope>:<id>`. */
  keyPrefix?: string;
  /** Default 'allow'. */
  onRedisUnavailable?: RedisUnavailableMode;
  /** Longest a call waits for Redis; default 200 ms. */
  timeoutMs?: number;
  logger?: ThrottleLogger;
  /** Bound of the per-process fallback in 'memory' mode. */
  maxMemoryEntries?: number;
  /** Cap of the reconnection backoff; default 1000 ms. */
  reconnectMaxDelayMs?: number;
  /**
   * Tests only: let consume()'s `now` replace Redis's clock. Off by default because processes on
   * different machines must agree on time, and only Redis's clock is shared.
   */
  useCallerClock?: boolean;
  /** Times outages for their log lines; the machine's clock by default. */
  clock?: Clock;
}

/** ioredis adds defineCommand() methods at run time; this is the one we define. */
interface WithGcraCommand {
  pcapiThrottleGcra(numberOfKeys: number, ...keysThenArgs: string[]): Promise<number[]>;
}

export class RedisThrottle implements Throttle {
  private readonly redis: Redis & WithGcraCommand;
  private readonly prefix: string;
  private readonly mode: RedisUnavailableMode;
  private readonly timeoutMs: number;
  private readonly logger: ThrottleLogger;
  private readonly useCallerClock: boolean;
  private readonly clock: Clock;
  private readonly fallback: MemoryThrottle | undefined;
  /** Settles at the first connection attempt's outcome, so calls made during start-up wait for it (briefly). */
  private readonly firstAttempt: Promise<void>;
  private firstAttemptSettled = false;
  private outageSince: number | undefined;
  private closing = false;

  constructor(options: RedisThrottleOptions) {
    this.prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.mode = options.onRedisUnavailable ?? 'allow';
    this.timeoutMs = options.timeoutMs ?? 200;
    this.logger = options.logger ?? consoleLogger;
    this.useCallerClock = options.useCallerClock ?? false;
    this.clock = options.clock ?? systemClock;
    this.fallback = this.mode === 'memory' ? new MemoryThrottle({ maxEntries: options.maxMemoryEntries }) : undefined;
    const reconnectMaxDelayMs = options.reconnectMaxDelayMs ?? 1000;

    const RedisClient = loadRedis();
    this.redis = new RedisClient(options.url, {
      commandTimeout: this.timeoutMs,
      connectTimeout: Math.max(1000, this.timeoutMs),
      // Fail at once instead of queueing while disconnected, and never resend a call that already
      // got its fallback answer.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, reconnectMaxDelayMs),
    }) as Redis & WithGcraCommand;
    this.redis.defineCommand('pcapiThrottleGcra', { lua: GCRA_LUA });

    let settle!: () => void;
    this.firstAttempt = new Promise<void>((resolve) => { settle = resolve; });
    const settleFirstAttempt = () => { this.firstAttemptSettled = true; settle(); };
    this.redis.on('ready', () => { settleFirstAttempt(); this.markUp(); });
    // Without an 'error' listener ioredis prints every failed reconnection attempt.
    this.redis.on('error', (error: Error) => { settleFirstAttempt(); this.markDown(error); });
    this.redis.on('close', () => { settleFirstAttempt(); if (!this.closing) this.markDown(new Error('connection closed')); });
  }

  /** False from the first failure until Redis answers again. */
  get available(): boolean {
    return this.outageSince === undefined;
  }

  async consume(keys: readonly ThrottleKey[], now?: number): Promise<ThrottleResult> {
    const limited = limitedKeys(keys);
    if (limited.length === 0) return { allowed: true };
    if (!this.firstAttemptSettled) await Promise.race([this.firstAttempt, delay(this.timeoutMs)]);

    const args: string[] = limited.map((key) => this.prefix + keyName(key));
    args.push(this.useCallerClock && now !== undefined ? String(toMicroseconds(now)) : '');
    for (const key of limited) {
      const { intervalUs, windowUs } = gcraParams(key.limit);
      args.push(String(intervalUs), String(windowUs));
    }
    let reply: number[];
    try {
      reply = await this.redis.pcapiThrottleGcra(limited.length, ...args);
    } catch (error) {
      return this.unavailable(error, limited, now);
    }
    this.markUp();
    if (reply[0] === 1) return { allowed: true };
    const key = limited[(reply[1] ?? 1) - 1] ?? limited[0]!;
    return { allowed: false, retryAfterSeconds: retryAfterSeconds(reply[2] ?? 1), key };
  }

  async close(): Promise<void> {
    this.closing = true;
    // disconnect(), not quit(): quit would wait for a Redis that may not be answering.
    this.redis.disconnect();
    await this.fallback?.close();
  }

  private unavailable(error: unknown, keys: ThrottleKey[], now: number | undefined): Promise<ThrottleResult> | ThrottleResult {
    this.markDown(error);
    // A timeout on a live connection means the connection is suspect: reconnect, so that later calls
    // fail at once (not ready) instead of each waiting out the timeout, until Redis answers the ready check.
    if (error instanceof Error && error.message === 'Command timed out' && this.redis.status === 'ready') this.redis.disconnect(true);
    if (this.mode === 'deny') throw new ThrottleUnavailableError(error);
    if (this.mode === 'memory') return this.fallback!.consume(keys, now);
    return { allowed: true };
  }

  private markDown(error: unknown): void {
    if (this.closing || this.outageSince !== undefined) return;
    this.outageSince = this.clock.now();
    this.logger.warn(
      { err: error instanceof Error ? error.message : String(error), redis: this.redis.options.host + ':' + this.redis.options.port, onRedisUnavailable: this.mode },
      `throttle: Redis is unavailable; calls are ${MODE_EFFECT[this.mode]} until it is back`,
    );
  }

  private markUp(): void {
    if (this.outageSince === undefined) return;
    const outageMs = this.clock.now() - this.outageSince;
    this.outageSince = undefined;
    this.logger.info({ outageMs, redis: this.redis.options.host + ':' + this.redis.options.port }, 'throttle: Redis is back; shared rate limiting resumed');
  }
}

const MODE_EFFECT: Record<RedisUnavailableMode, string> = {
  allow: 'served without rate limiting',
  deny: 'refused with 503',
  memory: 'rate limited per process',
};

const consoleLogger: ThrottleLogger = {
  warn: (obj, msg) => console.warn(msg, obj),
  info: (obj, msg) => console.info(msg, obj),
};

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
