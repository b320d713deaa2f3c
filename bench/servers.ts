/** The servers under load: pcapi on a dataset, the bare node:http ceiling, the Fastify floor, and Stoplight Prism. */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { nodeWithTsx, pcapiCommand } from './dataset.js';
import { BENCH_DIR, REPO_DIR } from './options.js';
import { startProcess, waitForStatus, type Started } from './processes.js';
import { BENCH_PUBLIC_URL } from './requests.js';

export const OPENAPI_DOCUMENT = join(REPO_DIR, 'packages/contracts/openapi.json');

export interface RunningTarget {
  started: Started;
  url: string;
  /** Milliseconds from spawn to the first expected answer. */
  readyMs: number;
}

export interface Probe {
  path: string;
  headers: Record<string, string>;
}

/**
 * `pcapi serve` on a prepared data folder, throttling off, seeding off (no demo into a non-empty store);
 * `decisionCache: false` starts it with `--decision-cache-ttl 0`, so every request reads the store.
 */
export function pcapiServeArgs(dataDir: string, port: number, logLevel: string, decisionCache = true, extraArgs: string[] = []): string[] {
  return [
    'serve', '--data-dir', dataDir, '--host', '127.0.0.1', '--port', String(port), '--public-url', BENCH_PUBLIC_URL,
    '--log-level', logLevel, '--throttle-tenant', '0', '--throttle-tenant-customer', '0', '--no-demo',
    ...(decisionCache ? [] : ['--decision-cache-ttl', '0']),
    ...extraArgs,
  ];
}

/** `script`: another build's bundle (a baseline); the selected entry by default. */
export async function startPcapi(options: { dataDir: string; port: number; logLevel: string; decisionCache?: boolean; script?: string; extraArgs?: string[]; cpu: string | undefined; logFile: string; probe: Probe; timeoutMs?: number }): Promise<RunningTarget> {
  const [node, script] = pcapiCommand(pcapiServeArgs(options.dataDir, options.port, options.logLevel, options.decisionCache, options.extraArgs), options.script);
  // Node's own flags for the servers measured, e.g. PCAPI_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"
  // (Node refuses --cpu-prof in NODE_OPTIONS); a profile is written when the server stops.
  const args = [...(process.env.PCAPI_BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean), ...script];
  const since = performance.now();
  const started = startProcess(node, args, { cpu: options.cpu, logFile: options.logFile, cwd: REPO_DIR });
  const url = `http://127.0.0.1:${options.port}`;
  try {
    const readyMs = await waitForStatus(url + options.probe.path, options.probe.headers, 200, { since, timeoutMs: options.timeoutMs ?? 60_000, started });
    return { started, url, readyMs };
  } catch (error) {
    await started.stop();
    throw error;
  }
}

/** The ceiling (bare node:http), or with `framework: 'fastify'` the Fastify floor: see ceiling-server.ts. */
export async function startCeiling(options: { port: number; sampleFile: string; cpu: string | undefined; logFile: string; probe: Probe; framework?: 'fastify' }): Promise<RunningTarget> {
  const [node, args] = nodeWithTsx(join(BENCH_DIR, 'ceiling-server.ts'), [String(options.port), options.sampleFile, ...(options.framework ? [options.framework] : [])]);
  const since = performance.now();
  const started = startProcess(node, args, { cpu: options.cpu, logFile: options.logFile, cwd: REPO_DIR });
  const url = `http://127.0.0.1:${options.port}`;
  try {
    const readyMs = await waitForStatus(url + options.probe.path, options.probe.headers, 200, { since, timeoutMs: 30_000, started });
    return { started, url, readyMs };
  } catch (error) {
    await started.stop();
    throw error;
  }
}

/** The installed Fastify's version (the one pcapi runs on). */
export function fastifyVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('fastify/package.json') as { version: string }).version;
}

export function prismVersion(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    return (require('@stoplight/prism-cli/package.json') as { version: string }).version;
  } catch {
    return undefined;
  }
}

/** Prism's CLI script, run with this Node (not through npx, which would add a process). */
export function prismEntry(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@stoplight/prism-cli/package.json')), 'dist/index.js');
}

/**
 * `prism mock` on pcapi's OpenAPI document (static mode: it answers the document's 200 example), one
 * process (no --multiprocess), per-request logging at the same level as pcapi's.
 */
export async function startPrism(options: { port: number; logLevel: string; cpu: string | undefined; logFile: string; probe: Probe; timeoutMs: number }): Promise<RunningTarget> {
  const args = [prismEntry(), 'mock', '-h', '127.0.0.1', '-p', String(options.port), '-v', options.logLevel, OPENAPI_DOCUMENT];
  const since = performance.now();
  const started = startProcess(process.execPath, args, { cpu: options.cpu, logFile: options.logFile, cwd: REPO_DIR });
  const url = `http://127.0.0.1:${options.port}`;
  try {
    const readyMs = await waitForStatus(url + options.probe.path, options.probe.headers, 200, { since, timeoutMs: options.timeoutMs, started, intervalMs: 50 });
    return { started, url, readyMs };
  } catch (error) {
    await started.stop();
    throw error;
  }
}
