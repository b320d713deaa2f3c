/**
 * GET /openapi.json: the OpenAPI document with this server's public URL. Outside the Partner Center
 * and Graph surfaces: no token, never throttled. Built once per public URL (it is known only once the
 * server listens, on a random port in tests).
 */
import type { FastifyInstance } from 'fastify';
import { serverVersion } from '../../package-paths.js';
import { buildOpenApiDocument } from './openapi-document.js';

export const OPENAPI_ROUTE = '/openapi.json';

export function registerOpenApiRoute(app: FastifyInstance, deps: { publicUrl: () => string }): void {
  const version = serverVersion();
  let built: { url: string; body: string } | undefined;
  app.get(OPENAPI_ROUTE, async (_request, reply) => {
    const url = deps.publicUrl();
    if (built?.url !== url) built = { url, body: JSON.stringify(buildOpenApiDocument({ serverUrl: url, version })) };
    return reply.header('content-type', 'application/json; charset=utf-8').send(built.body);
  });
}
