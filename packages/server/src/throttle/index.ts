/** Rate limiting as Partner Center does it: 429 + Retry-After, per partner tenant and per partner + customer. */
export { createThrottle, throttleKeysFor, PUBLISHED_TENANT_LIMIT, type ThrottleConfig } from './create-throttle.js';
export { gatewayThrottleBody, type GatewayThrottleBody } from './gateway-body.js';
export { MemoryThrottle, type MemoryThrottleOptions } from './memory-throttle.js';
export { RedisThrottle, DEFAULT_KEY_PREFIX, type RedisThrottleOptions } from './redis-throttle.js';
export {
  ThrottleUnavailableError,
  type RedisUnavailableMode, type Throttle, type ThrottleKey, type ThrottleLimit, type ThrottleResult, type ThrottleScope,
} from './types.js';
