/**
 * The soak (`npm run bench -- --soak`): pcapi on the largest dataset, its capacity measured briefly on
 * the benchmark's mix, then `--soak-duration` seconds (5 minutes by default) of the soak mix
 * (soak-mix.ts: the benchmark's mix with 20% fuzz) at half that capacity, with the server's RSS
 * sampled every few seconds. Goals: RSS at the end within 10% of RSS after the first minute, no 5xx,
 * and the server still answering afterwards.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureDataset, selectPcapiEntry } from './dataset.js';
import { probeFor } from './harness.js';
import { machineInfo, readGitCommit, waitForQuiet, type Log } from './measure.js';
import { chooseLoadGenerator, runLoad, type LoadResult } from './load.js';
import { formatSize, REPO_DIR, type BenchOptions } from './options.js';
import { detectPinning, freePort, readCpuSeconds, readProcStatus, readSystemCpuSeconds, type Pinning } from './processes.js';
import { fmt, MB } from './report.js';
import { buildRequestPool } from './requests.js';
import type { BenchResult, Goal } from './results-types.js';
import { startPcapi } from './servers.js';
import { buildSoakMix } from './soak-mix.js';

export const SOAK_SCHEMA = 'pcapi-soak/1';
/** The soak runs at this share of the capacity measured just before it. */
const RATE_SHARE = 0.5;
const SAMPLE_EVERY_S = 5;
const RSS_GROWTH_LIMIT = 1.1;

export interface SoakResult {
  schema: typeof SOAK_SCHEMA;
  startedAt: string;
  finishedAt: string;
  git: BenchResult['git'];
  machine: BenchResult['machine'];
  pinning: Pinning;
  settings: { customers: number; durationS: number; connections: number; capacityRunS: number; rateShare: number; sampleEveryS: number; pcapiEntry: string };
  /** The benchmark's mix at full speed, just before the soak. */
  capacity: { tool: string; rps: number };
  targetRps: number;
  /** Requests of each kind per 1,000. */
  mix: Record<string, number>;
  load: LoadResult;
  serverCpuPercent: number;
  /** CPU other processes used during the soak, in % of one core. */
  otherCpuPercent: number;
  /** The server's RSS every few seconds from the start of the soak traffic. */
  rssSamples: Array<{ seconds: number; bytes: number }>;
  /** After the first minute (half-way through a soak shorter than two minutes), at the end, the largest. */
  rss: { reference: { seconds: number; bytes: number }; endBytes: number; maxBytes: number; endToReference: number };
  fiveXx: number;
  /** The status an allowed request got once the soak was over. */
  statusAfter: number | undefined;
  goals: Goal[];
  notes: string[];
}

