/**
 * GCRA in Redis, so every pcapi process and machine draws from one budget. One Lua script per call
 * (gcra-script.ts) makes check-and-consume atomic across the call's keys. The connection (shared with
 * the sign-in lockout) fails fast and logs outages once; while Redis cannot answer,
 * `onRedisUnavailable` decides.
 */
import type { Redis } from 'ioredis';
import { SharedRedis, type SharedRedisOptions } from '../redis/shared-redis.js';
import { GCRA_LUA } from './gcra-script.js';
import { gcraParams, keyName, limitedKeys, retryAfterSeconds, toMicroseconds } from './gcra.js';
import { MemoryThrottle } from './memory-throttle.js';
import {
  ThrottleUnavailableError,
  type RedisUnavailableMode, type Throttle, type ThrottleKey, type ThrottleResult,
} from './types.js';

export const DEFAULT_KEY_PREFIX = 'pcapi:throttle:';

export interface RedisThrottleOptions {
  /** A connection shared with other users (not closed by the throttle), or a URL to open one of its own. */
  redis: SharedRedis | SharedRedisOptions;
  /** Default 'pcapi:throttle:'. Keys are `<prefix><scope>:<id>`. */
  keyPrefix?: string;
  /** Default 'allow'. */
  onRedisUnavailable?: RedisUnavailableMode;
  /** Bound of the per-process fallback in 'memory' mode. */
  maxMemoryEntries?: number;
  /**
   * Let consume()'s `now` replace Redis's clock: for a server on a clock of its own (tests, a moved
   * clock). Off by default because processes on different machines must agree on time, and only
   * Redis's clock is shared.
   */
  useCallerClock?: boolean;
}

/** ioredis adds defineCommand() methods at run time; this is the one we define. */
interface WithGcraCommand {
  pcapiThrottleGcra(numberOfKeys: number, ...keysThenArgs: string[]): Promise<number[]>;
}

export class RedisThrottle implements Throttle {
  private readonly redis: SharedRedis;
  private readonly ownsConnection: boolean;
  private readonly prefix: string;
  private readonly mode: RedisUnavailableMode;
  private readonly useCallerClock: boolean;
  private readonly fallback: MemoryThrottle | undefined;

  constructor(options: RedisThrottleOptions) {
    this.ownsConnection = !(options.redis instanceof SharedRedis);
    this.redis = options.redis instanceof SharedRedis ? options.redis : new SharedRedis(options.redis);
    this.prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.mode = options.onRedisUnavailable ?? 'allow';
    this.useCallerClock = options.useCallerClock ?? false;
    this.fallback = this.mode === 'memory' ? new MemoryThrottle({ maxEntries: options.maxMemoryEntries }) : undefined;
    this.redis.client.defineCommand('pcapiThrottleGcra', { lua: GCRA_LUA });
    this.redis.describeOutage({
      whileDown: `calls are ${MODE_EFFECT[this.mode]}`, whenBack: 'shared rate limiting resumed', fields: { onRedisUnavailable: this.mode },
    });
  }

  /** False from the first failure until Redis answers again. */
  get available(): boolean {
    return this.redis.available;
  }

  ready(): Promise<void> {
    return this.redis.connected();
  }

  async consume(keys: readonly ThrottleKey[], now?: number): Promise<ThrottleResult> {
    const limited = limitedKeys(keys);
    if (limited.length === 0) return { allowed: true };
    const args: string[] = limited.map((key) => this.prefix + keyName(key));
    args.push(this.useCallerClock && now !== undefined ? String(toMicroseconds(now)) : '');
    for (const key of limited) {
      const { intervalUs, windowUs } = gcraParams(key.limit);
      args.push(String(intervalUs), String(windowUs));
    }
    let reply: number[];
    try {
      reply = await this.redis.run((client) => (client as Redis & WithGcraCommand).pcapiThrottleGcra(limited.length, ...args));
    } catch (error) {
      if (this.mode === 'deny') throw new ThrottleUnavailableError(error);
      if (this.mode === 'memory') return this.fallback!.consume(keys, now);
      return { allowed: true };
    }
    if (reply[0] === 1) return { allowed: true };
    const key = limited[(reply[1] ?? 1) - 1] ?? limited[0]!;
    return { allowed: false, retryAfterSeconds: retryAfterSeconds(reply[2] ?? 1), key };
  }

  async close(): Promise<void> {
    if (this.ownsConnection) this.redis.close();
    await this.fallback?.close();
  }
}

const MODE_EFFECT: Record<RedisUnavailableMode, string> = {
  allow: 'served without rate limiting',
  deny: 'refused with 503',
  memory: 'rate limited per process',
};
