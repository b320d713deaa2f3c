/**
 * `/metrics` (Prometheus text format) and the hook that counts every answer by route, method and
 * status and times it. Outside the Partner Center and Graph surfaces: no token, never throttled.
 */
import { METHODS } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics.js';

/** Methods Node knows keep their name; anything else is one label value, so a client cannot grow the label set. */
const KNOWN_METHODS = new Set(METHODS);

/** Counts and times one answer; `route` as registered, or undefined when none matched. */
export function recordAnswer(metrics: Metrics, route: string | undefined, method: string, status: number, elapsedMs: number): void {
  const routeLabel = route ?? 'unmatched';
  const methodLabel = KNOWN_METHODS.has(method) ? method : 'other';
  metrics.requests.labels(routeLabel, methodLabel, String(status)).inc();
  metrics.latency.labels(routeLabel, methodLabel).observe(elapsedMs / 1000);
}

export function registerMetrics(app: FastifyInstance, metrics: Metrics, options: { serveEndpoint: boolean } = { serveEndpoint: true }): void {
  app.addHook('onResponse', (request, reply, done) => {
    recordAnswer(metrics, request.routeOptions.url, request.method, reply.statusCode, reply.elapsedTime);
    done();
  });
  if (options.serveEndpoint) app.get('/metrics', async (_request, reply) => reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()));
}
