/**
 * Throttle. Each authenticated call is charged to its partner tenant and to the partner + customer
 * pair; over either limit the gateway answers 429 with an integer Retry-After.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import { MemoryThrottle, throttleKeysFor, ThrottleUnavailableError, type Throttle, type ThrottleConfig, type ThrottleResult } from '../../throttle/index.js';
import { ApiError } from './errors/api-error.js';

/** The throttle step: charges a call to its partner tenant and its partner + customer pair. */
export interface ThrottleCheck {
  /** Charges the call: its 429 when a limit is used up, undefined when it may go on. Redis answers with a promise. */
  charge(partnerTenantId: string, customerTenantId: string): ApiError | undefined | Promise<ApiError | undefined>;
  /** The same, for limits counted in this process only: they answer synchronously. */
  readonly chargeNow: ((partnerTenantId: string, customerTenantId: string) => ApiError | undefined) | undefined;
}

/** The throttle step; none with both limits off (each step a request passes through costs time). */
export function makeThrottleCheck(deps: {
  throttle: Throttle; limits: Pick<ThrottleConfig, 'tenantLimit' | 'tenantCustomerLimit'>; clock: Clock;
  /** Told of each refused call, by the limit used up (metrics). */
  onThrottled?: ((limit: 'tenant' | 'tenant-customer') => void) | undefined;
}): ThrottleCheck | undefined {
  const { throttle, clock, limits, onThrottled } = deps;
  if (limits.tenantLimit.requests === 0 && limits.tenantCustomerLimit.requests === 0) return undefined;
  if (throttle instanceof MemoryThrottle) {
    const chargeNow = (partnerTenantId: string, customerTenantId: string) => {
      const keys = throttleKeysFor(partnerTenantId, customerTenantId, limits);
      return keys.length === 0 ? undefined : refusal(throttle.consumeNow(keys, clock.now()), onThrottled);
    };
    return { charge: chargeNow, chargeNow };
  }
  return {
    charge(partnerTenantId, customerTenantId) {
      const keys = throttleKeysFor(partnerTenantId, customerTenantId, limits);
      if (keys.length === 0) return undefined;
      return throttle.consume(keys, clock.now()).then((result) => refusal(result, onThrottled), (error: unknown) => {
        if (!(error instanceof ThrottleUnavailableError)) throw error;
        return new ApiError('throttleUnavailable', ['failed: the rate limiter cannot be reached right now'], undefined, { 'retry-after': String(error.retryAfterSeconds) });
      });
    },
    chargeNow: undefined,
  };
}

/** The route's throttle step (a preHandler); none without a check. */
export function makeThrottleHook(check: ThrottleCheck | undefined) {
  if (!check) return undefined;
  return function throttleCall(request: FastifyRequest<{ Params: { customerTenantId: string } }>, _reply: FastifyReply, done: (error?: Error) => void): void {
    const charged = check.charge(request.caller!.partner.tenantId, request.params.customerTenantId);
    // One process's limits are answered synchronously; Redis's asynchronously.
    if (!(charged instanceof Promise)) return done(charged);
    charged.then((refused) => done(refused), (error: unknown) => done(error as Error));
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
