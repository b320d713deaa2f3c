/**
 * The sign-in lockout kept in Redis, so that every pcapi process counts an account's failures
 * together: lockoutStep() as one atomic Lua script per attempt, one hash per account with an expiry.
 *
 * The connection (shared with the throttle) fails fast and logs outages once. While Redis cannot
 * answer, each process counts in its own memory: a lockout that still locks, per process, rather than
 * none at all.
 */
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import { SharedRedis, type SharedRedisOptions } from '../redis/shared-redis.js';
import { assertValidLockoutSettings, FAILURES_REMEMBERED_MS, MemoryLockout, type LockoutSettings, type LockoutVerdict, type SignInLockout } from './sign-in-lockout.js';

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

export interface RedisLockoutOptions {
  /** A connection shared with other users (not closed by the lockout), or a URL to open one of its own. */
  redis: SharedRedis | Omit<SharedRedisOptions, 'clock'>;
  /** Default 'pcapi:lockout:'. Keys are `<prefix><account>`. */
  keyPrefix?: string;
  clock: Clock;
}

interface WithAttemptCommand {
  pcapiLockoutAttempt(key: string, now: string, threshold: string, durationMs: string, rememberMs: string): Promise<number[]>;
}

export class RedisLockout implements SignInLockout {
  private readonly redis: SharedRedis;
  private readonly ownsConnection: boolean;
  private readonly prefix: string;
  private readonly fallback: MemoryLockout;

  constructor(private readonly settings: LockoutSettings, private readonly options: RedisLockoutOptions) {
    assertValidLockoutSettings(settings);
    this.ownsConnection = !(options.redis instanceof SharedRedis);
    this.redis = options.redis instanceof SharedRedis ? options.redis : new SharedRedis({ ...options.redis, clock: options.clock });
    this.prefix = options.keyPrefix ?? DEFAULT_LOCKOUT_KEY_PREFIX;
    this.fallback = new MemoryLockout(settings, options.clock);
    this.redis.client.defineCommand('pcapiLockoutAttempt', { numberOfKeys: 1, lua: ATTEMPT_LUA });
    this.redis.describeOutage({ whileDown: 'failed sign-ins are counted per process', whenBack: 'failed sign-ins are counted together again' });
  }

  /** False from the first failure until Redis answers again. */
  get available(): boolean {
    return this.redis.available;
  }

  ready(): Promise<void> {
    return this.redis.connected();
  }

  async attempt(account: string): Promise<LockoutVerdict> {
    let reply: number[];
    try {
      reply = await this.redis.run((client) => (client as Redis & WithAttemptCommand).pcapiLockoutAttempt(
        this.prefix + account, String(this.options.clock.now()), String(this.settings.threshold),
        String(this.settings.durationSeconds * 1000), String(FAILURES_REMEMBERED_MS),
      ));
    } catch {
      return this.fallback.attemptNow(account);
    }
    return reply[0] === 1 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((reply[1] ?? 1000) / 1000)) };
  }

  async succeeded(account: string): Promise<void> {
    await this.fallback.succeeded(account);
    await this.redis.run((client) => client.del(this.prefix + account)).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.ownsConnection) this.redis.close();
    await this.fallback.close();
  }
}
