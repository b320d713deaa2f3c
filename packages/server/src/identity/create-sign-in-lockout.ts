/** Builds the sign-in lockout from settings: off, in this process's memory, or shared through Redis. */
import type { Clock } from '../clock.js';
import { RedisLockout, type LockoutLogger } from './redis-sign-in-lockout.js';
import { MemoryLockout, NoLockout, type LockoutSettings, type SignInLockout } from './sign-in-lockout.js';

export interface LockoutConfig extends LockoutSettings {
  /** Unset: each process counts alone. Set: every process using it counts together. */
  redisUrl?: string | undefined;
  /** Default 'pcapi:lockout:'. */
  keyPrefix?: string;
  /** Default 200 ms. */
  redisTimeoutMs?: number;
}

export function createSignInLockout(config: LockoutConfig, logger: LockoutLogger, clock: Clock): SignInLockout {
  const settings = { threshold: config.threshold, durationSeconds: config.durationSeconds };
  if (settings.threshold === 0) return new NoLockout();
  if (!config.redisUrl) return new MemoryLockout(settings, clock);
  return new RedisLockout(settings, { url: config.redisUrl, keyPrefix: config.keyPrefix, timeoutMs: config.redisTimeoutMs, logger, clock });
}
