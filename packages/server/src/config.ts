/**
 * `pcapi serve` settings: one validated object built from flags and PCAPI_* environment variables
 * (flags win), each setting as serve-settings.ts defines it. Every problem is reported at once, naming
 * the flag and the variable.
 */
import { join } from 'node:path';
import type { LockoutConfig } from './identity/create-sign-in-lockout.js';
import type { TrustedIssuer } from './identity/trusted-issuers.js';
import type { AuthorizationSettings } from './domain/authorize.js';
import type { ConnectionLimits } from './connection-limits.js';
import type { DecisionCacheSettings } from './services/organization-service.js';
import type { ThrottleConfig } from './throttle/index.js';
import { SettingProblem, type SettingContext } from './serve-settings-parsers.js';
import { serveSettings, settingLabel, type LogFormat, type LogLevel, type RawServeOptions, type ServeSettingName, type ServeSettingValues } from './serve-settings.js';

export { DEFAULT_TENANT_CUSTOMER_LIMIT, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel, type RawServeOptions } from './serve-settings.js';

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
  /** Repeat organization calls answered before routing (repeat-call-lane.ts). */
  repeatCallLane: boolean;
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
  /** The audit trail keeps about this many events at most, the newest. */
  auditMaxEvents: number;
}

export type DatabaseLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** A database location fit for logs and messages: a PostgreSQL URL without its password. */
export function describeDatabase(location: DatabaseLocation): string {
  return location.kind === 'sqlite' ? location.file : redactedDatabaseUrl(location.url);
}

/** Connection parameters that can hold a secret, dropped from a PostgreSQL URL before it is shown. */
const SECRET_PARAMETERS = /pass|secret|key|token/i;

/** A PostgreSQL URL as it may be shown: without its password or any parameter that may hold a secret. */
export function redactedDatabaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return '(an unparsable URL, not shown)';
  }
  url.password = '';
  for (const name of [...url.searchParams.keys()]) if (SECRET_PARAMETERS.test(name)) url.searchParams.delete(name);
  return url.toString();
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** Setting name → environment variable, for messages and for other commands' options. */
export const ENV = Object.fromEntries(serveSettings().map(([name, setting]) => [name, setting.env])) as Record<ServeSettingName, string>;

export function resolveServeConfig(raw: RawServeOptions, cwd = process.cwd()): ServeConfig {
  const problems: string[] = [];
  const values = readSettings(raw, { cwd }, problems);
  const label = settingLabel;

  const tlsGiven = [raw.tlsCert, raw.tlsKey].map((value) => !isBlank(value));
  if (tlsGiven[0] !== tlsGiven[1]) problems.push(`${label('tlsCert')} and ${label('tlsKey')} must be given together`);
  // Node refuses a header timeout longer than the request timeout it is part of.
  if (values.headersTimeout > 0 && values.requestTimeout > 0 && values.headersTimeout > values.requestTimeout) {
    problems.push(`${label('headersTimeout')}: ${values.headersTimeout / 1000} s is longer than ${label('requestTimeout')}: ${values.requestTimeout / 1000} s`);
  }
  const loopbackHost = ['127.0.0.1', '::1', 'localhost'].includes(values.host);
  if (values.emulator && !loopbackHost && values.emulatorKey === undefined) {
    problems.push(`${label('emulator')}: listening on ${values.host}, the emulator endpoints need ${label('emulatorKey')} (or listen on 127.0.0.1)`);
  }
  if (values.metricsPort !== undefined && values.metricsPort !== 0 && values.metricsPort === values.port) {
    problems.push(`${label('metricsPort')}: ${values.metricsPort} is also ${label('port')}; leave it unset to serve /metrics on the API port`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    host: values.host,
    port: values.port,
    dataDir: values.dataDir,
    database: values.database ?? { kind: 'sqlite', file: join(values.dataDir, 'pcapi.db') },
    publicUrl: values.publicUrl,
    tls: values.tlsCert && values.tlsKey ? { cert: values.tlsCert, key: values.tlsKey } : undefined,
    seedFile: values.seed,
    demo: values.demo,
    trustedIssuers: values.trustedIssuer ?? [],
    logLevel: values.logLevel,
    explainDenials: values.explainDenials,
    repeatCallLane: values.repeatCallLane,
    authorization: { nestedGroups: values.nestedGroups, servicePrincipalsInGdapGroups: values.servicePrincipalsInGdapGroups },
    clockToleranceSeconds: values.clockTolerance,
    tokenCacheSize: values.tokenCacheSize,
    workers: values.workers,
    throttle: {
      redisUrl: values.redis,
      tenantLimit: values.throttleTenant,
      tenantCustomerLimit: values.throttleTenantCustomer,
      onRedisUnavailable: values.onRedisUnavailable,
    },
    decisionCache: { ttlSeconds: values.decisionCacheTtl, maxEntries: values.decisionCacheSize },
    lockout: { threshold: values.lockoutThreshold, durationSeconds: values.lockoutDuration, redisUrl: values.redis },
    connections: {
      headersTimeoutMs: values.headersTimeout,
      requestTimeoutMs: values.requestTimeout,
      keepAliveTimeoutMs: values.keepAliveTimeout,
      maxConnections: values.maxConnections,
    },
    emulator: values.emulator,
    emulatorKey: values.emulatorKey,
    clockStart: values.clockStart,
    gdapDelays: values.gdapDelays,
    metrics: values.metrics || values.metricsPort !== undefined,
    metricsPort: values.metricsPort,
    logRequests: values.logRequests,
    logFormat: values.logFormat,
    auditRetentionDays: values.auditRetention,
    auditMaxEvents: values.auditMaxEvents,
  };
}

/** Unset: not given, or only blanks (an empty variable). */
function isBlank(value: RawServeOptions[ServeSettingName]): boolean {
  if (value === undefined) return true;
  if (typeof value === 'boolean') return false;
  return (Array.isArray(value) ? value.join('') : value).trim() === '';
}

/** Every setting parsed, a refused one at its default so the checks across settings still run. */
function readSettings(raw: RawServeOptions, context: SettingContext, problems: string[]): ServeSettingValues {
  const values: Record<string, unknown> = {};
  for (const [name, setting] of serveSettings()) {
    const parse = setting.parse as (value: unknown, context: SettingContext) => unknown;
    const fallback = () => (setting.default === undefined ? undefined : parse(setting.default, context));
    const value = raw[name];
    if (isBlank(value)) {
      values[name] = fallback();
      continue;
    }
    try {
      values[name] = parse(value, context);
    } catch (error) {
      if (!(error instanceof SettingProblem)) throw error;
      problems.push(...error.messages.map((message) => `${settingLabel(name)}: ${message}`));
      values[name] = fallback();
    }
  }
  return values as ServeSettingValues;
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
