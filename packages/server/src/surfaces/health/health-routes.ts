/**
 * `/healthz` (the process is up) and `/readyz` (it can serve: the store answers a query, Redis a
 * PING when configured; else 503 naming what failed). Outside the Partner Center and Graph surfaces:
 * no token, never throttled, plain JSON.
 */
import type { FastifyInstance } from 'fastify';
import type { SharedRedis } from '../../redis/shared-redis.js';
import type { Store } from '../../store/store.js';

export interface HealthDeps {
  store: Store;
  redis: SharedRedis | undefined;
}

type Check = { ok: true } | { ok: false; error: string };

async function check(probe: () => Promise<unknown>): Promise<Check> {
  try {
    await probe();
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message.split('\n')[0]!.slice(0, 300) };
  }
}

export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  app.get('/healthz', async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const checks: Record<string, Check> = { store: await check(() => deps.store.isEmpty()) };
    if (deps.redis) checks.redis = await check(() => deps.redis!.run((client) => client.ping()));
    const failing = Object.entries(checks).filter(([, result]) => !result.ok).map(([name]) => name);
    return reply
      .code(failing.length === 0 ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: failing.length === 0 ? 'ready' : 'unavailable', ...(failing.length > 0 ? { failing } : {}), checks });
  });
}
