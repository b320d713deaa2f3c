/**
 * The benchmark: prepares datasets, then for pcapi on each dataset, the bare node:http ceiling and
 * Stoplight Prism in turn: start the server pinned to one core, probe it, warm it up, drive it for
 * `runs` fixed-time runs from a load generator pinned to the other core, read its peak RSS, stop it.
 * Then cold starts, medians, ratios (all within this run) and the goals of the issue.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { ensureDataset, pcapiCommand, selectPcapiEntry, type Dataset } from './dataset.js';
import { chooseLoadGenerator, runLoad, type LoadGenerator } from './load.js';
import { formatSize, REPO_DIR, type BenchOptions } from './options.js';
import { detectPinning, freePort, readCpuSeconds, readProcStatus, readSystemCpuSeconds, sleep, startProcess, waitForStatus, type Pinning } from './processes.js';
import { buildRequestPool, organizationPath, type RequestPool } from './requests.js';
import { RESULTS_SCHEMA, type BenchResult, type Goal, type Medians, type Ratio, type RunFigures, type TargetResult } from './results-types.js';
import { OPENAPI_DOCUMENT, pcapiServeArgs, prismVersion, startCeiling, startPcapi, startPrism, type Probe, type RunningTarget } from './servers.js';
import type { ResponseSample } from './ceiling-server.js';
import { MB } from './report.js';

export type Log = (line: string) => void;

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function readGitCommit(repo: string): BenchResult['git'] {
  const note = 'HEAD of the work tree (read from .git); uncommitted changes are not reflected';
  try {
    let gitDir = join(repo, '.git');
    if (!existsSync(join(gitDir, 'HEAD'))) {
      const pointer = /^gitdir:\s*(.+)$/m.exec(readFileSync(gitDir, 'utf8'))?.[1];
      if (!pointer) return { commit: undefined, branch: undefined, note: 'no .git' };
      gitDir = join(repo, pointer.trim());
    }
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return { commit: head, branch: undefined, note };
    const ref = head.slice(5);
    const branch = ref.replace(/^refs\/heads\//, '');
    for (const dir of [gitDir, readCommonDir(gitDir)]) {
      const file = join(dir, ref);
      if (existsSync(file)) return { commit: readFileSync(file, 'utf8').trim(), branch, note };
      const packed = join(dir, 'packed-refs');
      if (existsSync(packed)) {
        const line = readFileSync(packed, 'utf8').split('\n').find((text) => text.endsWith(` ${ref}`));
        if (line) return { commit: line.split(' ')[0], branch, note };
      }
    }
    return { commit: undefined, branch, note: 'branch has no commit yet' };
  } catch (error) {
    return { commit: undefined, branch: undefined, note: `could not read .git: ${(error as Error).message}` };
  }
}

function readCommonDir(gitDir: string): string {
  const file = join(gitDir, 'commondir');
  return existsSync(file) ? join(gitDir, readFileSync(file, 'utf8').trim()) : gitDir;
}

export function machineInfo(): BenchResult['machine'] {
  const list = cpus();
  return { cpuModel: list[0]?.model.trim() ?? 'unknown', cores: list.length, memoryBytes: totalmem(), node: process.version, platform: process.platform, kernel: release() };
}

/** A response the ceiling replays when pcapi was not measured: the OpenAPI document's 200 example. */
function sampleFromOpenApi(): ResponseSample {
  const document = JSON.parse(readFileSync(OPENAPI_DOCUMENT, 'utf8')) as { paths: Record<string, { get: { responses: Record<string, { content: Record<string, { example: unknown }> }> } }> };
  const example = Object.values(document.paths)[0]!.get.responses['200']!.content['application/json']!.example;
  return { status: 200, headers: [['content-type', 'application/json; charset=utf-8']], body: JSON.stringify(example) };
}

async function captureSample(url: string, probe: Probe): Promise<ResponseSample> {
  const response = await fetch(url + probe.path, { headers: probe.headers });
  const body = await response.text();
  const headers: Array<[string, string]> = [];
  response.headers.forEach((value, name) => headers.push([name, value]));
  return { status: response.status, headers, body };
}

