/**
 * `pcapi serve` settings: one validated object built from flags and PCAPI_* environment variables
 * (flags win). Every problem is reported at once, naming the flag and the variable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { LockoutConfig } from './identity/create-sign-in-lockout.js';
import { ENTRA_LOCKOUT_DEFAULTS } from './identity/sign-in-lockout.js';
import { parseTrustedIssuer, type TrustedIssuer } from './identity/trusted-issuers.js';
import type { AuthorizationSettings } from './domain/authorize.js';
import { DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection-limits.js';
import type { DecisionCacheSettings } from './services/organization-service.js';
import { PUBLISHED_TENANT_LIMIT, type RedisUnavailableMode, type ThrottleConfig, type ThrottleLimit } from './throttle/index.js';

/** Per partner + customer pair: unpublished; 100 a minute keeps one customer from eating a partner's budget. */
export const DEFAULT_TENANT_CUSTOMER_LIMIT: ThrottleLimit = { requests: 100, perSeconds: 60 };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface ServeConfig {
  host: string;
  port: number;
  dataDir: string;
  /** SQLite file (the default) or a PostgreSQL URL. */
  database: DatabaseLocation;
  /** Base URL clients reach pcapi at (issuer of local tokens); derived from host, port and TLS when unset. */
  publicUrl: string | undefined;
  tls: { cert: Buffer; key: Buffer } | undefined;
  /** Imported at every start (idempotent); when unset the demo dataset loads into an empty store. */
  seedFile: string | undefined;
  demo: boolean;
  trustedIssuers: TrustedIssuer[];
  logLevel: LogLevel;
  explainDenials: boolean;
  authorization: AuthorizationSettings;
  clockToleranceSeconds: number;
  tokenCacheSize: number;
  /** Processes serving the port (node:cluster); 1 serves in this process. */
  workers: number;
  throttle: ThrottleConfig;
  decisionCache: DecisionCacheSettings;
  /** Failed sign-ins at the token endpoint; counted in Redis (`--redis`) when set, so every process counts together. */
  lockout: LockoutConfig;
  /** Header, request and keep-alive timeouts, and open connections per process. */
  connections: ConnectionLimits;
  /** The emulator endpoints under /_pcapi/ (clock, reset, export, import, faults); off unless enabled. */
  emulator: boolean;
  /** Needed to reach the emulator endpoints from anywhere but loopback (X-PCAPI-Admin-Key). */
  emulatorKey: string | undefined;
  /** Where the clock starts (epoch ms); the machine's time when unset. */
  clockStart: number | undefined;
  /** How long GDAP transitions take: immediately (tests) or with Partner Center-like delays. */
  gdapDelays: 'immediate' | 'realistic';
  /** Prometheus metrics at /metrics, recorded per request; off by default (the recording costs the hot path). */
  metrics: boolean;
  /** Its own listener for /metrics (same host); 0 picks a free port. Set, it turns metrics on. */
  metricsPort: number | undefined;
  /** One JSON line per answered request at info level. */
  logRequests: boolean;
  /** `auto`: human-readable on a terminal, JSON lines otherwise. */
  logFormat: LogFormat;
  /** Days the audit trail keeps entries; 0 records none. */
  auditRetentionDays: number;
}

/** Raw option values as commander hands them (flag, else env, else undefined). */
export interface RawServeOptions {
  host?: string;
  port?: string;
  dataDir?: string;
  database?: string;
  publicUrl?: string;
  tlsCert?: string;
  tlsKey?: string;
  seed?: string;
  demo?: string | boolean;
  trustedIssuer?: string[] | string;
  logLevel?: string;
  explainDenials?: string | boolean;
  nestedGroups?: string | boolean;
  servicePrincipalsInGdapGroups?: string | boolean;
  clockTolerance?: string;
  tokenCacheSize?: string;
  workers?: string;
  redis?: string;
  throttleTenant?: string;
  throttleTenantCustomer?: string;
  onRedisUnavailable?: string;
  decisionCacheTtl?: string;
  decisionCacheSize?: string;
  lockoutThreshold?: string;
  lockoutDuration?: string;
  headersTimeout?: string;
  requestTimeout?: string;
  keepAliveTimeout?: string;
  maxConnections?: string;
  emulator?: string | boolean;
  emulatorKey?: string;
  clockStart?: string;
  gdapDelays?: string;
  metrics?: string | boolean;
  metricsPort?: string;
  logRequests?: string | boolean;
  logFormat?: string;
  auditRetention?: string;
}

