/**
 * Every `pcapi serve` setting, once: its flag, environment variable, kind of value, default, `--help`
 * line and documented meaning. The commander options (cli/serve-options.ts), the validation
 * (config.ts) and the table in docs/configuration.md (serve-settings-doc.ts) are built from it.
 */
import { DEFAULT_CONNECTION_LIMITS } from './connection-limits.js';
import { ENTRA_LOCKOUT_DEFAULTS } from './identity/sign-in-lockout.js';
import * as kind from './serve-settings-parsers.js';
import type { SettingContext } from './serve-settings-parsers.js';
import { PUBLISHED_TENANT_LIMIT, type ThrottleLimit } from './throttle/index.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Per partner + customer pair: unpublished; 100 a minute keeps one customer from eating a partner's budget. */
export const DEFAULT_TENANT_CUSTOMER_LIMIT: ThrottleLimit = { requests: 100, perSeconds: 60 };

export interface ServeSetting<Raw, Value> {
  /** Commander's flags: `--port <port>`; a switch `--metrics`; or `--no-demo`. */
  flags: string;
  env: string;
  /** Text as a user would type it, parsed like a given value; without one an unset setting is undefined. */
  default?: string;
  /** The documented default when the text does not say it (markdown). */
  docDefault?: string;
  /** Follows the variable in the docs (markdown). */
  envNote?: string;
  /** One line for `pcapi serve --help`. */
  help: string;
  /** The documented meaning (markdown). */
  meaning: string;
  /** The value of a given (non-blank) flag or variable; throws a SettingProblem. */
  parse: (raw: Raw, context: SettingContext) => Value;
}

const seconds = (ms: number) => String(ms / 1000);
const perSeconds = (limit: ThrottleLimit) => `${limit.requests}/${limit.perSeconds}`;