function probeFor(pool: RequestPool, index = 0): Probe {
  const pair = pool.pairs[index]!;
  return { path: organizationPath(pair.customer), headers: { authorization: `Bearer ${pool.tokens[pair.token]}`, accept: 'application/json' } };
}

/** Sends the first `count` pairs of the mix one at a time; returns the status counts and the index of an allowed pair. */
async function probeMix(url: string, pool: RequestPool, count: number): Promise<{ statusCounts: Record<string, number>; allowed: number | undefined; requests: number }> {
  const statusCounts: Record<string, number> = {};
  let allowed: number | undefined;
  const total = Math.min(count, pool.pairs.length);
  for (let index = 0; index < total; index++) {
    const response = await fetch(url + probeFor(pool, index).path, { headers: probeFor(pool, index).headers });
    await response.arrayBuffer();
    statusCounts[response.status] = (statusCounts[response.status] ?? 0) + 1;
    if (response.status === 200 && allowed === undefined) allowed = index;
  }
  return { statusCounts, allowed, requests: total };
}

interface MeasureContext {
  options: BenchOptions;
  pinning: Pinning;
  generator: LoadGenerator;
  log: Log;
}

/** Machine-wide busy CPU over a short window, in % of one core. */
async function busyPercent(windowMs: number): Promise<number> {
  const before = readSystemCpuSeconds();
  await sleep(windowMs);
  const after = readSystemCpuSeconds();
  return ((after.busy - before.busy) / (windowMs / 1000)) * 100;
}

/** Waits until the machine is quiet (under 15% of a core busy, twice in a row), at most `maxWaitS`. Returns the seconds waited, or -1 when it never went quiet. */
async function waitForQuiet(maxWaitS: number): Promise<number> {
  if (maxWaitS <= 0) return 0;
  const since = performance.now();
  let quietWindows = 0;
  while ((performance.now() - since) / 1000 < maxWaitS) {
    quietWindows = (await busyPercent(500)) < 15 ? quietWindows + 1 : 0;
    if (quietWindows >= 2) return (performance.now() - since) / 1000;
  }
  return -1;
}

const DISTURBED_PERCENT = 20;

/** Warm-up, then the measured runs, against one running server. */
/** Starts a target, uses it, and stops it; a failure marks the target failed instead of ending the benchmark. */
async function runTarget(target: TargetResult, log: (line: string) => void, start: () => Promise<RunningTarget>, use: (running: RunningTarget) => Promise<void>): Promise<void> {
  let running: RunningTarget | undefined;
  try {
    running = await start();
    await use(running);
  } catch (error) {
    target.status = 'failed';
    target.error = (error as Error).message;
    log(`  ${target.label} FAILED: ${target.error}`);
  } finally {
    await running?.started.stop();
  }
}

async function measure(context: MeasureContext, target: TargetResult, running: RunningTarget, poolFile: string): Promise<void> {
  const { options, pinning, generator, log } = context;
  const load = (durationS: number) => runLoad(generator, { url: running.url, poolFile, connections: options.connections, durationS, cpu: pinning.enabled ? pinning.loadCpu : undefined });
  if (options.warmupS > 0) {
    log(`  ${target.label}: warm-up ${options.warmupS} s`);
    await load(options.warmupS);
  }
  let retriesLeft = options.retries;
  for (let run = 1; run <= options.runs; run++) {
    const waited = await waitForQuiet(options.quietWaitS);
    if (waited < 0) log(`  ${target.label}: the machine did not go quiet within ${options.quietWaitS} s; measuring anyway`);
    else if (waited > 2) log(`  ${target.label}: waited ${waited.toFixed(0)} s for other processes to go quiet`);
    const cpuBefore = readCpuSeconds(running.started.pid) ?? 0;
    const systemBefore = readSystemCpuSeconds();
    const wallBefore = performance.now();
    const figures = await load(options.durationS);
    const wallSeconds = (performance.now() - wallBefore) / 1000;
    const systemAfter = readSystemCpuSeconds();
    const cpuAfter = readCpuSeconds(running.started.pid) ?? cpuBefore;
    const serverSeconds = cpuAfter - cpuBefore;
    const serverCpuPercent = figures.durationS > 0 ? (serverSeconds / figures.durationS) * 100 : 0;
    // Everything the machine did over the whole window, less the server and the load generator.
    const loadSeconds = (figures.loadCpuPercent / 100) * figures.durationS;
    const otherCpuPercent = Math.max(0, ((systemAfter.busy - systemBefore.busy - serverSeconds - loadSeconds) / wallSeconds) * 100);
    const result: RunFigures = { ...figures, serverCpuPercent, otherCpuPercent };
    if (otherCpuPercent > DISTURBED_PERCENT && retriesLeft > 0) {
      retriesLeft--;
      (target.discardedRuns ??= []).push(result);
      log(`  ${target.label}: run ${run} disturbed (other processes used ${otherCpuPercent.toFixed(0)}% of a core, ${Math.round(result.rps)} req/s); repeating it`);
      run--;
      continue;
    }
    target.runs.push(result);
    log(`  ${target.label}: run ${run}/${options.runs}: ${Math.round(result.rps)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, non-2xx ${result.non2xx}, errors ${result.errors}, CPU server ${serverCpuPercent.toFixed(0)}% / load ${result.loadCpuPercent.toFixed(0)}% / other ${otherCpuPercent.toFixed(0)}%`);
  }
  target.peakRssBytes = readProcStatus(running.started.pid)?.peakRssBytes;
  target.median = medians(target.runs);
}

