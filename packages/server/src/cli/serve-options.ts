/** The `pcapi serve` flags, each with its PCAPI_* environment variable (config.ts validates values). */
import { Option, type Command } from 'commander';
import { ENV } from '../config.js';

export function addStoreOptions(command: Command): Command {
  return command
    .addOption(new Option('--data-dir <dir>', 'data folder: SQLite database and signing key').env(ENV.dataDir).default('data'))
    .addOption(new Option('--database <location>', 'SQLite file (default <data-dir>/pcapi.db)').env(ENV.database));
}

export function addServeOptions(command: Command): Command {
  return addStoreOptions(command)
    .addOption(new Option('--host <host>', 'address to listen on').env(ENV.host).default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'port to listen on (0 picks a free one)').env(ENV.port).default('8080'))
    .addOption(new Option('--public-url <url>', 'base URL clients use (issuer of local tokens); default from host, port and TLS').env(ENV.publicUrl))
    .addOption(new Option('--tls-cert <file>', 'PEM certificate: serve HTTPS (MSAL needs it)').env(ENV.tlsCert))
    .addOption(new Option('--tls-key <file>', 'PEM private key for --tls-cert').env(ENV.tlsKey))
    .addOption(new Option('--seed <file>', 'seed file imported at every start (idempotent)').env(ENV.seed))
    .addOption(new Option('--no-demo', 'do not load the demo dataset into an empty store'))
    .addOption(new Option('--trusted-issuer <issuer...>', 'trust an external issuer: ISSUER or ISSUER|DISCOVERY_URL; {tenantid} allowed').env(ENV.trustedIssuer))
    .addOption(new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent').env(ENV.logLevel).default('info'))
    .addOption(new Option('--explain-denials <bool>', 'list the checks made in error data').env(ENV.explainDenials).default('true'))
    .addOption(new Option('--nested-groups <bool>', 'count membership through nested groups').env(ENV.nestedGroups).default('false'))
    .addOption(new Option('--service-principals-in-gdap-groups <bool>', 'let app-only callers gain GDAP access through groups').env(ENV.servicePrincipalsInGdapGroups).default('true'))
    .addOption(new Option('--clock-tolerance <seconds>', 'allowed clock skew for exp/nbf/iat').env(ENV.clockTolerance).default('60'))
    .addOption(new Option('--token-cache-size <n>', 'verified tokens kept in memory (0 disables)').env(ENV.tokenCacheSize).default('10000'))
    .addOption(new Option('--workers <n>', 'processes serving the port; "auto" for one per core').env(ENV.workers).default('1'))
    .addOption(new Option('--redis <url>', 'share throttling and sign-in lockout state through Redis (redis://host:6379)').env(ENV.redis))
    .addOption(new Option('--throttle-tenant <n/s>', 'requests per seconds per partner tenant; 0 = no limit').env(ENV.throttleTenant).default('500/60'))
    .addOption(new Option('--throttle-tenant-customer <n/s>', 'requests per seconds per partner + customer; 0 = no limit').env(ENV.throttleTenantCustomer).default('100/60'))
    .addOption(new Option('--decision-cache-ttl <seconds>', 'reuse an access decision this long at most (0 disables); data changes clear it at once').env(ENV.decisionCacheTtl).default('60'))
    .addOption(new Option('--decision-cache-size <n>', 'access decisions kept in memory').env(ENV.decisionCacheSize).default('100000'))
    .addOption(new Option('--lockout-threshold <n>', 'failed sign-ins that lock a user or client (Entra: 10); 0 = no lockout').env(ENV.lockoutThreshold).default('10'))
    .addOption(new Option('--lockout-duration <seconds>', 'how long a locked user or client is refused').env(ENV.lockoutDuration).default('60'))
    .addOption(new Option('--headers-timeout <seconds>', 'time for a request\'s headers to arrive, from the connection\'s opening or the request\'s first byte; then 408 (0 = none)').env(ENV.headersTimeout).default('10'))
    .addOption(new Option('--request-timeout <seconds>', 'time for a whole request (headers and body) to arrive; then 408 (0 = none)').env(ENV.requestTimeout).default('30'))
    .addOption(new Option('--keep-alive-timeout <seconds>', 'an idle keep-alive connection is closed after this long').env(ENV.keepAliveTimeout).default('72'))
    .addOption(new Option('--max-connections <n>', 'open connections per process; more are closed unanswered').env(ENV.maxConnections).default('10000'))
    .addOption(new Option('--metrics', 'serve Prometheus metrics at /metrics (recorded per request: off by default)').env(ENV.metrics))
    .addOption(new Option('--metrics-port <port>', 'serve /metrics on this port instead (same host; 0 picks a free one); turns metrics on').env(ENV.metricsPort))
    .addOption(new Option('--log-requests', 'log one JSON line per answered request (info level)').env(ENV.logRequests))
    .addOption(new Option('--log-format <format>', 'auto (pretty on a terminal, else JSON lines), json or pretty').env(ENV.logFormat).default('auto'))
    .addOption(new Option('--audit-retention <days>', 'days the audit trail keeps entries; 0 = no audit trail').env(ENV.auditRetention).default('30'))
    .addOption(new Option('--emulator', 'serve the emulator endpoints under /_pcapi/: clock, reset, export, import, faults').env(ENV.emulator))
    .addOption(new Option('--emulator-key <key>', 'admin key (X-PCAPI-Admin-Key) for the emulator endpoints; required off loopback').env(ENV.emulatorKey))
    .addOption(new Option('--clock-start <instant>', 'start the clock at this ISO 8601 instant instead of now').env(ENV.clockStart))
    .addOption(new Option('--gdap-delays <profile>', 'GDAP transitions: immediate, or realistic (Partner Center-like delays)').env(ENV.gdapDelays).default('immediate'))
    .addOption(new Option('--on-redis-unavailable <mode>', 'allow (serve and warn), deny (503) or memory (per-process limits)').env(ENV.onRedisUnavailable).default('allow'));
}