export async function runSoak(options: BenchOptions, log: Log = (line) => process.stdout.write(line + '\n')): Promise<SoakResult> {
  const startedAt = new Date();
  const pinning = detectPinning(options.pin);
  const generator = chooseLoadGenerator(options.load);
  const notes: string[] = [];
  if (!pinning.enabled) notes.push(`The server and the load generator were not pinned: ${pinning.reason}.`);
  const workDir = join(options.dataDir, 'soak');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const entry = await selectPcapiEntry(options.entry, log, options.bundleDir);
  const customers = options.sizes[options.sizes.length - 1]!;
  const dataset = await ensureDataset(options.dataDir, { customers, partners: options.partners, usersPerPartner: options.usersPerPartner }, log);
  const pool = await buildRequestPool(dataset, { pairs: options.pairs, file: join(workDir, 'pool.txt') });
  const mix = await buildSoakMix(pool, dataset.dataDir);
  const requestsFile = join(workDir, 'soak-requests.json');
  writeFileSync(requestsFile, JSON.stringify(mix.requests));
  const cpu = (role: 'server' | 'load') => (pinning.enabled ? (role === 'server' ? pinning.serverCpu : pinning.loadCpu) : undefined);

  const allowed = probeFor(pool, Math.max(0, pool.pairs.findIndex((pair) => pair.customerIndex % 1000 >= 150)));
  const running = await startPcapi({ dataDir: dataset.dataDir, port: await freePort(), logLevel: options.logLevel, cpu: cpu('server'), logFile: join(workDir, 'pcapi.log'), probe: allowed });
  try {
    const pid = running.started.pid;
    if ((await waitForQuiet(options.quietWaitS)) < 0) notes.push(`The machine did not go quiet within ${options.quietWaitS} s before the capacity was measured.`);
    if (options.warmupS > 0) await runLoad(generator, { url: running.url, poolFile: pool.file, connections: options.connections, durationS: options.warmupS, cpu: cpu('load') });
    const capacity = await runLoad(generator, { url: running.url, poolFile: pool.file, connections: options.connections, durationS: options.durationS, cpu: cpu('load') });
    const targetRps = Math.max(1, Math.round(capacity.rps * RATE_SHARE));
    log(`soak: capacity ${Math.round(capacity.rps)} req/s (${generator.tool}, ${options.durationS} s); ${options.soakDurationS} s of the soak mix at ${targetRps} req/s`);

    const rssSamples: SoakResult['rssSamples'] = [];
    const since = performance.now();
    const sample = () => {
      const status = readProcStatus(pid);
      if (status) rssSamples.push({ seconds: Math.round((performance.now() - since) / 1000), bytes: status.rssBytes });
    };
    const sampler = setInterval(() => {
      sample();
      const last = rssSamples[rssSamples.length - 1];
      if (last && last.seconds % 60 < SAMPLE_EVERY_S) log(`  ${last.seconds} s: RSS ${fmt.mb(last.bytes)}`);
    }, SAMPLE_EVERY_S * 1000);
    const cpuBefore = readCpuSeconds(pid) ?? 0;
    const systemBefore = readSystemCpuSeconds();
    let load: LoadResult;
    try {
      load = await runLoad(generator, { url: running.url, requestsFile, overallRate: targetRps, connections: options.connections, durationS: options.soakDurationS, cpu: cpu('load') });
    } finally {
      clearInterval(sampler);
    }
    sample();
    const serverSeconds = (readCpuSeconds(pid) ?? cpuBefore) - cpuBefore;
    const serverCpuPercent = (serverSeconds / load.durationS) * 100;
    // Everything else the machine did meanwhile, as in the benchmark: a shared machine shows here.
    const otherCpuPercent = Math.max(0, ((readSystemCpuSeconds().busy - systemBefore.busy - serverSeconds) / load.durationS) * 100 - load.loadCpuPercent);
    if (otherCpuPercent > 20) notes.push(`Other processes used ${otherCpuPercent.toFixed(0)}% of a core during the soak: latency and the rate reached may be disturbed.`);
    const after = await fetch(running.url + allowed.path, { headers: allowed.headers }).then(async (response) => (await response.arrayBuffer(), response.status), () => undefined);

    if (rssSamples.length === 0) throw new Error(`pcapi exited during the soak: ${running.started.output().slice(-2000)}`);
    const referenceS = Math.min(60, options.soakDurationS / 2);
    const reference = rssSamples.find((entry) => entry.seconds >= referenceS) ?? rssSamples[0]!;
    const endBytes = rssSamples[rssSamples.length - 1]!.bytes;
    const rss = { reference, endBytes, maxBytes: Math.max(...rssSamples.map((entry) => entry.bytes)), endToReference: endBytes / reference.bytes };
    const fiveXx = Object.entries(load.statusCounts ?? {}).filter(([status]) => Number(status) >= 500).reduce((sum, [, count]) => sum + count, 0);
    if (load.rps < targetRps * 0.95) notes.push(`The soak reached ${Math.round(load.rps)} req/s of the ${targetRps} asked for.`);
    if (load.errors > 0) notes.push(`${load.errors} socket errors or timeouts.`);

    const finishedAt = new Date();
    return {
      schema: SOAK_SCHEMA, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), git: readGitCommit(REPO_DIR), machine: machineInfo(), pinning,
      settings: {
        customers, durationS: options.soakDurationS, connections: options.connections, capacityRunS: options.durationS, rateShare: RATE_SHARE, sampleEveryS: SAMPLE_EVERY_S,
        pcapiEntry: relative(REPO_DIR, entry.script),
      },
      capacity: { tool: generator.tool, rps: capacity.rps }, targetRps, mix: mix.kinds, load, serverCpuPercent, otherCpuPercent, rssSamples, rss, fiveXx, statusAfter: after,
      goals: [
        {
          name: `RSS at the end vs after ${reference.seconds} s`, target: `≤ ${RSS_GROWTH_LIMIT.toFixed(2)}`,
          measured: `${rss.endToReference.toFixed(2)} (${fmt.mb(endBytes)} vs ${fmt.mb(reference.bytes)}; max ${fmt.mb(rss.maxBytes)})`, met: rss.endToReference <= RSS_GROWTH_LIMIT,
        },
        { name: '5xx answers', target: '0', measured: String(fiveXx), met: fiveXx === 0 },
        { name: 'an allowed request after the soak', target: '200', measured: String(after ?? 'no answer'), met: after === 200 },
      ],
      notes,
    };
  } finally {
    await running.started.stop();
  }
}