function medians(runs: RunFigures[]): Medians {
  return {
    rps: median(runs.map((run) => run.rps)),
    p50Ms: median(runs.map((run) => run.p50Ms)),
    p99Ms: median(runs.map((run) => run.p99Ms)),
    serverCpuPercent: median(runs.map((run) => run.serverCpuPercent)),
    loadCpuPercent: median(runs.map((run) => run.loadCpuPercent)),
    otherCpuPercent: median(runs.map((run) => run.otherCpuPercent)),
    non2xxShare: median(runs.map((run) => (run.requests > 0 ? run.non2xx / run.requests : 0))),
  };
}

/** Spawn `pcapi serve` and time it to the first 200, `count` times. */
async function coldStarts(dataset: Dataset, pool: RequestPool, allowedIndex: number, context: MeasureContext, workDir: string): Promise<number[]> {
  const samples: number[] = [];
  const probe = probeFor(pool, allowedIndex);
  for (let sample = 0; sample < context.options.coldStarts; sample++) {
    await waitForQuiet(Math.min(context.options.quietWaitS, 30));
    const port = await freePort();
    const [node, args] = pcapiCommand(pcapiServeArgs(dataset.dataDir, port, context.options.logLevel));
    const since = performance.now();
    const started = startProcess(node, args, { cpu: context.pinning.enabled ? context.pinning.serverCpu : undefined, logFile: join(workDir, `cold-start-${formatSize(dataset.customers)}.log`), cwd: REPO_DIR });
    try {
      samples.push(await waitForStatus(`http://127.0.0.1:${port}${probe.path}`, probe.headers, 200, { since, timeoutMs: 60_000, started, intervalMs: 2 }));
    } finally {
      await started.stop();
    }
  }
  return samples;
}

