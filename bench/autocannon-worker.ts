/**
 * The autocannon load generator, run as its own process (pinned to the load core):
 *   node --import tsx bench/autocannon-worker.ts '{"url":..., "poolFile":..., "connections":50, "durationS":10}'
 * Cycles through the pool's (token, customer) pairs and prints one `BENCH_JSON {...}` line.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { parsePoolFile } from './requests.js';

interface WorkerArgs {
  url: string;
  poolFile: string;
  connections: number;
  durationS: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs;
const { tokens, pairs } = parsePoolFile(readFileSync(args.poolFile, 'utf8'));
const paths = pairs.map((pair) => `/v1/customers/${pair.customer}/organization`);
const headers = pairs.map((pair) => ({ authorization: `Bearer ${tokens[pair.token]}`, accept: 'application/json' }));
let position = 0;

// autocannon's own histogram keeps whole milliseconds; keep every response time (ms, fractional) instead.
let latencies = new Float64Array(1 << 20);
let recorded = 0;
const record = (milliseconds: number) => {
  if (recorded === latencies.length) {
    const bigger = new Float64Array(latencies.length * 2);
    bigger.set(latencies);
    latencies = bigger;
  }
  latencies[recorded++] = milliseconds;
};

const instance = autocannon({
  url: args.url,
  connections: args.connections,
  duration: args.durationS,
  pipelining: 1,
  requests: [{
    setupRequest: (request: Record<string, unknown>) => {
      position = position + 1 === paths.length ? 0 : position + 1;
      request.method = 'GET';
      request.path = paths[position];
      request.headers = headers[position];
      return request;
    },
  }],
});
instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => record(responseTime));
const result = await instance;
const sorted = latencies.subarray(0, recorded).sort();
const percentile = (p: number) => (recorded === 0 ? 0 : sorted[Math.min(recorded - 1, Math.ceil((p / 100) * recorded) - 1)]!);
const mean = recorded === 0 ? 0 : sorted.reduce((sum, value) => sum + value, 0) / recorded;

const statusCounts: Record<string, number> = {};
for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) statusCounts[status] = (stats as { count: number }).count;
const completed = Object.values(statusCounts).reduce((sum, count) => sum + count, 0);
process.stdout.write('BENCH_JSON ' + JSON.stringify({
  requests: completed,
  durationUs: Math.round(result.duration * 1e6),
  non2xx: result.non2xx,
  connectErrors: 0,
  readErrors: result.errors,
  writeErrors: 0,
  timeouts: result.timeouts,
  p50Us: Math.round(percentile(50) * 1000),
  p90Us: Math.round(percentile(90) * 1000),
  p99Us: Math.round(percentile(99) * 1000),
  meanUs: mean * 1000,
  maxUs: Math.round((recorded === 0 ? 0 : sorted[recorded - 1]!) * 1000),
  statusCounts,
}) + '\n');
