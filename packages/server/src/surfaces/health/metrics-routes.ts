/**
 * `/metrics` (Prometheus text format) and the hook that counts every answer by route, method and
 * status and times it. Outside the Partner Center and Graph surfaces: no token, never throttled.
 */
import { METHODS } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics.js';

/** Methods Node knows keep their name; anything else is one label value, so a client cannot grow the label set. */
const KNOWN_METHODS = new Set(METHODS);

export function registerMetrics(app: FastifyInstance, metrics: Metrics, options: { serveEndpoint: boolean } = { serveEndpoint: true }): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const method = KNOWN_METHODS.has(request.method) ? request.method : 'other';
    metrics.requests.labels(route, method, String(reply.statusCode)).inc();
    metrics.latency.labels(route, method).observe(reply.elapsedTime / 1000);
    done();
  });
  if (options.serveEndpoint) app.get('/metrics', async (_request, reply) => reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()));
}
