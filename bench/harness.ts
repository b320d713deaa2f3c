/**
 * The benchmark: prepares datasets, then for pcapi on each dataset (decisions cached, then cache-cold;
 * a baseline commit's build too on the largest), the bare node:http ceiling, the Fastify floor and
 * Stoplight Prism: start each server pinned to one core, probe it, warm it up, drive it for `runs`
 * fixed-time runs from a load generator pinned to the other core, read its peak RSS, stop it. The
 * ceiling and the floor take their runs in turns with pcapi's largest cached group (the goal's
 * ratio), run 1 of each, run 2 of each... Then cold starts, medians, ratios (all within this run) and
 * the goals of the issue.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { prepareBaseline } from './baseline.js';
import { ensureDataset, pcapiCommand, selectPcapiEntry, type Dataset } from './dataset.js';
import { chooseLoadGenerator } from './load.js';
import { formatSize, REPO_DIR, type BenchOptions } from './options.js';
import { detectPinning, freePort, startProcess, waitForStatus } from './processes.js';
import { buildRequestPool, organizationPath, type RequestPool } from './requests.js';
import { RESULTS_SCHEMA, type BenchResult, type TargetResult } from './results-types.js';
import { fastifyVersion, OPENAPI_DOCUMENT, pcapiServeArgs, prismVersion, startCeiling, startPcapi, startPrism, type Probe, type RunningTarget } from './servers.js';
import type { ResponseSample } from './ceiling-server.js';
import { computeRatios, evaluateGoals } from './goals.js';
import { machineInfo, measure, measureTogether, median, readGitCommit, runTarget, waitForQuiet, type Log, type MeasureContext } from './measure.js';

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

export function probeFor(pool: RequestPool, index = 0): Probe {
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
  const entry = await selectPcapiEntry(options.entry, log, options.bundleDir);
  if (entry.note) notes.push(entry.note);
  log(`pcapi runs as: node ${relative(REPO_DIR, entry.script)}`);

  // 1. Datasets first, so no import runs while anything is measured.
  const datasets: Dataset[] = [];
  for (const customers of options.sizes) {
    datasets.push(await ensureDataset(options.dataDir, { customers, partners: options.partners, usersPerPartner: options.usersPerPartner }, log));
  }
  // A baseline build (another commit) is measured on the largest size, on a dataset it imported itself.
  const baseline = options.baselineCommit && options.targets.includes('pcapi') ? await prepareBaseline(options.baselineCommit, options.dataDir, log) : undefined;
  const baselineDataset = baseline && await ensureDataset(baseline.dir, { customers: options.sizes[options.sizes.length - 1]!, partners: options.partners, usersPerPartner: options.usersPerPartner }, log, baseline.script);

  const targets: TargetResult[] = [];
  let sample: ResponseSample | undefined;
  let referencePool: RequestPool | undefined;

  // The references: the bare node:http ceiling, replaying pcapi's own 200 with no checks, and the
  // Fastify floor, the same from one Fastify route with no hooks (what the framework costs before
  // pcapi does anything).
  const sampleFile = join(workDir, 'ceiling-sample.json');
  const references = [
    { kind: 'ceiling', label: 'ceiling (node:http)', version: process.version, framework: undefined },
    { kind: 'fastify', label: `Fastify floor ${fastifyVersion()}`, version: fastifyVersion(), framework: 'fastify' },
  ] as const;
  type Reference = (typeof references)[number];
  const wantedReferences = references.filter(({ kind }) => options.targets.includes(kind));
  /** References started in turns with pcapi, kept running (idle between turns) until section 3; undefined when one failed to start. */
  const referencesStarted = new Map<Reference['kind'], { target: TargetResult; running: RunningTarget } | undefined>();
  function referenceTarget(reference: Reference): TargetResult {
    const target: TargetResult = { id: reference.kind, kind: reference.kind, label: reference.label, status: 'ok', runs: [], version: reference.version };
    targets.push(target);
    return target;
  }
  async function startReference(reference: Reference, target: TargetResult, pool: RequestPool): Promise<RunningTarget> {
    if (!existsSync(sampleFile)) {
      if (!sample) notes.push('The ceiling and the Fastify floor replayed the OpenAPI example (pcapi was not measured, so none of its answers was captured).');
      writeFileSync(sampleFile, JSON.stringify(sample ?? sampleFromOpenApi()));
    }
    const running = await startCeiling({
      port: await freePort(), sampleFile, cpu: pinning.enabled ? pinning.serverCpu : undefined, logFile: join(workDir, `${reference.kind}.log`), probe: probeFor(pool),
      ...(reference.framework ? { framework: reference.framework } : {}),
    });
    target.startMs = running.readyMs;
    return running;
  }
  /** The references for a group measured in turns with them: started once, reused by every --processes round. */
  async function referencesRunning(pool: RequestPool): Promise<{ target: TargetResult; running: RunningTarget }[]> {
    for (const reference of wantedReferences) {
      if (referencesStarted.has(reference.kind)) continue;
      const target = referenceTarget(reference);
      try {
        referencesStarted.set(reference.kind, { target, running: await startReference(reference, target, pool) });
      } catch (error) {
        referencesStarted.set(reference.kind, undefined);
        target.status = 'failed';
        target.error = (error as Error).message;
        log(`  ${target.label} FAILED: ${target.error}`);
      }
    }
    return [...referencesStarted.values()].filter((entry) => entry !== undefined);
  }

  type PcapiBuild = { decisionCache: boolean; script: string | undefined; extraArgs?: string[] };
  /** The index of a pair the probes saw allowed (the cold starts ask for it). */
  let allowedIndex = 0;

  /**
   * Starts pcapi for each target (a build on a dataset), checks that the mix answers 200 and 403 only,
   * then measures them together: in turns when there are several (measureTogether), so their ratio
   * holds on a machine whose speed drifts. A target that fails to start is marked failed.
   */
  async function measurePcapis(
    entries: { target: TargetResult; dataset: Dataset; build: PcapiBuild }[], pool: RequestPool,
    withReferences: boolean, started: RunningTarget[] = [],
  ): Promise<void> {
    if (started.length === entries.length) {
      const references = withReferences ? await referencesRunning(pool) : [];
      await measureTogether(context, [...entries.map(({ target }, index) => ({ target, running: started[index]! })), ...references], pool.file);
      return;
    }
    const { target, dataset, build } = entries[started.length]!;
    // Ready when an allowed pair answers 200: the generator denies the customers whose index mod 1000 is below 150.
    const firstAllowed = pool.pairs.findIndex((pair) => pair.customerIndex % 1000 >= 150);
    allowedIndex = firstAllowed >= 0 ? firstAllowed : 0;
    await runTarget(target, log, async () => {
      const running = await startPcapi({
        dataDir: dataset.dataDir, port: await freePort(), logLevel: options.logLevel, ...build,
        cpu: pinning.enabled ? pinning.serverCpu : undefined, logFile: join(workDir, `${target.id}.log`), probe: probeFor(pool, allowedIndex),
      });
      target.startMs = running.readyMs;
      return running;
    }, async (running) => {
      const probed = await probeMix(running.url, pool, 300);
      target.probe = { requests: probed.requests, statusCounts: probed.statusCounts };
      const unexpected = Object.keys(probed.statusCounts).filter((status) => status !== '200' && status !== '403');
      if (unexpected.length > 0) notes.push(`${target.label}: the probe of the mix saw statuses ${unexpected.join(', ')} besides 200 and 403.`);
      if (probed.allowed !== undefined) allowedIndex = probed.allowed;
      sample ??= await captureSample(running.url, probeFor(pool, allowedIndex));
      await measurePcapis(entries, pool, withReferences, [...started, running]);
    });
  }

  // 2. pcapi on each dataset: cached, then cache-cold, each with its variants and (largest size) the
  // baseline's build in turns.
  for (const dataset of datasets) {
    const size = formatSize(dataset.customers);
    const wantPcapi = options.targets.includes('pcapi');
    if (!wantPcapi && referencePool) break;
    log(`pcapi ${size}: minting tokens and building the request mix`);
    const pool = await buildRequestPool(dataset, { pairs: options.pairs, file: join(workDir, `pool-${size}.txt`) });
    referencePool ??= pool;
    if (!wantPcapi) break;
    const largest = dataset === datasets[datasets.length - 1];
    type Build = { commit: string; script: string; variant?: undefined } | { variant: { label: string; args: string[] }; commit?: undefined; script?: undefined };
    // Measured in turns (measureTogether): the build as it is normally run, its variants (the same
    // build with other flags) and, on the largest size, the baseline build, so that every ratio
    // between them compares runs seconds apart.
    const variants = largest ? options.variants.map((variant): Build => ({ variant })) : [];
    const group: (Build | undefined)[] = [undefined, ...variants, ...(baseline && largest ? [baseline] : [])];
    for (const decisionCache of options.cold ? [true, false] : [true]) {
      const entries = group.map((build) => {
        const name = build?.commit ? `pcapi@${build.commit.slice(0, 7)}` : build?.variant ? `pcapi(${build.variant.label})` : 'pcapi';
        const data = build?.commit ? baselineDataset! : dataset;
        const target: TargetResult = {
          id: `${name}-${size}${decisionCache ? '' : '-cold'}`, kind: 'pcapi', label: `${name} ${size}${decisionCache ? '' : ' cold'}`, customers: dataset.customers,
          decisionCache, ...(build?.commit ? { baselineCommit: build.commit } : {}), ...(build?.variant ? { variant: build.variant.label, extraArgs: build.variant.args } : {}), status: 'ok', runs: [],
          dataset: {
            partners: data.partners, usersPerPartner: data.usersPerPartner, principals: pool.principals.users + pool.principals.apps, dbBytes: data.dbBytes, reused: data.reused,
            ...(data.generateSeconds !== undefined ? { generateSeconds: data.generateSeconds, importSeconds: data.importSeconds } : {}),
          },
          mix: { pairs: pool.pairs.length, tokens: pool.tokens.length, distinctCustomers: new Set(pool.pairs.map((pair) => pair.customerIndex)).size },
        };
        targets.push(target);
        if (build?.commit) copyFileSync(join(dataset.dataDir, 'signing-key.json'), join(data.dataDir, 'signing-key.json'));
        return { target, dataset: data, build: { decisionCache, script: build?.script, extraArgs: build?.variant?.args } };
      });
      // The goal's pcapi / ceiling is measured in turns: the references run with the largest size's
      // cached group, so a machine whose speed drifts over the run slows both alike.
      const withReferences = largest && decisionCache;
      for (let round = 1; round <= options.processes; round++) {
        if (options.processes > 1) log(`  process ${round}/${options.processes} of ${entries.map(({ target }) => target.label).join(', ')}`);
        await measurePcapis(entries, pool, withReferences);
      }
      // Cold starts: once per dataset, for the work tree's build as it is normally run.
      const plain = entries.find((entry) => entry.build.script === undefined && entry.build.extraArgs === undefined);
      if (plain && plain.target.status === 'ok' && decisionCache && options.coldStarts > 0) {
        const target = plain.target;
        try {
          const samplesMs = await coldStarts(dataset, pool, allowedIndex, context, workDir);
          target.coldStart = { samplesMs, medianMs: median(samplesMs) };
          log(`  ${target.label}: cold start to first 200: ${samplesMs.map((ms) => ms.toFixed(0)).join(', ')} ms (median ${median(samplesMs).toFixed(0)})`);
        } catch (error) {
          notes.push(`pcapi ${size}: cold start could not be measured: ${(error as Error).message}`);
        }
      }
    }
  }

  const pool = referencePool!;
  // 3. The references measured alone: those not measured in turns with pcapi's largest cached group
  // (above), for a run without pcapi, or whose pcapi target failed before they started.
  for (const reference of wantedReferences) {
    if (referencesStarted.has(reference.kind)) continue;
    const target = referenceTarget(reference);
    await runTarget(target, log, () => startReference(reference, target, pool), (running) => measure(context, target, running, pool.file));
  }
  for (const entry of referencesStarted.values()) await entry?.running.started.stop();

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

  // Reported in a fixed order whenever each was measured: pcapi's targets, then the references, then Prism.
  const KIND_ORDER: Record<TargetResult['kind'], number> = { pcapi: 0, ceiling: 1, fastify: 2, prism: 3 };
  targets.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
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
      quietWaitS: options.quietWaitS, retries: options.retries, quick: options.quick, cold: options.cold,
      ...(baseline ? { baselineCommit: baseline.commit } : {}),
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
