/** Builds the sign-in lockout from settings: off, in this process's memory, or shared through Redis. */
import type { Clock } from '../clock.js';
import type { OutageLogger, SharedRedis } from '../redis/shared-redis.js';
import { RedisLockout } from './redis-sign-in-lockout.js';
import { MemoryLockout, NoLockout, type LockoutSettings, type SignInLockout } from './sign-in-lockout.js';

export interface LockoutConfig extends LockoutSettings {
  /** Unset: each process counts alone. Set: every process using it counts together. */
  redisUrl?: string | undefined;
  /** Default 'pcapi:lockout:'. */
  keyPrefix?: string;
  /** Default 200 ms. */
  redisTimeoutMs?: number;
}

/** @param redis the process's shared Redis connection; without it, a Redis lockout opens its own. */
export function createSignInLockout(config: LockoutConfig, logger: OutageLogger, clock: Clock, redis?: SharedRedis): SignInLockout {
  const settings = { threshold: config.threshold, durationSeconds: config.durationSeconds };
  if (settings.threshold === 0) return new NoLockout();
  if (!config.redisUrl) return new MemoryLockout(settings, clock);
  return new RedisLockout(settings, {
    redis: redis ?? { url: config.redisUrl, timeoutMs: config.redisTimeoutMs, logger }, keyPrefix: config.keyPrefix, clock,
  });
}