/** In the order of the documented table; names are commander's attribute names for the flags. */
export const SERVE_SETTINGS = {
  host: {
    flags: '--host <host>', env: 'PCAPI_HOST', default: '127.0.0.1', parse: kind.hostName,
    help: 'address to listen on',
    meaning: 'Address to listen on. `0.0.0.0` for all interfaces.',
  },
  port: {
    flags: '--port <port>', env: 'PCAPI_PORT', default: '8080', parse: kind.wholeNumber(0, 65535),
    help: 'port to listen on (0 picks a free one)',
    meaning: 'Port; `0` picks a free one.',
  },
  dataDir: {
    flags: '--data-dir <dir>', env: 'PCAPI_DATA_DIR', default: 'data', docDefault: '`./data`', parse: kind.folder,
    help: 'data folder: SQLite database and signing key',
    meaning: 'Holds the SQLite database. The issuer\'s [signing keys](api.md#signing-keys) live in the store; a `signing-key.json` left here by an earlier pcapi is imported into a store that has no key.',
  },
  database: {
    flags: '--database <location>', env: 'PCAPI_DATABASE', docDefault: '`<data-dir>/pcapi.db`', parse: kind.databaseLocation,
    help: 'SQLite file (default <data-dir>/pcapi.db)',
    meaning: 'A SQLite file (`sqlite:` prefix optional, `:memory:` for throwaway), or a PostgreSQL URL `postgres://user:password@host:5432/database` for [many processes](#scaling-out). Migrations run at start. The password is never logged.',
  },
  publicUrl: {
    flags: '--public-url <url>', env: 'PCAPI_PUBLIC_URL', docDefault: '`http://127.0.0.1:<port>`; with TLS `https://localhost:<port>`', parse: kind.httpBaseUrl,
    help: 'base URL clients use (issuer of local tokens); default from host, port and TLS',
    meaning: 'Base URL clients reach pcapi at. It is the issuer of local tokens (`<url>/<tenant>/v2.0`), so set it when pcapi sits behind a proxy or a different host name. `pcapi serve` records it in the store, and `pcapi token` on the same store mints tokens for it unless given another.',
  },
  tlsCert: {
    flags: '--tls-cert <file>', env: 'PCAPI_TLS_CERT', parse: kind.fileContents,
    help: 'PEM certificate: serve HTTPS (MSAL needs it)',
    meaning: 'PEM certificate: serve HTTPS. MSAL refuses `http://` authorities, so MSAL users need this. Must be given with `--tls-key`.',
  },
  tlsKey: {
    flags: '--tls-key <file>', env: 'PCAPI_TLS_KEY', parse: kind.fileContents,
    help: 'PEM private key for --tls-cert',
    meaning: 'PEM private key for `--tls-cert`.',
  },
  seed: {
    flags: '--seed <file>', env: 'PCAPI_SEED', parse: kind.existingFile,
    help: 'seed file imported at every start (idempotent)',
    meaning: 'A [seed file](seed-format.md) imported at every start (idempotent: unchanged data stays as it is).',
  },
  demo: {
    flags: '--no-demo', env: 'PCAPI_DEMO', envNote: '(`false` starts empty)', default: 'true', docDefault: 'demo on', parse: kind.trueOrFalse,
    help: 'do not load the demo dataset into an empty store',
    meaning: 'Without `--seed`, the [demo dataset](demo.md) loads into an **empty** store on first start. `--no-demo` starts empty.',
  },
  trustedIssuer: {
    flags: '--trusted-issuer <issuer...>', env: 'PCAPI_TRUSTED_ISSUERS', envNote: '(comma or space separated)', docDefault: 'none', parse: kind.trustedIssuers,
    help: 'trust an external issuer: ISSUER or ISSUER|DISCOVERY_URL; {tenantid} allowed',
    meaning: 'Trust tokens from an external issuer. `ISSUER` or `ISSUER|DISCOVERY_URL`; `{tenantid}` is replaced by the token\'s `tid`. See below.',
  },
  logLevel: {
    flags: '--log-level <level>', env: 'PCAPI_LOG_LEVEL', default: 'info', parse: kind.oneOf(LOG_LEVELS),
    help: `${LOG_LEVELS.slice(0, -1).join(', ')} or ${LOG_LEVELS.at(-1)}`,
    meaning: `${LOG_LEVELS.map((level) => `\`${level}\``).join(', ')}. Logs (pino) go to stdout, as \`--log-format\` says.`,
  },
  logFormat: {
    flags: '--log-format <format>', env: 'PCAPI_LOG_FORMAT', default: 'auto', parse: kind.oneOf(LOG_FORMATS),
    help: 'auto (pretty on a terminal, else JSON lines), json or pretty',
    meaning: '`auto`: human-readable when stdout is a terminal, JSON lines otherwise; `json`; `pretty`.',
  },
  logRequests: {
    flags: '--log-requests', env: 'PCAPI_LOG_REQUESTS', default: 'false', parse: kind.trueOrFalse,
    help: 'log one JSON line per answered request (info level)',
    meaning: 'Log one JSON line per answered request at `info` level: method, route, status, duration, `MS-RequestId`, `MS-CorrelationId`, partner and customer.',
  },
  explainDenials: {
    flags: '--explain-denials <bool>', env: 'PCAPI_EXPLAIN_DENIALS', default: 'true', parse: kind.trueOrFalse,
    help: 'list the checks made in error data',
    meaning: 'List the checks made in each error\'s `data` and in `WWW-Authenticate`\'s `error_description`. Set `false` for deployments that must not disclose why access was refused: `data` is then `[]`.',
  },
  nestedGroups: {
    flags: '--nested-groups <bool>', env: 'PCAPI_NESTED_GROUPS', default: 'false', parse: kind.trueOrFalse,
    help: 'count membership through nested groups',
    meaning: 'Count membership through nested groups (agent groups and GDAP security groups). See [authorization.md](authorization.md).',
  },
  servicePrincipalsInGdapGroups: {
    flags: '--service-principals-in-gdap-groups <bool>', env: 'PCAPI_SERVICE_PRINCIPALS_IN_GDAP_GROUPS', default: 'true', parse: kind.trueOrFalse,
    help: 'let app-only callers gain GDAP access through groups',
    meaning: 'Let app-only callers gain GDAP access through security groups they are members of.',
  },
  repeatCallLane: {
    flags: '--repeat-call-lane <bool>', env: 'PCAPI_REPEAT_CALL_LANE', default: 'true', parse: kind.trueOrFalse,
    help: 'answer repeat organization calls before routing',
    meaning: 'Answer a repeated `GET` of the organization (its token and answer both in memory) before Fastify routes it, by the same steps: the same answer, audit event, metrics and log line, in less time ([benchmarks.md](benchmarks.md#the-repeat-call-lane)). `false` routes every call.',
  },
  clockTolerance: {
    flags: '--clock-tolerance <seconds>', env: 'PCAPI_CLOCK_TOLERANCE', default: '60', parse: kind.wholeNumber(0, 600),
    help: 'allowed clock skew for exp/nbf/iat',
    meaning: 'Clock skew allowed on `exp`, `nbf`, `iat` (0–600): a token whose `iat` is further in the future than this is refused.',
  },
  tokenCacheSize: {
    flags: '--token-cache-size <n>', env: 'PCAPI_TOKEN_CACHE_SIZE', default: '10000', parse: kind.wholeNumber(0, 1_000_000),
    help: 'verified tokens kept in memory (0 disables)',
    meaning: 'Authorization headers kept in memory with the caller their token proved, so a repeated token skips parsing, the RSA check and the partner look-up. An entry is never used past the token\'s `exp` and is dropped on any data change. `0` disables.',
  },
  decisionCacheTtl: {
    flags: '--decision-cache-ttl <seconds>', env: 'PCAPI_DECISION_CACHE_TTL', default: '60', parse: kind.wholeNumber(0, 3600),
    help: 'reuse an access decision this long at most (0 disables); data changes clear it at once',
    meaning: 'Reuse an access decision (and the organization it returns) for one (partner, caller, customer) this long at most, never past the granting relationship\'s end. Any data change clears the cache at once (see [scaling out](#scaling-out)). `0` disables.',
  },
  decisionCacheSize: {
    flags: '--decision-cache-size <n>', env: 'PCAPI_DECISION_CACHE_SIZE', default: '100000', parse: kind.wholeNumber(1, 10_000_000),
    help: 'access decisions kept in memory',
    meaning: 'Decisions kept in memory per process.',
  },
  workers: {
    flags: '--workers <n>', env: 'PCAPI_WORKERS', default: '1', parse: kind.processCount(64),
    help: 'processes serving the port; "auto" for one per core',
    meaning: 'Processes serving the port (`auto`: one per core; at most 64). The first process migrates, seeds and creates the first signing key once, then forks.',
  },
  redis: {
    flags: '--redis <url>', env: 'PCAPI_REDIS', parse: kind.redisUrl,
    help: 'share throttling and sign-in lockout state through Redis (redis://host:6379)',
    meaning: '`redis://host:6379`: keep throttling and [sign-in lockout](#sign-in-lockout) state in Redis so limits hold across processes and machines. Without it each process counts alone.',
  },
  throttleTenant: {
    flags: '--throttle-tenant <n/s>', env: 'PCAPI_THROTTLE_TENANT', default: perSeconds(PUBLISHED_TENANT_LIMIT), parse: kind.throttleLimit,
    help: 'requests per seconds per partner tenant; 0 = no limit',
    meaning: 'Requests per partner tenant per seconds (Microsoft\'s published limit for the Customer resource). `0` = no limit.',
  },
  throttleTenantCustomer: {
    flags: '--throttle-tenant-customer <n/s>', env: 'PCAPI_THROTTLE_TENANT_CUSTOMER', default: perSeconds(DEFAULT_TENANT_CUSTOMER_LIMIT), parse: kind.throttleLimit,
    help: 'requests per seconds per partner + customer; 0 = no limit',
    meaning: 'Requests per partner + customer pair (unpublished; pcapi\'s choice). `0` = no limit.',
  },
  lockoutThreshold: {
    flags: '--lockout-threshold <n>', env: 'PCAPI_LOCKOUT_THRESHOLD', default: String(ENTRA_LOCKOUT_DEFAULTS.threshold), parse: kind.wholeNumber(0, 1000),
    help: 'failed sign-ins that lock a user or client (Entra: 10); 0 = no lockout',
    meaning: 'Failed sign-ins (wrong password, or wrong client secret) that lock a user or client at the token endpoint (Entra\'s default). `0` = no lockout. 0–1000. See [sign-in lockout](#sign-in-lockout).',
  },
  lockoutDuration: {
    flags: '--lockout-duration <seconds>', env: 'PCAPI_LOCKOUT_DURATION', default: String(ENTRA_LOCKOUT_DEFAULTS.durationSeconds), parse: kind.wholeNumber(1, 86_400),
    help: 'how long a locked user or client is refused',
    meaning: 'How long a locked user or client is refused (Entra\'s first lockout). 1–86400.',
  },
  onRedisUnavailable: {
    flags: '--on-redis-unavailable <mode>', env: 'PCAPI_ON_REDIS_UNAVAILABLE', default: 'allow', parse: kind.oneOf(['allow', 'deny', 'memory'], 'allow, deny or memory'),
    help: 'allow (serve and warn), deny (503) or memory (per-process limits)',
    meaning: 'When Redis does not answer (within 200 ms): `allow` serves unthrottled and logs one warning per outage; `memory` falls back to per-process limits; `deny` answers `503` `throttleUnavailable`.',
  },
  headersTimeout: {
    flags: '--headers-timeout <seconds>', env: 'PCAPI_HEADERS_TIMEOUT', default: seconds(DEFAULT_CONNECTION_LIMITS.headersTimeoutMs), parse: kind.secondsAsMs(0, 3_600_000),
    help: 'time for a request\'s headers to arrive, from the connection\'s opening or the request\'s first byte; then 408 (0 = none)',
    meaning: 'A request\'s headers must be complete this long after the connection opened (or, on a kept-alive connection, after the request\'s first byte); otherwise `408` and the connection is closed. `0` = no limit (not advised). See [connections and timeouts](#connections-and-timeouts).',
  },
  requestTimeout: {
    flags: '--request-timeout <seconds>', env: 'PCAPI_REQUEST_TIMEOUT', default: seconds(DEFAULT_CONNECTION_LIMITS.requestTimeoutMs), parse: kind.secondsAsMs(0, 3_600_000),
    help: 'time for a whole request (headers and body) to arrive; then 408 (0 = none)',
    meaning: 'The whole request, body included, must arrive within this; otherwise `408`. At least `--headers-timeout`. `0` = no limit (not advised).',
  },
  keepAliveTimeout: {
    flags: '--keep-alive-timeout <seconds>', env: 'PCAPI_KEEP_ALIVE_TIMEOUT', default: seconds(DEFAULT_CONNECTION_LIMITS.keepAliveTimeoutMs), parse: kind.secondsAsMs(1, 3_600_000),
    help: 'an idle keep-alive connection is closed after this long',
    meaning: 'An idle keep-alive connection is closed after this long, silently.',
  },
  maxConnections: {
    flags: '--max-connections <n>', env: 'PCAPI_MAX_CONNECTIONS', default: String(DEFAULT_CONNECTION_LIMITS.maxConnections), parse: kind.wholeNumber(1, 1_000_000),
    help: 'open connections per process; more are closed unanswered',
    meaning: 'Open connections per process (1–1,000,000); one more is closed as soon as it is accepted, unanswered. Keep it below the process\'s open-file limit (`ulimit -n`).',
  },
  metrics: {
    flags: '--metrics', env: 'PCAPI_METRICS', default: 'false', parse: kind.trueOrFalse,
    help: 'serve Prometheus metrics at /metrics (recorded per request: off by default)',
    meaning: 'Serve Prometheus metrics at `/metrics` ([Health](#health)); each request is then counted and timed.',
  },
  metricsPort: {
    flags: '--metrics-port <port>', env: 'PCAPI_METRICS_PORT', docDefault: '— (the API port)', parse: kind.wholeNumber(0, 65535),
    help: 'serve /metrics on this port instead (same host; 0 picks a free one); turns metrics on',
    meaning: 'Serve `/metrics` on this port, a listener of its own on the same host, instead of the API port; `0` picks a free one. Setting it turns metrics on.',
  },
  auditRetention: {
    flags: '--audit-retention <days>', env: 'PCAPI_AUDIT_RETENTION', default: '30', parse: kind.wholeNumber(0, 3650),
    help: 'days the audit trail keeps entries; 0 = no audit trail',
    meaning: 'Days the [audit trail](#audit-trail) keeps entries (0–3650), by the server\'s clock; `0` records no audit trail.',
  },
  auditMaxEvents: {
    flags: '--audit-max-events <n>', env: 'PCAPI_AUDIT_MAX_EVENTS', default: '1000000', parse: kind.wholeNumber(1000, 1_000_000_000),
    help: 'the audit trail keeps about this many events at most, the newest',
    meaning: 'The [audit trail](#audit-trail) keeps about this many events at most (1,000–1,000,000,000), the newest: a load test records thousands a second. Checked after each write (every 200 ms under load), by whole writes: up to one write more is kept.',
  },
  emulator: {
    flags: '--emulator', env: 'PCAPI_EMULATOR', default: 'false', docDefault: 'off (`npm start` turns it on)', parse: kind.trueOrFalse,
    help: 'serve the emulator endpoints under /_pcapi/: clock, reset, export, import, faults',
    meaning: 'Serve the [emulator endpoints](#the-emulator-endpoints) under `/_pcapi/`: the clock, reset, export, import and fault injection.',
  },
  emulatorKey: {
    flags: '--emulator-key <key>', env: 'PCAPI_EMULATOR_KEY', parse: kind.emulatorKey,
    help: 'admin key (X-PCAPI-Admin-Key) for the emulator endpoints; required off loopback',
    meaning: 'With it, the emulator endpoints answer any address that sends it in `X-PCAPI-Admin-Key` (at least 16 characters); without it, loopback callers only. Required with `--emulator` when listening on another address than loopback.',
  },
  clockStart: {
    flags: '--clock-start <instant>', env: 'PCAPI_CLOCK_START', docDefault: 'now', parse: kind.isoInstant,
    help: 'start the clock at this ISO 8601 instant instead of now',
    meaning: 'Start the server\'s clock at this ISO 8601 date or instant (`2027-01-01`, `2027-01-01T09:00:00Z`); it runs on from there. With `--emulator` it sets the clock every process on the store shares, unless one already set it.',
  },
  gdapDelays: {
    flags: '--gdap-delays <profile>', env: 'PCAPI_GDAP_DELAYS', default: 'immediate', parse: kind.oneOf(['immediate', 'realistic'], 'immediate or realistic'),
    help: 'GDAP transitions: immediate, or realistic (Partner Center-like delays)',
    meaning: 'How long GDAP transitions take ([graph.md](graph.md)): `immediate` (tests), or `realistic`: approval 30 s then activation 60 s, termination 30 s then 60 s, an access assignment 30 s, `expiring` 60 s.',
  },
} satisfies Record<string, ServeSetting<never, unknown>>;

