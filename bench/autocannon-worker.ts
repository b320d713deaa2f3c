/**
 * The autocannon load generator, run as its own process (pinned to the load core):
 *   node --import tsx bench/autocannon-worker.ts '{"url":..., "poolFile":..., "connections":50, "durationS":10}'
 * Cycles through the pool's (token, customer) pairs, or through `requestsFile` (a JSON array of
 * {method, path, headers, body?}: the soak's mix), at full speed or at `overallRate` requests per
 * second in all, and prints one `BENCH_JSON {...}` line.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

interface WorkerArgs {
  url: string;
  poolFile?: string;
  requestsFile?: string;
  connections: number;
  durationS: number;
  overallRate?: number;
}

export interface MixRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** The pool file (requests.ts): `t TOKEN` lines, then `p TOKEN_INDEX CUSTOMER_ID` lines. Read here, not imported: this process starts faster without the server's modules. */
function poolRequests(poolFile: string): MixRequest[] {
  const tokens: string[] = [];
  const requests: MixRequest[] = [];
  for (const line of readFileSync(poolFile, 'utf8').split('\n')) {
    if (line.startsWith('t ')) tokens.push(line.slice(2));
    else if (line.startsWith('p ')) {
      const [, token, customer] = line.split(' ');
      requests.push({ method: 'GET', path: `/v1/customers/${customer}/organization`, headers: { authorization: `Bearer ${tokens[Number(token)]}`, accept: 'application/json' } });
    }
  }
  return requests;
}

const args = JSON.parse(process.argv[2] ?? '{}') as WorkerArgs;
const mix = args.requestsFile ? (JSON.parse(readFileSync(args.requestsFile, 'utf8')) as MixRequest[]) : poolRequests(args.poolFile!);
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
  ...(args.overallRate ? { overallRate: args.overallRate } : {}),
  requests: [{
    setupRequest: (request: Record<string, unknown>) => {
      position = position + 1 === mix.length ? 0 : position + 1;
      const next = mix[position]!;
      request.method = next.method;
      request.path = next.path;
      request.headers = next.headers;
      request.body = next.body;
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
