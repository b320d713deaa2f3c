/**
 * The throttle's vocabulary. Partner Center keeps limits per partner tenant and per partner + customer
 * pair (docs: partner-center-facts.md, "Throttling"); each call is charged against one key per scope.
 */

/** `requests` per `perSeconds`; `requests: 0` means this scope is not limited. */
export interface ThrottleLimit {
  requests: number;
  perSeconds: number;
}

export type ThrottleScope = 'tenant' | 'tenantCustomer';

export interface ThrottleKey {
  scope: ThrottleScope;
  /** Partner tenant id, or `<partner>:<customer>` for tenantCustomer (see throttleKeysFor). */
  id: string;
  limit: ThrottleLimit;
}

export type ThrottleResult =
  | { allowed: true }
  /** `key` is the key that needs the longest wait; `retryAfterSeconds` is when the call fits on every key. */
  | { allowed: false; retryAfterSeconds: number; key: ThrottleKey };

export interface Throttle {
  /**
   * Charges one call against every key at once, or against none: a call refused on any key consumes no
   * budget anywhere, so a client that keeps retrying while throttled is back exactly when Retry-After said.
   * `now` is epoch milliseconds; the Redis throttle uses Redis's clock instead (see RedisThrottle).
   */
  consume(keys: readonly ThrottleKey[], now?: number): Promise<ThrottleResult>;
  /** Settles when shared state can be used (Redis's first connection attempt; at once in memory): the app waits for it before serving. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** What to do when Redis cannot answer in time: serve, refuse with 503, or limit per process. */
export type RedisUnavailableMode = 'allow' | 'deny' | 'memory';


/** Thrown by consume() in `onRedisUnavailable: 'deny'` mode; render it as a 503 with Retry-After. */
export class ThrottleUnavailableError extends Error {
  override readonly name = 'ThrottleUnavailableError';
  readonly statusCode = 503;
  /** Reconnection is retried about every second, so asking clients to come back after 1 s is honest. */
  readonly retryAfterSeconds = 1;
  constructor(cause: unknown) {
    super('rate limiting is unavailable: Redis did not answer', { cause });
  }
}
