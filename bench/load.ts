/**
 * Drives one server for a fixed time with the request mix, from a separate load-generator process
 * pinned to its own core: wrk (with bench/wrk-mix.lua) when installed, otherwise autocannon.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { LoadTool } from './options.js';
import { BENCH_DIR, REPO_DIR } from './options.js';
import { runToEnd } from './processes.js';

export interface LoadGenerator {
  tool: 'wrk' | 'autocannon';
  version: string;
  /** Why this tool, e.g. "wrk not installed". */
  note?: string;
}

export interface LoadResult {
  durationS: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  /** Answers that were not 2xx (denials, throttling, errors). */
  non2xx: number;
  /** Per status code, when the tool reports it (autocannon). */
  statusCounts?: Record<string, number>;
  /** Socket errors and timeouts. */
  errors: number;
  /** CPU the load generator used, in % of one core over the run. */
  loadCpuPercent: number;
}

function wrkVersion(): string | undefined {
  const result = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (result.error) return undefined;
  return /wrk\s+(\S+)/.exec(`${result.stdout}${result.stderr}`)?.[1] ?? 'unknown';
}

export function chooseLoadGenerator(wanted: LoadTool): LoadGenerator {
  const wrk = wanted === 'autocannon' ? undefined : wrkVersion();
  if (wanted === 'wrk' && !wrk) throw new Error('--load wrk: wrk is not installed (Debian: apt-get install wrk)');
  if (wrk) return { tool: 'wrk', version: wrk };
  const require = createRequire(import.meta.url);
  const version = (require('autocannon/package.json') as { version: string }).version;
  return { tool: 'autocannon', version, ...(wanted === 'auto' ? { note: 'wrk is not installed; autocannon (Node.js, one thread) may saturate before the fastest servers do' } : {}) };
}

interface RawResult {
  requests: number;
  durationUs: number;
  non2xx: number;
  connectErrors: number;
  readErrors: number;
  writeErrors: number;
  timeouts: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  meanUs: number;
  maxUs: number;
  statusCounts?: Record<string, number>;
}

/**
 * `poolFile`: the benchmark's mix, at full speed. `requestsFile` with `overallRate`: the soak's mix at
 * a fixed rate, which only autocannon does (wrk has no rate limit).
 */
export async function runLoad(generator: LoadGenerator, options: { url: string; poolFile?: string; requestsFile?: string; overallRate?: number; connections: number; durationS: number; cpu: string | undefined }): Promise<LoadResult> {
  let outcome: Awaited<ReturnType<typeof runToEnd>>;
  const tool = generator.tool === 'wrk' && !options.requestsFile && !options.overallRate ? 'wrk' : 'autocannon';
  if (tool === 'wrk') {
    // wrk takes whole seconds.
    const seconds = Math.max(1, Math.round(options.durationS));
    outcome = await runToEnd('wrk', ['-t1', `-c${options.connections}`, `-d${seconds}s`, '--timeout', '5s', '--latency', '-s', join(BENCH_DIR, 'wrk-mix.lua'), options.url], {
      cpu: options.cpu, env: { ...process.env, BENCH_POOL: options.poolFile },
    });
  } else {
    const args = JSON.stringify({ url: options.url, poolFile: options.poolFile, requestsFile: options.requestsFile, overallRate: options.overallRate, connections: options.connections, durationS: options.durationS });
    outcome = await runToEnd(process.execPath, ['--import', 'tsx', join(BENCH_DIR, 'autocannon-worker.ts'), args], { cpu: options.cpu, cwd: REPO_DIR });
  }
  const line = outcome.stdout.split('\n').find((text) => text.startsWith('BENCH_JSON '));
  if (outcome.code !== 0 || !line) throw new Error(`${tool} failed (${outcome.code}): ${outcome.stderr.slice(-2000)}${outcome.stdout.slice(-2000)}`);
  const raw = JSON.parse(line.slice('BENCH_JSON '.length)) as RawResult;
  const durationS = raw.durationUs / 1e6;
  return {
    durationS,
    requests: raw.requests,
    rps: durationS > 0 ? raw.requests / durationS : 0,
    p50Ms: raw.p50Us / 1000,
    p90Ms: raw.p90Us / 1000,
    p99Ms: raw.p99Us / 1000,
    meanMs: raw.meanUs / 1000,
    maxMs: raw.maxUs / 1000,
    non2xx: raw.non2xx,
    ...(raw.statusCounts ? { statusCounts: raw.statusCounts } : {}),
    errors: raw.connectErrors + raw.readErrors + raw.writeErrors + raw.timeouts,
    // The CPU figure includes the tool's start-up (small against a 10 s run).
    loadCpuPercent: durationS > 0 ? (outcome.cpuSeconds / durationS) * 100 : 0,
  };
}
