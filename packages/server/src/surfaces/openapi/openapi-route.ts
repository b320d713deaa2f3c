/**
 * GET /openapi.json: the OpenAPI document with this server's public URL. Outside the Partner Center
 * and Graph surfaces: no token, never throttled. Built once per public URL (it is known only once the
 * server listens, on a random port in tests).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from './openapi-document.js';

export const OPENAPI_ROUTE = '/openapi.json';

/** @pcapi/server's version, from its package.json (found the same from src/ and from the dist/ bundle). */
export function serverVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === '@pcapi/server' && manifest.version) return manifest.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return '0.0.0';
    dir = parent;
  }
}

export function registerOpenApiRoute(app: FastifyInstance, deps: { publicUrl: () => string }): void {
  const version = serverVersion();
  let built: { url: string; body: string } | undefined;
  app.get(OPENAPI_ROUTE, async (_request, reply) => {
    const url = deps.publicUrl();
    if (built?.url !== url) built = { url, body: JSON.stringify(buildOpenApiDocument({ serverUrl: url, version })) };
    return reply.header('content-type', 'application/json; charset=utf-8').send(built.body);
  });
}