export type DatabaseLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** A database location fit for logs and messages: a PostgreSQL URL without its password. */
export function describeDatabase(location: DatabaseLocation): string {
  if (location.kind === 'sqlite') return location.file;
  const url = new URL(location.url);
  url.password = '';
  return url.toString();
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** Option name → environment variable, for messages and for the CLI's `.env()` wiring. */
export const ENV = {
  host: 'PCAPI_HOST', port: 'PCAPI_PORT', dataDir: 'PCAPI_DATA_DIR', database: 'PCAPI_DATABASE', publicUrl: 'PCAPI_PUBLIC_URL',
  tlsCert: 'PCAPI_TLS_CERT', tlsKey: 'PCAPI_TLS_KEY', seed: 'PCAPI_SEED', demo: 'PCAPI_DEMO', trustedIssuer: 'PCAPI_TRUSTED_ISSUERS',
  logLevel: 'PCAPI_LOG_LEVEL', explainDenials: 'PCAPI_EXPLAIN_DENIALS', nestedGroups: 'PCAPI_NESTED_GROUPS',
  servicePrincipalsInGdapGroups: 'PCAPI_SERVICE_PRINCIPALS_IN_GDAP_GROUPS', clockTolerance: 'PCAPI_CLOCK_TOLERANCE',
  tokenCacheSize: 'PCAPI_TOKEN_CACHE_SIZE', workers: 'PCAPI_WORKERS', redis: 'PCAPI_REDIS',
  throttleTenant: 'PCAPI_THROTTLE_TENANT', throttleTenantCustomer: 'PCAPI_THROTTLE_TENANT_CUSTOMER',
  onRedisUnavailable: 'PCAPI_ON_REDIS_UNAVAILABLE', decisionCacheTtl: 'PCAPI_DECISION_CACHE_TTL', decisionCacheSize: 'PCAPI_DECISION_CACHE_SIZE',
  lockoutThreshold: 'PCAPI_LOCKOUT_THRESHOLD', lockoutDuration: 'PCAPI_LOCKOUT_DURATION',
  headersTimeout: 'PCAPI_HEADERS_TIMEOUT', requestTimeout: 'PCAPI_REQUEST_TIMEOUT', keepAliveTimeout: 'PCAPI_KEEP_ALIVE_TIMEOUT',
  maxConnections: 'PCAPI_MAX_CONNECTIONS', emulator: 'PCAPI_EMULATOR', emulatorKey: 'PCAPI_EMULATOR_KEY', clockStart: 'PCAPI_CLOCK_START',
  gdapDelays: 'PCAPI_GDAP_DELAYS', metrics: 'PCAPI_METRICS', metricsPort: 'PCAPI_METRICS_PORT', logRequests: 'PCAPI_LOG_REQUESTS',
  logFormat: 'PCAPI_LOG_FORMAT', auditRetention: 'PCAPI_AUDIT_RETENTION',
} as const satisfies Record<keyof RawServeOptions, string>;

const FLAG: Record<keyof RawServeOptions, string> = {
  host: '--host', port: '--port', dataDir: '--data-dir', database: '--database', publicUrl: '--public-url', tlsCert: '--tls-cert',
  tlsKey: '--tls-key', seed: '--seed', demo: '--demo', trustedIssuer: '--trusted-issuer', logLevel: '--log-level',
  explainDenials: '--explain-denials', nestedGroups: '--nested-groups', servicePrincipalsInGdapGroups: '--service-principals-in-gdap-groups',
  clockTolerance: '--clock-tolerance', tokenCacheSize: '--token-cache-size', workers: '--workers', redis: '--redis',
  throttleTenant: '--throttle-tenant', throttleTenantCustomer: '--throttle-tenant-customer', onRedisUnavailable: '--on-redis-unavailable',
  decisionCacheTtl: '--decision-cache-ttl', decisionCacheSize: '--decision-cache-size',
  lockoutThreshold: '--lockout-threshold', lockoutDuration: '--lockout-duration',
  headersTimeout: '--headers-timeout', requestTimeout: '--request-timeout', keepAliveTimeout: '--keep-alive-timeout',
  maxConnections: '--max-connections', emulator: '--emulator', emulatorKey: '--emulator-key', clockStart: '--clock-start',
  gdapDelays: '--gdap-delays', metrics: '--metrics', metricsPort: '--metrics-port', logRequests: '--log-requests',
  logFormat: '--log-format', auditRetention: '--audit-retention',
};

export function resolveServeConfig(raw: RawServeOptions, cwd = process.cwd()): ServeConfig {
  const problems: string[] = [];
  const label = (name: keyof RawServeOptions) => `${FLAG[name]} (${ENV[name]})`;

  const integer = (name: keyof RawServeOptions, fallback: number, min: number, max: number): number => {
    const value = raw[name];
    if (value === undefined || value === '') return fallback;
    const text = String(value).trim();
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      problems.push(`${label(name)}: "${String(value)}" is not a whole number from ${min} to ${max}`);
      return fallback;
    }
    return Number(text);
  };
  /** Seconds, to the millisecond (`0.5`), as milliseconds. */
  const milliseconds = (name: keyof RawServeOptions, fallbackMs: number, minMs: number, maxMs: number): number => {
    const value = raw[name];
    if (value === undefined || value === '') return fallbackMs;
    const text = String(value).trim();
    const ms = /^\d{1,7}(\.\d{1,3})?$/.test(text) ? Math.round(Number(text) * 1000) : NaN;
    if (!(ms >= minMs && ms <= maxMs)) {
      problems.push(`${label(name)}: "${String(value)}" is not a number of seconds from ${minMs / 1000} to ${maxMs / 1000}`);
      return fallbackMs;
    }
    return ms;
  };
  const boolean = (name: keyof RawServeOptions, fallback: boolean): boolean => {
    const value = raw[name];
    if (value === undefined || value === '') return fallback;
    if (typeof value === 'boolean') return value;
    const text = String(value).trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(text)) return true;
    if (['false', '0', 'no', 'off'].includes(text)) return false;
    problems.push(`${label(name)}: "${String(value)}" is not true or false`);
    return fallback;
  };
  const readFile = (name: keyof RawServeOptions): Buffer | undefined => {
    const value = raw[name];
    if (typeof value !== 'string' || value === '') return undefined;
    try {
      return readFileSync(resolve(cwd, value));
    } catch (error) {
      problems.push(`${label(name)}: cannot read ${value} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      return undefined;
    }
  };

  const host = raw.host?.trim() || '127.0.0.1';
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) problems.push(`${label('host')}: "${host}" is not a host name or IP address`);
  const port = integer('port', 8080, 0, 65535);
  const dataDir = resolve(cwd, raw.dataDir?.trim() || 'data');

  let database: DatabaseLocation = { kind: 'sqlite', file: join(dataDir, 'pcapi.db') };
  const databaseText = raw.database?.trim();
  if (databaseText && /^postgres(ql)?:\/\//i.test(databaseText)) {
    try {
      const url = new URL(databaseText);
      if (!url.hostname || url.pathname.length <= 1) throw new Error('it needs a host and a database name');
      database = { kind: 'postgres', url: databaseText };
    } catch (error) {
      problems.push(`${label('database')}: not a usable PostgreSQL URL (${error instanceof TypeError ? 'malformed' : (error as Error).message}); expected postgres://user@host:5432/database`);
    }
  } else if (databaseText) {
    const file = databaseText.replace(/^sqlite:/, '');
    database = { kind: 'sqlite', file: file === ':memory:' || isAbsolute(file) ? file : resolve(cwd, file) };
  }

  const cert = readFile('tlsCert');
  const key = readFile('tlsKey');
  if ((raw.tlsCert && !raw.tlsKey) || (!raw.tlsCert && raw.tlsKey)) problems.push(`${label('tlsCert')} and ${label('tlsKey')} must be given together`);

  let publicUrl: string | undefined;
  if (raw.publicUrl?.trim()) {
    try {
      const url = new URL(raw.publicUrl.trim());
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
      if (url.search || url.hash) throw new Error('has a query or fragment');
      publicUrl = url.toString().replace(/\/$/, '');
    } catch (error) {
      problems.push(`${label('publicUrl')}: "${raw.publicUrl}" is not an http(s) base URL (${(error as Error).message})`);
    }
  }

  let seedFile: string | undefined;
  if (raw.seed?.trim()) {
    seedFile = resolve(cwd, raw.seed.trim());
    if (!existsSync(seedFile)) problems.push(`${label('seed')}: ${raw.seed} does not exist`);
  }

  const trustedIssuers: TrustedIssuer[] = [];
  const issuerTexts = Array.isArray(raw.trustedIssuer) ? raw.trustedIssuer : raw.trustedIssuer ? raw.trustedIssuer.split(/[\s,]+/) : [];
  for (const text of issuerTexts.filter((t) => t.trim() !== '')) {
    try {
      trustedIssuers.push(parseTrustedIssuer(text));
    } catch (error) {
      problems.push(`${label('trustedIssuer')}: ${(error as Error).message}`);
    }
  }

  const logLevel = (raw.logLevel?.trim().toLowerCase() || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`${label('logLevel')}: "${raw.logLevel}" is not one of ${LOG_LEVELS.join(', ')}`);

  /** `500/60` = 500 requests per 60 seconds; `0` = no limit. */
  const limit = (name: keyof RawServeOptions, fallback: ThrottleLimit): ThrottleLimit => {
    const value = raw[name];
    if (value === undefined || value === '') return fallback;
    const text = String(value).trim();
    if (text === '0') return { requests: 0, perSeconds: 1 };
    const match = /^(\d{1,9})\/(\d{1,6})$/.exec(text);
    if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
      problems.push(`${label(name)}: "${text}" is not REQUESTS/SECONDS (e.g. 500/60) or 0 for no limit`);
      return fallback;
    }
    return { requests: Number(match[1]), perSeconds: Number(match[2]) };
  };
  let redisUrl: string | undefined;
  if (raw.redis?.trim()) {
    try {
      const url = new URL(raw.redis.trim());
      if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error('not redis:// or rediss://');
      redisUrl = raw.redis.trim();
    } catch (error) {
      problems.push(`${label('redis')}: not a Redis URL (${error instanceof TypeError ? 'malformed' : (error as Error).message}); expected redis://host:6379`);
    }
  }
  const onRedisUnavailable = (raw.onRedisUnavailable?.trim().toLowerCase() || 'allow') as RedisUnavailableMode;
  if (!['allow', 'deny', 'memory'].includes(onRedisUnavailable)) {
    problems.push(`${label('onRedisUnavailable')}: "${raw.onRedisUnavailable}" is not allow, deny or memory`);
  }

  const connections: ConnectionLimits = {
    headersTimeoutMs: milliseconds('headersTimeout', DEFAULT_CONNECTION_LIMITS.headersTimeoutMs, 0, 3_600_000),
    requestTimeoutMs: milliseconds('requestTimeout', DEFAULT_CONNECTION_LIMITS.requestTimeoutMs, 0, 3_600_000),
    keepAliveTimeoutMs: milliseconds('keepAliveTimeout', DEFAULT_CONNECTION_LIMITS.keepAliveTimeoutMs, 1, 3_600_000),
    maxConnections: integer('maxConnections', DEFAULT_CONNECTION_LIMITS.maxConnections, 1, 1_000_000),
  };
  // Node refuses a header timeout longer than the request timeout it is part of.
  if (connections.headersTimeoutMs > 0 && connections.requestTimeoutMs > 0 && connections.headersTimeoutMs > connections.requestTimeoutMs) {
    problems.push(`${label('headersTimeout')}: ${connections.headersTimeoutMs / 1000} s is longer than ${label('requestTimeout')}: ${connections.requestTimeoutMs / 1000} s`);
  }

  const emulator = boolean('emulator', false);
  const emulatorKey = raw.emulatorKey?.trim() || undefined;
  if (emulatorKey !== undefined && emulatorKey.length < 16) problems.push(`${label('emulatorKey')}: the admin key must be at least 16 characters`);
  const loopbackHost = ['127.0.0.1', '::1', 'localhost'].includes(host);
  if (emulator && !loopbackHost && emulatorKey === undefined) {
    problems.push(`${label('emulator')}: listening on ${host}, the emulator endpoints need ${label('emulatorKey')} (or listen on 127.0.0.1)`);
  }
  let clockStart: number | undefined;
  if (raw.clockStart?.trim()) {
    const text = raw.clockStart.trim();
    clockStart = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text) ? Date.parse(text) : NaN;
    if (!Number.isFinite(clockStart)) problems.push(`${label('clockStart')}: "${text}" is not an ISO 8601 date or instant with its offset (e.g. 2027-01-01T00:00:00Z)`);
  }
  const gdapDelays = (raw.gdapDelays?.trim().toLowerCase() || 'immediate') as ServeConfig['gdapDelays'];
  if (!['immediate', 'realistic'].includes(gdapDelays)) problems.push(`${label('gdapDelays')}: "${raw.gdapDelays}" is not immediate or realistic`);

  const logFormat = (raw.logFormat?.trim().toLowerCase() || 'auto') as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) problems.push(`${label('logFormat')}: "${raw.logFormat}" is not one of ${LOG_FORMATS.join(', ')}`);
  const metricsPort = raw.metricsPort?.trim() ? integer('metricsPort', 0, 0, 65535) : undefined;
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
    problems.push(`${label('metricsPort')}: ${metricsPort} is also ${label('port')}; leave it unset to serve /metrics on the API port`);
  }

  const config: ServeConfig = {
    host, port, dataDir, database, publicUrl,
    tls: cert && key ? { cert, key } : undefined,
    seedFile,
    demo: boolean('demo', true),
    trustedIssuers,
    logLevel,
    explainDenials: boolean('explainDenials', true),
    authorization: {
      nestedGroups: boolean('nestedGroups', false),
      servicePrincipalsInGdapGroups: boolean('servicePrincipalsInGdapGroups', true),
    },
    clockToleranceSeconds: integer('clockTolerance', 60, 0, 600),
    tokenCacheSize: integer('tokenCacheSize', 10_000, 0, 1_000_000),
    workers: raw.workers?.trim().toLowerCase() === 'auto' ? availableParallelism() : integer('workers', 1, 1, 64),
    throttle: {
      redisUrl,
      tenantLimit: limit('throttleTenant', PUBLISHED_TENANT_LIMIT),
      tenantCustomerLimit: limit('throttleTenantCustomer', DEFAULT_TENANT_CUSTOMER_LIMIT),
      onRedisUnavailable,
    },
    decisionCache: { ttlSeconds: integer('decisionCacheTtl', 60, 0, 3600), maxEntries: integer('decisionCacheSize', 100_000, 1, 10_000_000) },
    lockout: {
      threshold: integer('lockoutThreshold', ENTRA_LOCKOUT_DEFAULTS.threshold, 0, 1000),
      durationSeconds: integer('lockoutDuration', ENTRA_LOCKOUT_DEFAULTS.durationSeconds, 1, 86_400),
      redisUrl,
    },
    connections,
    emulator,
    emulatorKey,
    clockStart,
    gdapDelays,
    metrics: boolean('metrics', false) || metricsPort !== undefined,
    metricsPort,
    logRequests: boolean('logRequests', false),
    logFormat,
    auditRetentionDays: integer('auditRetention', 30, 0, 3650),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The base URL a listening server is reached at, when `publicUrl` is not configured. */
export function derivePublicUrl(config: Pick<ServeConfig, 'host' | 'tls' | 'publicUrl'>, boundPort: number): string {
  if (config.publicUrl) return config.publicUrl;
  // Certificates name hosts, and local certificates name `localhost`: with TLS, loopback and
  // wildcard binds are published as localhost so MSAL's authority and issuer hosts agree.
  const loopbackOrAny = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(config.host);
  const host = loopbackOrAny ? (config.tls ? 'localhost' : config.host.includes(':') ? '[::1]' : '127.0.0.1') : config.host;
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${config.tls ? 'https' : 'http'}://${bracketed}:${boundPort}`;
}
