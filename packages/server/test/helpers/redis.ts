/**
 * The test suite's own Redis connection: it must answer (tests fail, never skip, without it: .ci/run
 * starts it), and tests remove only the keys they made, never FLUSHALL.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.PCAPI_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A connected admin client, or an error saying Redis is not answering. */
export async function connectRedis(): Promise<Redis> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    assert.equal(await redis.ping(), 'PONG');
  } catch (error) {
    redis.disconnect();
    throw new Error(`Redis is not answering at ${REDIS_URL}; these tests need it (.ci/run starts it; or redis-server). Cause: ${String(error)}`);
  }
  return redis;
}

/** Deletes every key under `prefix` and closes the client (when it is still connected). */
export async function deleteKeysAndQuit(redis: Redis | undefined, prefix: string): Promise<void> {
  if (redis?.status !== 'ready') return;
  for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) if (keys.length) await redis.del(...keys);
  await redis.quit();
}
