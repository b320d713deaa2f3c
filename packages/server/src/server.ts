/** Starts pcapi from a validated config: store, signing key, seed, app, listen. */
import type { FastifyInstance } from 'fastify';
import { derivePublicUrl, describeDatabase, type ServeConfig } from './config.js';
import { buildApp } from './app.js';
import { loadOrCreateSigningKey } from './identity/signing-key.js';
import { TokenIssuer } from './identity/token-issuer.js';
import { TokenVerifier } from './identity/token-verifier.js';
import { DEMO_SEED_FILE, importSeedFile } from './seed/import-seed.js';
import { openStore } from './store/open-store.js';
import { createThrottle } from './throttle/index.js';
import type { Store } from './store/store.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  issuer: TokenIssuer;
  /** The base URL the server is reached at. */
  url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Import the seed file, or the demo into an empty store. Off in cluster workers: the primary did it once. */
  seed?: boolean;
}

/** Imports the configured seed file, or the demo dataset into an empty store. */
export async function seedStore(config: ServeConfig, store: Store, log: Pick<FastifyInstance['log'], 'info'>): Promise<void> {
  if (config.seedFile) {
    const summary = await importSeedFile(store, config.seedFile);
    log.info({ seed: config.seedFile, ...summary }, 'seed file imported');
  } else if (config.demo && (await store.isEmpty())) {
    const summary = await importSeedFile(store, DEMO_SEED_FILE);
    log.info({ seed: DEMO_SEED_FILE, ...summary }, 'demo dataset loaded into the empty store');
  }
}

export async function startServer(config: ServeConfig, options: StartOptions = {}): Promise<RunningServer> {
  const store = await openStore(config.database);
  try {
    const signingKey = await loadOrCreateSigningKey(config.dataDir);
    let publicUrl = config.publicUrl ?? derivePublicUrl(config, config.port);
    const issuer = new TokenIssuer(signingKey, () => publicUrl);
    const verifier = new TokenVerifier({
      signingKey, issuer, trustedIssuers: config.trustedIssuers,
      clockToleranceSeconds: config.clockToleranceSeconds, cacheSize: config.tokenCacheSize,
    });
    // The throttle logs through the app's logger, which exists only once the app is built.
    let app: FastifyInstance | undefined;
    const throttle = createThrottle(config.throttle, {
      warn: (details, message) => app?.log.warn(details, message),
      info: (details, message) => app?.log.info(details, message),
    });
    app = await buildApp({
      store, signingKey, issuer, verifier, publicUrl: () => publicUrl, throttle, throttleLimits: config.throttle,
      explainDenials: config.explainDenials, authorization: config.authorization, decisionCache: config.decisionCache, tokenCacheSize: config.tokenCacheSize, https: config.tls,
      logger: config.logLevel === 'silent' ? false : { level: config.logLevel, redact: ['req.headers.authorization'] },
    });

    if (options.seed !== false) await seedStore(config, store, app.log);

    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const boundPort = typeof address === 'object' && address ? address.port : config.port;
    publicUrl = config.publicUrl ?? derivePublicUrl(config, boundPort);
    app.log.info({ url: publicUrl, database: describeDatabase(config.database) }, 'pcapi is serving');
    return {
      app, store, issuer, url: publicUrl,
      async close() {
        await app!.close();
        await throttle.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
