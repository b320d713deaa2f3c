/**
 * `pcapi serve`: one process, or with `--workers N` a primary that prepares the data once (migrations,
 * seed, first signing key) and forks N workers sharing the port. SIGTERM/SIGINT stop accepting, finish what
 * is in flight, and exit 0.
 */
import cluster from 'node:cluster';
import { derivePublicUrl, type ServeConfig } from '../config.js';
import { systemClock } from '../clock.js';
import { ensureSigningKey } from '../identity/key-ring.js';
import { createLogger } from '../logging.js';
import { seedStore, startServer } from '../server.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { recordPublicUrl, undoNewSqliteStore } from './cli-store.js';

export async function runServe(config: ServeConfig): Promise<void> {
  if (cluster.isWorker) return serveInThisProcess(config, true);
  // A start that fails (a refused seed file, a port in use) leaves no new store behind.
  const undo = undoNewSqliteStore(config.database);
  try {
    if (config.workers <= 1) return await serveInThisProcess(config, false);
    return await servePrimary(config);
  } catch (error) {
    undo();
    throw error;
  }
}

async function serveInThisProcess(config: ServeConfig, isWorker: boolean): Promise<void> {
  // The primary records the URL when it can know it; with port 0 only a worker learns the port.
  const record = !isWorker || (config.publicUrl === undefined && config.port === 0);
  const server = await startServer(config, {
    seed: !isWorker,
    ...(record ? { onListening: ({ store, url, log }) => recordUrl(store, url, log) } : {}),
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'stopping: finishing requests in flight');
    await server.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

/**
 * Records the URL this server answers at in the store, for `pcapi token` (see cli-store.ts). A failure
 * costs only that default, so it is a warning, never a failed start.
 */
async function recordUrl(store: Store, url: string, log: { warn(object: object, message: string): void }): Promise<void> {
  try {
    await recordPublicUrl(store, url, new Date(systemClock.now()));
  } catch (error) {
    log.warn({ err: error }, `could not record the public URL in the store (pcapi token will need --public-url ${url})`);
  }
}

const silentLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function servePrimary(config: ServeConfig): Promise<void> {
  // The same logger as the workers' (format, redaction); a silent one is a no-op.
  const log = createLogger({ level: config.logLevel, format: config.logFormat }) ?? silentLog;
  // Once, before forking: migrations, seed and key creation must not race between workers.
  const store = await openStore(config.database);
  try {
    await seedStore(config, store, log);
    await ensureSigningKey({ store, clock: systemClock, legacyDataDir: config.dataDir });
    if (config.publicUrl !== undefined || config.port !== 0) await recordUrl(store, config.publicUrl ?? derivePublicUrl(config, config.port), log);
  } finally {
    await store.close();
  }

  let stopping = false;
  let listening = 0;
  const fork = () => cluster.fork();
  cluster.on('listening', () => {
    listening++;
    if (listening === config.workers) log.info({ workers: config.workers, port: config.port }, 'pcapi is serving with all workers');
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    log.error({ worker: worker.process.pid, code, signal }, 'worker exited unexpectedly; starting another');
    fork();
  });
  for (let index = 0; index < config.workers; index++) fork();

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping workers: each finishes its requests in flight');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
