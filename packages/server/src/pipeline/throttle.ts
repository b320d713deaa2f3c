/**
 * Step 3a: throttle. Each authenticated call is charged to its partner tenant and to the partner +
 * customer pair; over either limit the gateway answers 429 with an integer Retry-After.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import { throttleKeysFor, ThrottleUnavailableError, type Throttle, type ThrottleConfig } from '../throttle/index.js';

export function makeThrottleHook(deps: { throttle: Throttle; limits: Pick<ThrottleConfig, 'tenantLimit' | 'tenantCustomerLimit'> }) {
  return async function throttleCall(request: FastifyRequest<{ Params: { customerTenantId: string } }>): Promise<void> {
    const keys = throttleKeysFor(request.caller!.partner.tenantId, request.params.customerTenantId, deps.limits);
    if (keys.length === 0) return;
    let result;
    try {
      result = await deps.throttle.consume(keys);
    } catch (error) {
      if (error instanceof ThrottleUnavailableError) {
        throw new ApiError('throttleUnavailable', ['failed: the rate limiter cannot be reached right now'], undefined, { 'retry-after': String(error.retryAfterSeconds) });
      }
      throw error;
    }
    if (!result.allowed) {
      const scope = result.key.scope === 'tenant' ? 'partner tenant' : 'partner and customer';
      throw new ApiError('throttled', [`failed: the ${scope} limit of ${result.key.limit.requests} requests per ${result.key.limit.perSeconds} s is used up`], undefined, {
        'retry-after': String(result.retryAfterSeconds),
      });
    }
  };
}
