/**
 * Prometheus metrics (prom-client), one registry per app so that several servers in one process (tests,
 * startPcapi) keep their own counts. Label sets are bounded: routes as registered (not paths), status
 * codes, denial reasons, cache names; never a customer id or a user name.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { Store } from './store/store.js';

export class Metrics {
  readonly registry = new Registry();

  readonly requests = new Counter({
    name: 'pcapi_http_requests_total', help: 'HTTP requests answered, by route (as registered), method and status',
    labelNames: ['route', 'method', 'status'] as const, registers: [this.registry],
  });

  readonly latency = new Histogram({
    name: 'pcapi_http_request_duration_seconds', help: 'Time from a request\'s arrival to its answer, by route and method',
    labelNames: ['route', 'method'] as const, buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry],
  });

  readonly authorization = new Counter({
    name: 'pcapi_authorization_decisions_total', help: 'Answers of the organization endpoint to authenticated callers: allowed, or the denial reason',
    labelNames: ['outcome'] as const, registers: [this.registry],
  });

  readonly cacheLookups = new Counter({
    name: 'pcapi_cache_lookups_total', help: 'Lookups in the token cache and the decision cache, hits and misses',
    labelNames: ['cache', 'result'] as const, registers: [this.registry],
  });

  readonly storeLatency = new Histogram({
    name: 'pcapi_store_operation_duration_seconds', help: 'Time the store took per operation (a method of the store interface)',
    labelNames: ['operation'] as const, buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5], registers: [this.registry],
  });

  readonly storeErrors = new Counter({
    name: 'pcapi_store_errors_total', help: 'Store operations that failed, by operation and kind (unavailable: the database cannot be reached)',
    labelNames: ['operation', 'kind'] as const, registers: [this.registry],
  });

  readonly throttled = new Counter({
    name: 'pcapi_throttled_total', help: 'Calls refused with 429 by the throttle, by the limit that was used up (tenant, or tenant and customer)',
    labelNames: ['limit'] as const, registers: [this.registry],
  });

  readonly tokenRequests = new Counter({
    name: 'pcapi_token_requests_total', help: 'Answers of the token endpoints by grant type and result: issued, or the OAuth error code',
    labelNames: ['grant_type', 'result'] as const, registers: [this.registry],
  });

  readonly lockouts = new Counter({
    name: 'pcapi_sign_in_lockouts_total', help: 'Token requests refused because the user or client is locked out after failed sign-ins (AADSTS50053)',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'pcapi_' });
  }

  /** What a TtlCache reports each lookup to. */
  cacheObserver(cache: 'token' | 'decision'): (hit: boolean) => void {
    const hit = this.cacheLookups.labels(cache, 'hit');
    const miss = this.cacheLookups.labels(cache, 'miss');
    return (found) => (found ? hit : miss).inc();
  }

  /** A grant type as a label: the ones pcapi serves by name, anything else as 'other'. */
  static grantLabel(grantType: unknown): string {
    return typeof grantType === 'string' && KNOWN_GRANTS.has(grantType) ? grantType : 'other';
  }
}

const KNOWN_GRANTS = new Set([
  'client_credentials', 'password', 'authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code', 'device_code',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
]);

/**
 * The store with each operation timed and its failures counted: a wrapper the app puts around the
 * store when metrics are on (nothing is wrapped otherwise). Methods that do not return a promise
 * (listeners) pass through.
 */
export function instrumentStore(store: Store, metrics: Metrics): Store {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      let timed = wrapped.get(property);
      if (!timed) {
        const latency = metrics.storeLatency.labels(property);
        timed = function (this: unknown, ...args: unknown[]) {
          const started = performance.now();
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (!(result instanceof Promise)) return result;
          return result.then((settled) => {
            latency.observe((performance.now() - started) / 1000);
            return settled;
          }, (error: unknown) => {
            metrics.storeErrors.labels(property, (error as Error)?.name === 'StoreUnavailableError' ? 'unavailable' : 'other').inc();
            throw error;
          });
        };
        wrapped.set(property, timed);
      }
      return timed;
    },
  });
}