export async function runBenchmark(options: BenchOptions, log: Log = (line) => process.stdout.write(line + '\n')): Promise<BenchResult> {
  const startedAt = new Date();
  const pinning = detectPinning(options.pin);
  const generator = chooseLoadGenerator(options.load);
  const notes: string[] = [];
  if (!pinning.enabled) notes.push(`Servers and load generator were not pinned: ${pinning.reason}.`);
  if (generator.note) notes.push(generator.note + '.');
  log(`pcapi bench: sizes ${options.sizes.map(formatSize).join(', ')}; ${options.runs} × ${options.durationS} s after ${options.warmupS} s warm-up; ${options.connections} connections; ${generator.tool} ${generator.version}; ${pinning.enabled ? `servers on core ${pinning.serverCpu}, load on core ${pinning.loadCpu}` : `unpinned (${pinning.reason})`}`);

  const workDir = join(options.dataDir, 'run');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const context: MeasureContext = { options, pinning, generator, log };

  // pcapi's entry first: datasets are made with the same command.
  const entry = await selectPcapiEntry(options.entry, log);
  if (entry.note) notes.push(entry.note);
  log(`pcapi runs as: node ${relative(REPO_DIR, entry.script)}`);

  // 1. Datasets first, so no import runs while anything is measured.
  const datasets: Dataset[] = [];
  for (const customers of options.sizes) {
    datasets.push(await ensureDataset(options.dataDir, { customers, partners: options.partners, usersPerPartner: options.usersPerPartner }, log));
  }

  const targets: TargetResult[] = [];
  let sample: ResponseSample | undefined;
  let referencePool: RequestPool | undefined;

  // 2. pcapi on each dataset.
  for (const dataset of datasets) {
    const size = formatSize(dataset.customers);
    const wantPcapi = options.targets.includes('pcapi');
    if (!wantPcapi && referencePool) break;
    log(`pcapi ${size}: minting tokens and building the request mix`);
    const pool = await buildRequestPool(dataset, { pairs: options.pairs, file: join(workDir, `pool-${size}.txt`) });
    referencePool ??= pool;
    if (!wantPcapi) break;
    const target: TargetResult = {
      id: `pcapi-${size}`, kind: 'pcapi', label: `pcapi ${size}`, customers: dataset.customers, status: 'ok', runs: [],
      dataset: {
        partners: dataset.partners, usersPerPartner: dataset.usersPerPartner, principals: pool.principals.users + pool.principals.apps, dbBytes: dataset.dbBytes, reused: dataset.reused,
        ...(dataset.generateSeconds !== undefined ? { generateSeconds: dataset.generateSeconds, importSeconds: dataset.importSeconds } : {}),
      },
      mix: { pairs: pool.pairs.length, tokens: pool.tokens.length, distinctCustomers: new Set(pool.pairs.map((pair) => pair.customerIndex)).size },
    };
    targets.push(target);
    let allowedIndex = 0;
    await runTarget(target, log, async () => {
      const port = await freePort();
      // Ready when an allowed pair answers 200: find one by trying the first pairs.
      const firstAllowed = pool.pairs.findIndex((pair) => pair.customerIndex % 1000 >= 150);
      allowedIndex = firstAllowed >= 0 ? firstAllowed : 0;
      const running = await startPcapi({ dataDir: dataset.dataDir, port, logLevel: options.logLevel, cpu: pinning.enabled ? pinning.serverCpu : undefined, logFile: join(workDir, `pcapi-${size}.log`), probe: probeFor(pool, allowedIndex) });
      target.startMs = running.readyMs;
      return running;
    }, async (running) => {
      const probed = await probeMix(running.url, pool, 300);
      target.probe = { requests: probed.requests, statusCounts: probed.statusCounts };
      const unexpected = Object.keys(probed.statusCounts).filter((status) => status !== '200' && status !== '403');
      if (unexpected.length > 0) notes.push(`pcapi ${size}: the probe of the mix saw statuses ${unexpected.join(', ')} besides 200 and 403.`);
      if (probed.allowed !== undefined) allowedIndex = probed.allowed;
      sample ??= await captureSample(running.url, probeFor(pool, allowedIndex));
      await measure(context, target, running, pool.file);
    });
    if (target.status === 'ok' && options.coldStarts > 0) {
      try {
        const samplesMs = await coldStarts(dataset, pool, allowedIndex, context, workDir);
        target.coldStart = { samplesMs, medianMs: median(samplesMs) };
        log(`  ${target.label}: cold start to first 200: ${samplesMs.map((ms) => ms.toFixed(0)).join(', ')} ms (median ${median(samplesMs).toFixed(0)})`);
      } catch (error) {
        notes.push(`pcapi ${size}: cold start could not be measured: ${(error as Error).message}`);
      }
    }
  }

  const pool = referencePool!;
  // 3. The ceiling: the same bytes as pcapi's 200, no checks.
  if (options.targets.includes('ceiling')) {
    const target: TargetResult = { id: 'ceiling', kind: 'ceiling', label: 'ceiling (node:http)', status: 'ok', runs: [], version: process.version };
    targets.push(target);
    const sampleFile = join(workDir, 'ceiling-sample.json');
    if (!sample) notes.push('The ceiling replayed the OpenAPI example (pcapi was not measured, so none of its answers was captured).');
    writeFileSync(sampleFile, JSON.stringify(sample ?? sampleFromOpenApi()));
    await runTarget(target, log, async () => {
      const running = await startCeiling({ port: await freePort(), sampleFile, cpu: pinning.enabled ? pinning.serverCpu : undefined, logFile: join(workDir, 'ceiling.log'), probe: probeFor(pool) });
      target.startMs = running.readyMs;
      return running;
    }, (running) => measure(context, target, running, pool.file));
  }

  // 4. Stoplight Prism serving pcapi's OpenAPI document.
  if (options.targets.includes('prism')) {
    const version = prismVersion();
    const target: TargetResult = { id: 'prism', kind: 'prism', label: `Prism ${version ?? ''}`.trim(), status: 'ok', runs: [], ...(version ? { version } : {}) };
    targets.push(target);
    await runTarget(target, log, async () => {
      if (!version) throw new Error('@stoplight/prism-cli is not installed (npm install)');
      const running = await startPrism({ port: await freePort(), logLevel: options.logLevel, cpu: pinning.enabled ? pinning.serverCpu : undefined, logFile: join(workDir, 'prism.log'), probe: probeFor(pool), timeoutMs: options.prismStartTimeoutS * 1000 });
      target.startMs = running.readyMs;
      log(`  ${target.label}: answering after ${(running.readyMs / 1000).toFixed(1)} s`);
      return running;
    }, async (running) => {
      const probed = await probeMix(running.url, pool, 20);
      target.probe = { requests: probed.requests, statusCounts: probed.statusCounts };
      await measure(context, target, running, pool.file);
    });
  }

  for (const target of targets) {
    if (target.mix && target.median) target.mix.revisitSeconds = target.mix.pairs / target.median.rps;
    if (target.median && target.median.serverCpuPercent < 85) {
      notes.push(`${target.label}: the server used only ${target.median.serverCpuPercent.toFixed(0)}% of its core (load generator ${target.median.loadCpuPercent.toFixed(0)}%): ${target.median.loadCpuPercent > 90 ? 'the load generator is the bottleneck, so this figure understates the server' : 'it was not saturated'}.`);
    }
    if (target.median && target.median.otherCpuPercent > 15) {
      notes.push(`${target.label}: other processes used ${target.median.otherCpuPercent.toFixed(0)}% of a core during its runs (median): its figures may be disturbed.`);
    }
    const errors = target.runs.reduce((sum, run) => sum + run.errors, 0);
    if (errors > 0) notes.push(`${target.label}: ${errors} socket errors or timeouts over its runs.`);
  }

  const finishedAt = new Date();
  const result: BenchResult = {
    schema: RESULTS_SCHEMA,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    elapsedSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    git: readGitCommit(REPO_DIR),
    machine: machineInfo(),
    settings: {
      sizes: options.sizes, runs: options.runs, durationS: options.durationS, warmupS: options.warmupS, connections: options.connections, pairs: options.pairs,
      partners: options.partners, usersPerPartner: options.usersPerPartner, coldStarts: options.coldStarts, logLevel: options.logLevel,
      quietWaitS: options.quietWaitS, retries: options.retries, quick: options.quick,
      pcapiEntry: { kind: entry.kind, script: relative(REPO_DIR, entry.script), ...(entry.note ? { note: entry.note } : {}) },
    },
    pinning,
    loadGenerator: { tool: generator.tool, version: generator.version, threads: 1, connections: options.connections, ...(generator.note ? { note: generator.note } : {}) },
    targets,
    ratios: [],
    goals: [],
    notes,
  };
  result.ratios = computeRatios(result);
  result.goals = evaluateGoals(result);
  return result;
}

