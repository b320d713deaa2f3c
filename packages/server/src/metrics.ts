/**
 * Prometheus metrics (prom-client), one registry per app so that several servers in one process (tests,
 * startPcapi) keep their own counts. Label sets are bounded: routes as registered (not paths), status
 * codes, denial reasons, cache names; never a customer id or a user name.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

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

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'pcapi_' });
  }

  /** What a TtlCache reports each lookup to. */
  cacheObserver(cache: 'token' | 'decision'): (hit: boolean) => void {
    const hit = this.cacheLookups.labels(cache, 'hit');
    const miss = this.cacheLookups.labels(cache, 'miss');
    return (found) => (found ? hit : miss).inc();
  }
}
