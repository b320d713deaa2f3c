/** Starts pcapi from a validated config: store, signing keys, seed, app, listen. */
import { createServer as createHttpServer } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { derivePublicUrl, describeDatabase, type ServeConfig } from './config.js';
import { buildApp } from './app.js';
import { Metrics } from './metrics.js';
import type { DestinationStream } from 'pino';
import { createLogger } from './logging.js';
import { EmulatedClock, systemClock, type Clock } from './clock.js';
import { IMMEDIATE_DELAYS, REALISTIC_DELAYS } from './domain/gdap-lifecycle.js';
import { KeyRing } from './identity/key-ring.js';
import type { TokenIssuer } from './identity/token-issuer.js';
import type { SigningKey } from './identity/signing-key.js';
import { DEMO_SEED_FILE, importSeedDocument, importSeedFile } from './seed/import-seed.js';
import type { SeedDocument } from './seed/seed-document.js';
import type { EmulatorSeed } from './services/emulator-service.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  issuer: TokenIssuer;
  clock: Clock;
  /** The signing keys this server signs and verifies with (shared through the store). */
  keyRing: KeyRing;
  /** The base URL the server is reached at. */
  url: string;
  /** With --metrics-port: where /metrics is served. */
  metricsUrl?: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Import the seed file, or the demo into an empty store. Off in cluster workers: the primary did it once. */
  seed?: boolean;
  /** Where time comes from; the machine's clock unless given. */
  clock?: Clock;
  /** A seed document given in code (startPcapi): imported instead of a file or the demo, and what a reset restores. */
  seedDocument?: SeedDocument;
  /** The first signing key of a store that has none (startPcapi reuses one per process: no key generation per start). */
  initialSigningKey?: SigningKey;
  /** Where log lines go; stdout unless given (tests write them to a file). */
  logDestination?: DestinationStream;
  /** Runs once the listener is up, before the "pcapi is serving" line (pcapi serve records its URL in the store). */
  onListening?: (listening: { store: Store; url: string; log: FastifyInstance['log'] }) => Promise<void>;
}

/** Imports the configured seed file, or the demo dataset into an empty store. */
export async function seedStore(config: ServeConfig, store: Store, log: Pick<FastifyInstance['log'], 'info' | 'warn'>, clock: Clock = systemClock): Promise<void> {
  const now = new Date(clock.now());
  const file = config.seedFile ?? (config.demo && (await store.isEmpty()) ? DEMO_SEED_FILE : undefined);
  if (file === undefined) return;
  const { warnings, ...summary } = await importSeedFile(store, file, now);
  log.info({ seed: file, ...summary }, file === config.seedFile ? 'seed file imported' : 'demo dataset loaded into the empty store');
  // Work after the commit that failed (statistics refresh): the data is imported; say so, once each.
  for (const warning of warnings ?? []) log.warn({ seed: file }, warning);
}

/** What the emulator's reset restores: the document given in code, the seed file, the demo, or nothing. */
function emulatorSeed(config: ServeConfig, document: SeedDocument | undefined): EmulatorSeed | undefined {
  if (document) return { document };
  const file = config.seedFile ?? (config.demo ? DEMO_SEED_FILE : undefined);
  return file === undefined ? undefined : { file };
}

export async function startServer(config: ServeConfig, options: StartOptions = {}): Promise<RunningServer> {
  const store = await openStore(config.database);
  let built: FastifyInstance | undefined;
  // One clock for the server: the machine's, unless users move it (--clock-start, the emulator's endpoints).
  const serverClock = options.clock ?? new EmulatedClock();
  try {
    const keyRing = await KeyRing.open({
      store, clock: serverClock, clockToleranceSeconds: config.clockToleranceSeconds, initialKey: options.initialSigningKey,
      // An in-memory store (startPcapi) reads nothing from a data folder either.
      legacyDataDir: config.database.kind === 'sqlite' && config.database.file === ':memory:' ? undefined : config.dataDir,
    });
    let publicUrl = config.publicUrl ?? derivePublicUrl(config, config.port);
    const metrics = config.metrics ? new Metrics() : undefined;
    const { app, issuer, clock } = await buildApp({
      store, keyRing, clock: serverClock, publicUrl: () => publicUrl,
      gdapDelays: config.gdapDelays === 'realistic' ? REALISTIC_DELAYS : IMMEDIATE_DELAYS,
      emulator: config.emulator ? { adminKey: config.emulatorKey, seed: emulatorSeed(config, options.seedDocument) } : undefined,
      clockStart: config.clockStart,
      metrics, metricsOnOwnPort: config.metricsPort !== undefined,
      audit: config.auditRetentionDays > 0 ? { retentionDays: config.auditRetentionDays, maxEvents: config.auditMaxEvents } : undefined,
      explainDenials: config.explainDenials, authorization: config.authorization, decisionCache: config.decisionCache,
      tokenCacheSize: config.tokenCacheSize, trustedIssuers: config.trustedIssuers, clockToleranceSeconds: config.clockToleranceSeconds,
      throttle: config.throttle, lockout: config.lockout, https: config.tls, connections: config.connections,
      logger: createLogger({ level: config.logLevel, format: config.logFormat, destination: options.logDestination }),
      logRequests: config.logRequests, repeatCallLane: config.repeatCallLane,
    });

    built = app;
    if (options.seedDocument) await importSeedDocument(store, options.seedDocument, 'the seed given to startPcapi', new Date(clock.now()));
    else if (options.seed !== false) await seedStore(config, store, app.log, clock);

    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const boundPort = typeof address === 'object' && address ? address.port : config.port;
    publicUrl = config.publicUrl ?? derivePublicUrl(config, boundPort);
    const metricsListener = metrics && config.metricsPort !== undefined ? await listenForMetrics(metrics, config.host, config.metricsPort) : undefined;
    await options.onListening?.({ store, url: publicUrl, log: app.log });
    app.log.info({ url: publicUrl, database: describeDatabase(config.database), ...(metricsListener ? { metrics: metricsListener.url } : {}) }, 'pcapi is serving');
    return {
      app, store, issuer, clock, keyRing, url: publicUrl, ...(metricsListener ? { metricsUrl: metricsListener.url } : {}),
      async close() {
        await metricsListener?.close();
        await app.close();
        await store.close();
      },
    };
  } catch (error) {
    await built?.close().catch(() => undefined);
    await store.close();
    throw error;
  }
}

/** /metrics on a port of its own (--metrics-port), so the API port need not expose it: a bare node:http listener. */
async function listenForMetrics(metrics: Metrics, host: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = createHttpServer((request, response) => {
    const path = request.url?.split('?', 1)[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Only GET /metrics is served on this port.\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(request.method === 'HEAD' ? undefined : text),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
    close: () => (closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    })),
  };
}
