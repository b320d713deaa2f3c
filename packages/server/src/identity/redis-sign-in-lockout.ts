/**
 * The sign-in lockout kept in Redis, so that every pcapi process counts an account's failures
 * together: lockoutStep() as one atomic Lua script per attempt, one hash per account with an expiry.
 *
 * Redis must never hang a sign-in: commands time out quickly and nothing is queued while
 * disconnected. While Redis cannot answer, each process counts in its own memory (a lockout that
 * still locks, per process, rather than none at all); the outage is logged once when it starts and
 * once when it ends.
 */
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import { assertValidLockoutSettings, FAILURES_REMEMBERED_MS, MemoryLockout, type LockoutSettings, type LockoutVerdict, type SignInLockout } from './sign-in-lockout.js';

// Loaded on first use: a server without --redis never pays for loading the Redis client.
const requireOptional = createRequire(import.meta.url);
const loadRedis = () => (requireOptional('ioredis') as typeof import('ioredis')).Redis;

export const DEFAULT_LOCKOUT_KEY_PREFIX = 'pcapi:lockout:';

/**
 * lockoutStep() in Lua. KEYS[1]: the account's hash. ARGV: now, threshold, duration and memory in ms.
 * Returns {1} when the attempt may be checked, {0, ms left of the lock} when it is refused. Times are
 * the server's clock (ARGV), not Redis's: the lock must follow the Clock the rest of pcapi follows.
 * string.format('%.0f') writes epoch milliseconds in full (tostring would round them).
 */
const ATTEMPT_LUA = `
local now = tonumber(ARGV[1])
local state = redis.call('HMGET', KEYS[1], 'attempts', 'lockedUntil', 'forgetAt')
local locked_until = tonumber(state[2]) or 0
if locked_until > now then return {0, locked_until - now} end
local attempts = tonumber(state[1]) or 0
if (tonumber(state[3]) or 0) <= now then attempts = 0 end
attempts = attempts + 1
if attempts >= tonumber(ARGV[2]) then locked_until = now + tonumber(ARGV[3]) else locked_until = 0 end
local forget_at = math.max(locked_until, now) + tonumber(ARGV[4])
redis.call('HSET', KEYS[1], 'attempts', attempts, 'lockedUntil', string.format('%.0f', locked_until), 'forgetAt', string.format('%.0f', forget_at))
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', forget_at - now))
return {1}
`;

/** The part of a pino logger the lockout uses. */
export interface LockoutLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface RedisLockoutOptions {
  url: string;
  /** Default 'pcapi:lockout:'. Keys are `<prefix><account>`. */
  keyPrefix?: string;
  /** Longest an attempt waits for Redis before counting in memory; default 200 ms. */
  timeoutMs?: number;
  logger: LockoutLogger;
  clock: Clock;
}

interface WithAttemptCommand {
  pcapiLockoutAttempt(key: string, now: string, threshold: string, durationMs: string, rememberMs: string): Promise<number[]>;
}

export class RedisLockout implements SignInLockout {
  private readonly redis: Redis & WithAttemptCommand;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly fallback: MemoryLockout;
  /** Settles at the first connection attempt's outcome, so attempts made during start-up wait for it (briefly). */
  private readonly firstAttempt: Promise<void>;
  private firstAttemptSettled = false;
  private outageSince: number | undefined;
  private closing = false;

  constructor(private readonly settings: LockoutSettings, private readonly options: RedisLockoutOptions) {
    assertValidLockoutSettings(settings);
    this.prefix = options.keyPrefix ?? DEFAULT_LOCKOUT_KEY_PREFIX;
    this.timeoutMs = options.timeoutMs ?? 200;
    this.fallback = new MemoryLockout(settings, options.clock);
    const RedisClient = loadRedis();
    this.redis = new RedisClient(options.url, {
      commandTimeout: this.timeoutMs,
      connectTimeout: Math.max(1000, this.timeoutMs),
      // Fail at once instead of queueing while disconnected; the fallback has answered already.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 1000),
    }) as Redis & WithAttemptCommand;
    this.redis.defineCommand('pcapiLockoutAttempt', { numberOfKeys: 1, lua: ATTEMPT_LUA });

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

  async attempt(account: string): Promise<LockoutVerdict> {
    if (!this.firstAttemptSettled) await Promise.race([this.firstAttempt, delay(this.timeoutMs)]);
    let reply: number[];
    try {
      reply = await this.redis.pcapiLockoutAttempt(
        this.prefix + account, String(this.options.clock.now()), String(this.settings.threshold),
        String(this.settings.durationSeconds * 1000), String(FAILURES_REMEMBERED_MS),
      );
    } catch (error) {
      this.unavailable(error);
      return this.fallback.attemptNow(account);
    }
    this.markUp();
    return reply[0] === 1 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((reply[1] ?? 1000) / 1000)) };
  }

  async succeeded(account: string): Promise<void> {
    await this.fallback.succeeded(account);
    try {
      await this.redis.del(this.prefix + account);
    } catch (error) {
      this.unavailable(error);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    // disconnect(), not quit(): quit would wait for a Redis that may not be answering.
    this.redis.disconnect();
    await this.fallback.close();
  }

  private unavailable(error: unknown): void {
    this.markDown(error);
    // A timeout on a live connection makes it suspect: reconnect, so later attempts fail at once
    // (not ready) instead of each waiting out the timeout, until Redis answers the ready check.
    if (error instanceof Error && error.message === 'Command timed out' && this.redis.status === 'ready') this.redis.disconnect(true);
  }

  private markDown(error: unknown): void {
    if (this.closing || this.outageSince !== undefined) return;
    this.outageSince = this.options.clock.now();
    this.options.logger.warn(
      { err: error instanceof Error ? error.message : String(error), redis: `${this.redis.options.host}:${this.redis.options.port}` },
      'sign-in lockout: Redis is unavailable; failed sign-ins are counted per process until it is back',
    );
  }

  private markUp(): void {
    if (this.outageSince === undefined) return;
    const outageMs = this.options.clock.now() - this.outageSince;
    this.outageSince = undefined;
    this.options.logger.info({ outageMs, redis: `${this.redis.options.host}:${this.redis.options.port}` }, 'sign-in lockout: Redis is back; failed sign-ins are counted together again');
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
