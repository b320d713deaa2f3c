/**
 * Measuring one running server: wait for a quiet machine, warm up, the measured runs (a run disturbed
 * by other processes is repeated), medians, peak RSS; and the conditions of a run (machine, commit).
 */
import { spawnSync } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';
import { runLoad, type LoadGenerator } from './load.js';
import type { BenchOptions } from './options.js';
import { readCpuSeconds, readProcStatus, readSystemCpuSeconds, sleep, type Pinning } from './processes.js';
import type { BenchResult, Medians, RunFigures, TargetResult } from './results-types.js';
import type { RunningTarget } from './servers.js';

export type Log = (line: string) => void;

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The commit measured, and whether the work tree had changes that are not in it. */
export function readGitCommit(repo: string): BenchResult['git'] {
  const git = (...args: string[]) => {
    const result = spawnSync('git', args, { cwd: repo, encoding: 'utf8' });
    return result.status === 0 ? result.stdout.trim() : undefined;
  };
  const commit = git('rev-parse', 'HEAD');
  const branch = git('rev-parse', '--abbrev-ref', 'HEAD');
  const changed = git('status', '--porcelain', '--untracked-files=no');
  const note = commit === undefined ? 'not a git work tree' : 'HEAD of the work tree';
  return { commit, branch: branch === 'HEAD' ? undefined : branch, uncommittedChanges: Boolean(changed), note };
}

export function machineInfo(): BenchResult['machine'] {
  const list = cpus();
  return { cpuModel: list[0]?.model.trim() ?? 'unknown', cores: list.length, memoryBytes: totalmem(), node: process.version, platform: process.platform, kernel: release() };
}

export interface MeasureContext {
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
export async function waitForQuiet(maxWaitS: number): Promise<number> {
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
/** Warm-up slices at most, however slow the first pass over the mix. */
const MAX_WARMUP_SLICES = 10;

/** Starts a target, uses it, and stops it; a failure marks the target failed instead of ending the benchmark. */
export async function runTarget(target: TargetResult, log: (line: string) => void, start: () => Promise<RunningTarget>, use: (running: RunningTarget) => Promise<void>): Promise<void> {
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

/** Warm-up, then the measured runs, against one running server; the medians and peak RSS after. */
export async function measure(context: MeasureContext, target: TargetResult, running: RunningTarget, poolFile: string): Promise<void> {
  await measureTogether(context, [{ target, running }], poolFile);
}

/**
 * Several servers measured in turns: run 1 of each, run 2 of each, and so on, each run right after a
 * warm-up of its own, so that a machine whose speed drifts over minutes (shared, noisy) slows them
 * alike and their ratio holds. With one server, the plain warm-up and runs.
 */
export async function measureTogether(context: MeasureContext, entries: { target: TargetResult; running: RunningTarget }[], poolFile: string): Promise<void> {
  const { options, log } = context;
  for (const { target } of entries) {
    const others = entries.filter((entry) => entry.target !== target).map((entry) => entry.target.id);
    if (others.length > 0) target.inTurnsWith = [...new Set([...(target.inTurnsWith ?? []), ...others])];
  }
  // In turns, each target is warmed up again right before each of its runs: while the others take
  // their turns (a minute or more at 1M customers) its cached decisions outlive their TTL (60 s), and
  // a run that began by deciding the whole mix again measured cache-cold reads, not cached ones
  // (2026-12-08's 1M runs 2 and 3, of pcapi and 760fa6e alike: 24% below run 1). Alone, once.
  const retriesLeft = new Map(entries.map(({ target }) => [target, options.retries]));
  for (let run = 1; run <= options.runs; run++) {
    for (const { target, running } of entries) {
      if (entries.length > 1 || run === 1) await warmUp(context, target, running, poolFile);
      for (;;) {
        const result = await measuredRun(context, target, running, poolFile);
        if (result.otherCpuPercent > DISTURBED_PERCENT && retriesLeft.get(target)! > 0) {
          retriesLeft.set(target, retriesLeft.get(target)! - 1);
          (target.discardedRuns ??= []).push(result);
          log(`  ${target.label}: run ${run} disturbed (other processes used ${result.otherCpuPercent.toFixed(0)}% of a core, ${Math.round(result.rps)} req/s); repeating it`);
          continue;
        }
        target.runs.push(result);
        log(`  ${target.label}: run ${run}/${options.runs}: ${Math.round(result.rps)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, non-2xx ${result.non2xx}, errors ${result.errors}, CPU server ${result.serverCpuPercent.toFixed(0)}% / load ${result.loadCpuPercent.toFixed(0)}% / other ${result.otherCpuPercent.toFixed(0)}%`);
        break;
      }
    }
  }
  for (const { target, running } of entries) {
    // The largest of its processes' (--processes).
    const peak = readProcStatus(running.started.pid)?.peakRssBytes;
    if (peak !== undefined && !(peak < (target.peakRssBytes ?? 0))) target.peakRssBytes = peak;
    target.median = medians(target.runs);
  }
}

function loadOf(context: MeasureContext, running: RunningTarget, poolFile: string) {
  const { options, pinning, generator } = context;
  return (durationS: number) => runLoad(generator, { url: running.url, poolFile, connections: options.connections, durationS, cpu: pinning.enabled ? pinning.loadCpu : undefined });
}

async function warmUp(context: MeasureContext, target: TargetResult, running: RunningTarget, poolFile: string): Promise<void> {
  const { options, log } = context;
  if (options.warmupS <= 0) return;
  const load = loadOf(context, running, poolFile);
  // At least one pass over the request mix, so that the measured runs of a cached target are not
  // its first, cache-cold pass (at 1M customers that pass alone can outlast a 3 s warm-up).
  let sent = 0;
  let slices = 0;
  do {
    sent += (await load(options.warmupS)).requests;
    slices++;
  } while (sent < options.pairs && slices < MAX_WARMUP_SLICES);
  log(`  ${target.label}: warm-up ${slices * options.warmupS} s (${sent} requests, ${options.pairs} pairs in the mix)`);
}

/** One fixed-time run after the machine goes quiet, with the CPU the server, the load and everything else used. */
async function measuredRun(context: MeasureContext, target: TargetResult, running: RunningTarget, poolFile: string): Promise<RunFigures> {
  const { options, log } = context;
  const waited = await waitForQuiet(options.quietWaitS);
  if (waited < 0) log(`  ${target.label}: the machine did not go quiet within ${options.quietWaitS} s; measuring anyway`);
  else if (waited > 2) log(`  ${target.label}: waited ${waited.toFixed(0)} s for other processes to go quiet`);
  const cpuBefore = readCpuSeconds(running.started.pid) ?? 0;
  const systemBefore = readSystemCpuSeconds();
  const wallBefore = performance.now();
  const figures = await loadOf(context, running, poolFile)(options.durationS);
  const wallSeconds = (performance.now() - wallBefore) / 1000;
  const systemAfter = readSystemCpuSeconds();
  const cpuAfter = readCpuSeconds(running.started.pid) ?? cpuBefore;
  const serverSeconds = cpuAfter - cpuBefore;
  const serverCpuPercent = figures.durationS > 0 ? (serverSeconds / figures.durationS) * 100 : 0;
  // Everything the machine did over the whole window, less the server and the load generator.
  const loadSeconds = (figures.loadCpuPercent / 100) * figures.durationS;
  const otherCpuPercent = Math.max(0, ((systemAfter.busy - systemBefore.busy - serverSeconds - loadSeconds) / wallSeconds) * 100);
  return { ...figures, serverCpuPercent, otherCpuPercent };
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