export function soakMarkdown(result: SoakResult): string {
  const { load, machine, settings } = result;
  const table = (header: string[], rows: string[][]) => [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
  const statuses = Object.entries(load.statusCounts ?? {}).sort(([a], [b]) => Number(a) - Number(b)).map(([status, count]) => `${status}: ${count.toLocaleString('en-US')}`).join(', ');
  return [
    `Measured ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}; commit ${result.git.commit?.slice(0, 12) ?? 'unknown'}${result.git.uncommittedChanges ? ' with uncommitted changes' : ''}, ${result.finishedAt.slice(0, 10)}; ` +
      `pcapi ${formatSize(settings.customers)} run as \`node ${settings.pcapiEntry} serve\`; capacity ${fmt.rps(result.capacity.rps)} req/s (${result.capacity.tool}, benchmark mix, ${settings.capacityRunS} s), ` +
      `then ${settings.durationS} s of the soak mix at ${fmt.rps(result.targetRps)} req/s (${Math.round(settings.rateShare * 100)}%) from autocannon, ${settings.connections} connections; ` +
      (result.pinning.enabled ? `server on core ${result.pinning.serverCpu}, load on core ${result.pinning.loadCpu}.` : `not pinned (${result.pinning.reason}).`),
    '',
    table(['goal', 'target', 'measured', 'met?'], result.goals.map((goal) => [goal.name, goal.target, goal.measured, goal.met ? 'yes' : '**no**'])),
    '',
    table(['', ''], [
      ['requests', `${load.requests.toLocaleString('en-US')} in ${load.durationS.toFixed(0)} s (${fmt.rps(load.rps)} req/s)`],
      ['latency', `p50 ${fmt.ms(load.p50Ms)} ms, p99 ${fmt.ms(load.p99Ms)} ms, max ${fmt.ms(load.maxMs)} ms`],
      ['statuses', statuses],
      ['socket errors, timeouts', String(load.errors)],
      ['CPU server / load generator / other', `${fmt.percent(result.serverCpuPercent)} / ${fmt.percent(load.loadCpuPercent)} / ${fmt.percent(result.otherCpuPercent)}`],
      ['RSS', `${fmt.mb(result.rss.reference.bytes)} after ${result.rss.reference.seconds} s, ${fmt.mb(result.rss.endBytes)} at the end, ${fmt.mb(result.rss.maxBytes)} at most`],
      ['mix per 1,000', Object.entries(result.mix).map(([kind, count]) => `${count} ${kind}`).join('; ')],
    ]),
    '',
    `RSS every ${settings.sampleEveryS} s (MB): ${result.rssSamples.map((entry) => (entry.bytes / MB).toFixed(0)).join(' ')}`,
    ...(result.notes.length > 0 ? ['', ...result.notes.map((note) => `- ${note}`)] : []),
  ].join('\n') + '\n';
}