export function computeRatios(result: BenchResult): Ratio[] {
  const ratios: Ratio[] = [];
  const measured = result.targets.filter((target) => target.median);
  const ceiling = measured.find((target) => target.kind === 'ceiling');
  const prism = measured.find((target) => target.kind === 'prism');
  const pcapi = measured.filter((target) => target.kind === 'pcapi');
  for (const target of pcapi) {
    if (ceiling) ratios.push({ name: `${target.label} / ceiling`, numerator: target.id, denominator: ceiling.id, value: target.median!.rps / ceiling.median!.rps });
    if (prism) ratios.push({ name: `${target.label} / Prism`, numerator: target.id, denominator: prism.id, value: target.median!.rps / prism.median!.rps });
  }
  if (prism && ceiling) ratios.push({ name: 'Prism / ceiling', numerator: prism.id, denominator: ceiling.id, value: prism.median!.rps / ceiling.median!.rps });
  if (pcapi.length >= 2) {
    const smallest = pcapi[0]!;
    for (const larger of pcapi.slice(1)) ratios.push({ name: `${larger.label} / ${smallest.label}`, numerator: larger.id, denominator: smallest.id, value: larger.median!.rps / smallest.median!.rps });
  }
  return ratios;
}

/** The issue's targets, judged on the largest dataset measured (1M customers in a full run). */
export function evaluateGoals(result: BenchResult): Goal[] {
  const pcapi = result.targets.filter((target) => target.kind === 'pcapi' && target.median);
  const largest = pcapi[pcapi.length - 1];
  const smallest = pcapi[0];
  const ratio = (name: string) => result.ratios.find((entry) => entry.name === name)?.value;
  const sizeNote = (target: TargetResult | undefined, wanted: number) => (target && target.customers !== wanted ? `measured at ${formatSize(target.customers ?? 0)}, not ${formatSize(wanted)}` : undefined);
  const goals: Goal[] = [];

  const scaling = largest && smallest && largest !== smallest ? largest.median!.rps / smallest.median!.rps : undefined;
  goals.push({
    name: `throughput at ${largest ? formatSize(largest.customers ?? 0) : '1m'} vs ${smallest ? formatSize(smallest.customers ?? 0) : '1k'} customers`,
    target: 'within 15% (ratio ≥ 0.85)',
    measured: scaling === undefined ? 'needs two sizes' : `${fmt2(scaling)} (${Math.round(largest!.median!.rps)} vs ${Math.round(smallest!.median!.rps)} req/s)`,
    met: scaling === undefined ? undefined : scaling >= 0.85,
    ...(largest && largest.customers !== 1_000_000 ? { note: 'not at 1M customers' } : {}),
  });
  const rss = largest?.peakRssBytes;
  const rssNote = sizeNote(largest, 1_000_000);
  goals.push({
    name: `peak RSS serving ${largest ? formatSize(largest.customers ?? 0) : '1m'} customers from SQLite`,
    target: '< 250 MB',
    measured: rss === undefined ? 'not measured' : `${(rss / MB).toFixed(0)} MB`,
    met: rss === undefined ? undefined : rss < 250 * MB,
    ...(rssNote ? { note: rssNote } : {}),
  });
  const cold = largest?.coldStart?.medianMs;
  goals.push({
    name: `cold start to the first 200 (${largest ? formatSize(largest.customers ?? 0) : '1m'} customers)`,
    target: '< 1 s',
    measured: cold === undefined ? 'not measured' : `${(cold / 1000).toFixed(2)} s (median of ${largest!.coldStart!.samplesMs.length})`,
    met: cold === undefined ? undefined : cold < 1000,
  });
  const ceilingRatio = largest ? ratio(`${largest.label} / ceiling`) : undefined;
  goals.push({
    name: `pcapi / ceiling (${largest ? formatSize(largest.customers ?? 0) : '1m'} customers)`,
    target: '≥ 0.6 (aim 0.8)',
    measured: ceilingRatio === undefined ? 'not measured' : fmt2(ceilingRatio),
    met: ceilingRatio === undefined ? undefined : ceilingRatio >= 0.6,
  });
  const prismRatio = largest ? ratio(`${largest.label} / Prism`) : undefined;
  goals.push({
    name: `pcapi / Prism (${largest ? formatSize(largest.customers ?? 0) : '1m'} customers)`,
    target: '≥ 5',
    measured: prismRatio === undefined ? 'not measured' : fmt2(prismRatio),
    met: prismRatio === undefined ? undefined : prismRatio >= 5,
  });
  return goals;
}

const fmt2 = (value: number) => value.toFixed(2);