type Settings = typeof SERVE_SETTINGS;
export type ServeSettingName = keyof Settings;

/** Values as commander hands them over (flag, else variable, else its default), or as code passes them. */
export type RawServeOptions = { [Name in ServeSettingName]?: Parameters<Settings[Name]['parse']>[0] };

/** Each setting's value; undefined when unset and without a default. */
export type ServeSettingValues = {
  [Name in ServeSettingName]: Settings[Name] extends { default: string } ? ReturnType<Settings[Name]['parse']> : ReturnType<Settings[Name]['parse']> | undefined;
};

/** The settings with their names, in table order, for code that goes through all of them. */
export function serveSettings(): Array<[ServeSettingName, ServeSetting<never, unknown>]> {
  return Object.entries(SERVE_SETTINGS) as Array<[ServeSettingName, ServeSetting<never, unknown>]>;
}

/** `--port`, `--no-demo`: the flag without its argument. */
export function flagOf(name: ServeSettingName): string {
  return SERVE_SETTINGS[name].flags.split(/[ ,]/)[0]!;
}

/** How problems name a setting: `--port (PCAPI_PORT)`. */
export function settingLabel(name: ServeSettingName): string {
  return `${flagOf(name)} (${SERVE_SETTINGS[name].env})`;
}

/** A switch takes no argument: `--metrics`, `--no-demo`. */
export function isSwitch(setting: Pick<ServeSetting<never, unknown>, 'flags'>): boolean {
  return !/[<[]/.test(setting.flags);
}
