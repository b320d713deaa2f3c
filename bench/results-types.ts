/** The shape of bench/results/*.json. */
import type { LoadResult } from './load.js';
import type { Pinning } from './processes.js';
import type { TargetKind } from './options.js';

export const RESULTS_SCHEMA = 'pcapi-bench/1';

export interface RunFigures extends LoadResult {
  /** CPU the server used during the run, in % of one core. */
  serverCpuPercent: number;
  /**
   * CPU used by everything else on the machine during the run (other processes, the kernel's share
   * not charged to either), in % of one core. High values mean the figures were disturbed.
   */
  otherCpuPercent: number;
}

export interface Medians {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuPercent: number;
  loadCpuPercent: number;
  otherCpuPercent: number;
  /** Share of answers that were not 2xx (the denied part of the mix). */
  non2xxShare: number;
}

export interface TargetResult {
  /** e.g. "pcapi-1m", "ceiling", "prism". */
  id: string;
  kind: TargetKind;
  label: string;
  customers?: number;
  /** pcapi only: false when it ran with `--decision-cache-ttl 0` (every request read the store: the cache-cold figure). */
  decisionCache?: boolean;
  /** pcapi only: the commit of a baseline build (`--baseline-commit`); absent for the work tree's. */
  baselineCommit?: string;
  /** pcapi only: the label of a `--variant` (the work tree's build run with extra flags). */
  variant?: string;
  /** pcapi only: a variant's extra `serve` flags. */
  extraArgs?: string[];
  status: 'ok' | 'failed';
  error?: string;
  version?: string;
  /** Milliseconds from spawn to the first 200 when started for the measured runs. */
  startMs?: number;
  runs: RunFigures[];
  /** The ids of the targets whose runs alternated with this one's (run 1 of each, run 2 of each...). */
  inTurnsWith?: string[];
  /** Runs repeated because other processes took more than 20% of a core during them. */
  discardedRuns?: RunFigures[];
  median?: Medians;
  /** VmHWM of the server process at the end of its runs. */
  peakRssBytes?: number;
  /** Statuses of a sequential probe of the first pairs of the mix, before the warm-up. */
  probe?: { requests: number; statusCounts: Record<string, number> };
  /** pcapi only: spawn to first 200, on the same data folder, several times. */
  coldStart?: { samplesMs: number[]; medianMs: number };
  dataset?: { partners: number; usersPerPartner: number; principals: number; dbBytes: number; reused: boolean; generateSeconds?: number; importSeconds?: number };
  /** revisitSeconds: how often, on average, the same pair came back at the median rate (pairs / req/s). */
  mix?: { pairs: number; tokens: number; distinctCustomers: number; revisitSeconds?: number };
}

export interface Ratio {
  name: string;
  numerator: string;
  denominator: string;
  /** The ratio of the two targets' medians. */
  value: number;
  /**
   * Targets measured in turns: the median of the ratios of their paired runs (run i of one against
   * run i of the other, seconds apart), which a machine's drift between rounds does not move.
   */
  paired?: { median: number; min: number; max: number; pairs: number };
}

export interface Goal {
  name: string;
  target: string;
  measured: string;
  /** undefined when it could not be measured in this run. */
  met: boolean | undefined;
  note?: string;
}

export interface BenchResult {
  schema: typeof RESULTS_SCHEMA;
  startedAt: string;
  finishedAt: string;
  elapsedSeconds: number;
  /** uncommittedChanges: the work tree differed from the commit (tracked files) when measured. */
  git: { commit: string | undefined; branch: string | undefined; uncommittedChanges: boolean; note: string };
  machine: { cpuModel: string; cores: number; memoryBytes: number; node: string; platform: string; kernel: string };
  settings: {
    sizes: number[];
    runs: number;
    durationS: number;
    warmupS: number;
    connections: number;
    pairs: number;
    partners: number;
    usersPerPartner: number;
    coldStarts: number;
    logLevel: string;
    quietWaitS: number;
    retries: number;
    quick: boolean;
    cold: boolean;
    baselineCommit?: string;
    /** The command pcapi ran as: `node <script> serve ...`. */
    pcapiEntry: { kind: 'bin' | 'dist'; script: string; note?: string };
  };
  pinning: Pinning;
  loadGenerator: { tool: string; version: string; threads: number; connections: number; note?: string };
  targets: TargetResult[];
  ratios: Ratio[];
  goals: Goal[];
  notes: string[];
}
