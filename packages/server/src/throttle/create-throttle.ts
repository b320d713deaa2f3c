/**
 * Builds the throttle from settings, and the two keys a Partner Center call is charged against:
 * limits are kept per partner tenant and per partner + customer pair (partner-center-facts.md).
 */
import { systemClock, type Clock } from '../clock.js';
import { assertValidLimit } from './gcra.js';
import { MemoryThrottle } from './memory-throttle.js';
import { RedisThrottle } from './redis-throttle.js';
import type { OutageLogger, SharedRedis } from '../redis/shared-redis.js';
import type { RedisUnavailableMode, Throttle, ThrottleKey, ThrottleLimit } from './types.js';

/** The only number Microsoft publishes: 500 requests per minute per tenant (Customer resource). */
export const PUBLISHED_TENANT_LIMIT: ThrottleLimit = { requests: 500, perSeconds: 60 };

export interface ThrottleConfig {
  /** Unset: one process's memory (a single instance). Set: shared across every process using it. */
  redisUrl?: string;
  tenantLimit: ThrottleLimit;
  tenantCustomerLimit: ThrottleLimit;
  /** Default 'allow' (serve and warn): an outage of the limiter should not become an outage of the API. */
  onRedisUnavailable?: RedisUnavailableMode;
  /** Default 200 ms. */
  redisTimeoutMs?: number;
  /** Default 'pcapi:throttle:'. */
  keyPrefix?: string;
  /** Memory throttle's (or 'memory' fallback's) key bound; default 100 000. */
  maxMemoryEntries?: number;
}

/**
 * @param clock the server's clock. The memory throttle reads it; the Redis throttle reads Redis's own
 * clock (shared by every process) unless the server runs on a clock of its own (tests, a moved clock).
 * @param redis the process's shared Redis connection; without it, a Redis throttle opens its own.
 */
export function createThrottle(config: ThrottleConfig, logger?: OutageLogger, clock: Clock = systemClock, redis?: SharedRedis): Throttle {
  assertValidLimit(config.tenantLimit, 'tenantLimit');
  assertValidLimit(config.tenantCustomerLimit, 'tenantCustomerLimit');
  if (!config.redisUrl) return new MemoryThrottle({ maxEntries: config.maxMemoryEntries, clock });
  return new RedisThrottle({
    redis: redis ?? { url: config.redisUrl, timeoutMs: config.redisTimeoutMs, logger, clock },
    keyPrefix: config.keyPrefix,
    onRedisUnavailable: config.onRedisUnavailable,
    maxMemoryEntries: config.maxMemoryEntries,
    useCallerClock: clock !== systemClock,
  });
}

/**
 * The keys for one call. Tenant ids are GUIDs, compared case-insensitively, so they are lower-cased:
 * `ABC…` and `abc…` must share one budget. A scope whose limit is 0 requests gets no key (no limit).
 */
export function throttleKeysFor(
  partnerTenantId: string,
  customerTenantId: string,
  config: Pick<ThrottleConfig, 'tenantLimit' | 'tenantCustomerLimit'>,
): ThrottleKey[] {
  const partner = partnerTenantId.toLowerCase();
  const keys: ThrottleKey[] = [];
  if (config.tenantLimit.requests > 0) keys.push({ scope: 'tenant', id: partner, limit: config.tenantLimit });
  if (config.tenantCustomerLimit.requests > 0) {
    keys.push({ scope: 'tenantCustomer', id: `${partner}:${customerTenantId.toLowerCase()}`, limit: config.tenantCustomerLimit });
  }
  return keys;
}
