/**
 * Throttle. Each authenticated call is charged to its partner tenant and to the partner + customer
 * pair; over either limit the gateway answers 429 with an integer Retry-After.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import { MemoryThrottle, throttleKeysFor, ThrottleUnavailableError, type Throttle, type ThrottleConfig, type ThrottleResult } from '../../throttle/index.js';
import { ApiError } from './errors/api-error.js';

export function makeThrottleHook(deps: {
  throttle: Throttle; limits: Pick<ThrottleConfig, 'tenantLimit' | 'tenantCustomerLimit'>; clock: Clock;
  /** Told of each refused call, by the limit used up (metrics). */
  onThrottled?: ((limit: 'tenant' | 'tenant-customer') => void) | undefined;
}) {
  const { throttle, clock } = deps;
  // With both limits off there is no step at all: each hook a request passes through costs time.
  if (deps.limits.tenantLimit.requests === 0 && deps.limits.tenantCustomerLimit.requests === 0) return undefined;
  return function throttleCall(request: FastifyRequest<{ Params: { customerTenantId: string } }>, _reply: FastifyReply, done: (error?: Error) => void): void {
    const keys = throttleKeysFor(request.caller!.partner.tenantId, request.params.customerTenantId, deps.limits);
    if (keys.length === 0) return done();
    // One process's limits are answered synchronously; Redis's asynchronously.
    if (throttle instanceof MemoryThrottle) return done(refusal(throttle.consumeNow(keys, clock.now()), deps.onThrottled));
    throttle.consume(keys, clock.now()).then((result) => done(refusal(result, deps.onThrottled)), (error: unknown) => {
      if (error instanceof ThrottleUnavailableError) {
        return done(new ApiError('throttleUnavailable', ['failed: the rate limiter cannot be reached right now'], undefined, { 'retry-after': String(error.retryAfterSeconds) }));
      }
      done(error as Error);
    });
  };
}

/** The 429 for a refused call; undefined when it is allowed. */
function refusal(result: ThrottleResult, onThrottled: ((limit: 'tenant' | 'tenant-customer') => void) | undefined): ApiError | undefined {
  if (result.allowed) return undefined;
  onThrottled?.(result.key.scope === 'tenant' ? 'tenant' : 'tenant-customer');
  const scope = result.key.scope === 'tenant' ? 'partner tenant' : 'partner and customer';
  return new ApiError('throttled', [`failed: the ${scope} limit of ${result.key.limit.requests} requests per ${result.key.limit.perSeconds} s is used up`], undefined, {
    'retry-after': String(result.retryAfterSeconds),
  });
}
