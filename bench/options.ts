/** Command-line options of `npm run bench`, with the defaults of a full run. */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
export const REPO_DIR = resolve(BENCH_DIR, '..');

export type TargetKind = 'pcapi' | 'ceiling' | 'fastify' | 'prism';
export type LoadTool = 'auto' | 'wrk' | 'autocannon';

export interface BenchOptions {
  /** Dataset sizes in customers, measured in this order. */
  sizes: number[];
  runs: number;
  /** Seconds per measured run. */
  durationS: number;
  /** Seconds of load before the measured runs of each target, thrown away. */
  warmupS: number;
  connections: number;
  targets: TargetKind[];
  load: LoadTool;
  /**
   * Distinct (token, customer) pairs the load cycles through. The same number at every size, so that
   * comparing sizes compares data, not working sets (1k customers have 11,000 pairs in all).
   */
  pairs: number;
  partners: number;
  usersPerPartner: number;
  /** Cold starts timed per dataset (the median is reported). */
  coldStarts: number;
  /** pcapi's and Prism's log level (per-request logging off by default for both). */
  logLevel: string;
  /** Pin servers to core 0 and the load generator to core 1 with taskset. */
  pin: boolean;
  dataDir: string;
  outDir: string;
  /** Base name of the results files (NAME.json, NAME.svg, NAME.md). */
  name: string;
  /** Rewrite the figures block of docs/benchmarks.md. */
  updateDocs: boolean;
  /** Seconds to wait for Prism to answer before giving up on it. */
  prismStartTimeoutS: number;
  /**
   * The machine may be shared: before each run, wait up to this many seconds for other processes to
   * go quiet, and repeat a run (up to `retries` times) when they took more than 20% of a core during it.
   */
  quietWaitS: number;
  retries: number;
  /**
   * Fresh server processes per pcapi target, each warmed up and given `runs` runs (in turns with its
   * group): one process's JIT can settle a few % slower or faster than another's (seen: Node's
   * nextTick 8x slower in one of two identical processes), so a comparison of builds or variants
   * needs several.
   */
  processes: number;
  /** How pcapi is run: the built bundle (as `npm start`), the bin script (as `npx pcapi`), or auto. */
  entry: 'auto' | 'bin' | 'dist';
  /**
   * Where the dist entry is bundled (the bundle `npm start` runs, built the same way): a folder of the
   * harness's own under packages/server/dist, so that a run leaves `npm start`'s bundle and the tests'
   * private ones (.build/test-*) alone.
   */
  bundleDir: string;
  quick: boolean;
  /**
   * Also measure pcapi with its decision cache off (`--decision-cache-ttl 0`) at every size: every
   * request then reads the store and decides (tokens stay cached). The cache-cold figure.
   */
  cold: boolean;
  /** Also measure pcapi built from this commit, on the largest dataset, in the same modes (baseline.ts). */
  baselineCommit: string | undefined;
  /** Also measure the work tree's pcapi with these extra `serve` flags, on the largest dataset, in the same modes. */
  variants: { label: string; args: string[] }[];
  /** Run the soak (soak.ts) instead of the benchmark, on the largest size. */
  soak: boolean;
  /** Measure Graph listings (graph-listing.ts) instead, on the largest size. */
  graph: boolean;
  /** Seconds of soak traffic. */
  soakDurationS: number;
}

export const FULL_SIZES = [1_000, 100_000, 1_000_000];
export const QUICK_SIZES = [1_000, 100_000];

export function defaultOptions(): BenchOptions {
  return {
    sizes: FULL_SIZES,
    runs: 3,
    durationS: 10,
    warmupS: 3,
    connections: 50,
    targets: ['pcapi', 'ceiling', 'fastify', 'prism'],
    load: 'auto',
    pairs: 10_000,
    partners: 100,
    usersPerPartner: 10,
    coldStarts: 5,
    logLevel: 'warn',
    pin: true,
    dataDir: resolve(BENCH_DIR, '.data'),
    outDir: resolve(BENCH_DIR, 'results'),
    name: 'latest',
    updateDocs: false,
    prismStartTimeoutS: 60,
    quietWaitS: 60,
    retries: 2,
    processes: 1,
    entry: 'auto',
    bundleDir: resolve(REPO_DIR, 'packages/server/.build/bench'),
    quick: false,
    cold: true,
    baselineCommit: undefined,
    variants: [],
    soak: false,
    graph: false,
    soakDurationS: 300,
  };
}

export const USAGE = `npm run bench -- [options]

  --quick                  1k and 100k customers, 1 run (results named "quick")
  --sizes LIST             dataset sizes, e.g. 1k,100k,1m (default 1k,100k,1m)
  --runs N                 measured runs per target (default 3; medians are reported)
  --duration S             seconds per run (default 10)
  --warmup S               seconds of warm-up per target, and before each run of targets in turns (default 3)
  --connections N          concurrent connections (default 50)
  --targets LIST           any of pcapi,ceiling,fastify,prism (default all four)
  --load TOOL              wrk, autocannon or auto (wrk when installed; default auto)
  --pairs N                distinct (token, customer) pairs in the request mix, the same at every size (default 10000)
  --partners N             partner tenants in generated datasets (default 100)
  --users-per-partner N    agent users per partner (default 10)
  --cold-starts N          cold starts timed per dataset (default 5)
  --log-level LEVEL        pcapi's and Prism's log level (default warn)
  --no-pin                 do not pin with taskset
  --data-dir DIR           dataset cache (default bench/.data)
  --out DIR                results folder (default bench/results)
  --name NAME              results file name (default latest; quick with --quick)
  --update-docs            rewrite the figures in docs/benchmarks.md
  --prism-timeout S        seconds Prism may take to start (default 60)
  --quiet-wait S           before each run, wait up to S seconds for other processes to go quiet (default 60)
  --retries N              repeat a run disturbed by other processes up to N times (default 2)
  --processes N            start each pcapi target N times, each process warmed up and given --runs runs;
                           medians over all (default 1). Comparing variants or a baseline: a process's JIT
                           state can differ from another's by a few %, so use 3 or more
  --entry KIND             dist: bundle the CLI as npm start does and run that; bin: the bin script
                           (as npx pcapi, through tsx); auto (default): dist when scripts/build.mjs exists
  --no-cold                do not measure pcapi with its decision cache off (the cache-cold figure)
  --baseline-commit SHA    also measure pcapi built from commit SHA on the largest dataset (same modes)
  --variant LABEL=FLAGS    also measure pcapi run with these extra serve flags on the largest dataset (same
                           modes), e.g. --variant "no-audit=--audit-retention 0"; repeatable. The variants
                           and pcapi as it normally runs are measured in turns (run 1 of each, run 2 ...)
  --soak                   run the soak instead: mixed traffic with fuzz at half of measured capacity,
                           RSS sampled (results named "soak"; default size 1m)
  --soak-duration S        seconds of soak traffic (default 300)
  --graph                  measure Graph relationship listings instead, at the largest size (default 1m;
                           results named "graph")
`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (!match) throw new UsageError(`bad size "${text}": expected e.g. 1000, 1k, 100k, 1m`);
  const factor = { '': 1, k: 1_000, m: 1_000_000 }[match[2]!.toLowerCase() as '' | 'k' | 'm'];
  const value = Math.round(Number(match[1]) * factor);
  if (value < 1) throw new UsageError(`bad size "${text}"`);
  return value;
}

export function formatSize(customers: number): string {
  if (customers >= 1_000_000 && customers % 1_000_000 === 0) return `${customers / 1_000_000}m`;
  if (customers >= 1_000 && customers % 1_000 === 0) return `${customers / 1_000}k`;
  return String(customers);
}

function positive(flag: string, text: string | undefined, allowFraction = false): number {
  const value = Number(text);
  if (text === undefined || !Number.isFinite(value) || value <= 0 || (!allowFraction && !Number.isInteger(value))) {
    throw new UsageError(`${flag} expects a positive ${allowFraction ? 'number' : 'whole number'}`);
  }
  return value;
}

export function parseOptions(argv: string[]): BenchOptions & { help: boolean } {
  const options = { ...defaultOptions(), help: false };
  let nameGiven = false;
  let runsGiven = false;
  let sizesGiven = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++index];
    switch (flag) {
      case '--help': case '-h': options.help = true; break;
      case '--quick': options.quick = true; break;
      case '--sizes': options.sizes = (value() ?? '').split(',').filter(Boolean).map(parseSize); sizesGiven = true; break;
      case '--runs': options.runs = positive(flag, value()); runsGiven = true; break;
      case '--duration': options.durationS = positive(flag, value(), true); break;
      case '--warmup': { const text = value(); options.warmupS = text === '0' ? 0 : positive(flag, text, true); break; }
      case '--connections': options.connections = positive(flag, value()); break;
      case '--targets': {
        const targets = (value() ?? '').split(',').filter(Boolean);
        for (const target of targets) if (!['pcapi', 'ceiling', 'fastify', 'prism'].includes(target)) throw new UsageError(`unknown target "${target}"`);
        options.targets = targets as TargetKind[];
        break;
      }
      case '--load': {
        const tool = value();
        if (tool !== 'auto' && tool !== 'wrk' && tool !== 'autocannon') throw new UsageError('--load expects wrk, autocannon or auto');
        options.load = tool;
        break;
      }
      case '--pairs': options.pairs = positive(flag, value()); break;
      case '--partners': options.partners = positive(flag, value()); break;
      case '--users-per-partner': options.usersPerPartner = positive(flag, value()); break;
      case '--cold-starts': { const text = value(); options.coldStarts = text === '0' ? 0 : positive(flag, text); break; }
      case '--log-level': options.logLevel = value() ?? 'warn'; break;
      case '--no-pin': options.pin = false; break;
      case '--data-dir': options.dataDir = resolve(value() ?? ''); break;
      case '--out': options.outDir = resolve(value() ?? ''); break;
      case '--name': options.name = value() ?? 'latest'; nameGiven = true; break;
      case '--update-docs': options.updateDocs = true; break;
      case '--prism-timeout': options.prismStartTimeoutS = positive(flag, value(), true); break;
      case '--quiet-wait': { const text = value(); options.quietWaitS = text === '0' ? 0 : positive(flag, text, true); break; }
      case '--entry': {
        const kind = value();
        if (kind !== 'auto' && kind !== 'bin' && kind !== 'dist') throw new UsageError('--entry expects auto, bin or dist');
        options.entry = kind;
        break;
      }
      case '--retries': { const text = value(); options.retries = text === '0' ? 0 : positive(flag, text); break; }
      case '--processes': options.processes = positive(flag, value()); break;
      case '--no-cold': options.cold = false; break;
      case '--variant': {
        const [label, flags] = (value() ?? '').split(/=(.*)/s, 2);
        if (!label || !/^[\w.-]+$/.test(label) || flags === undefined) throw new UsageError('--variant expects LABEL=FLAGS, e.g. "no-audit=--audit-retention 0"');
        options.variants.push({ label, args: flags.split(/\s+/).filter(Boolean) });
        break;
      }
      case '--baseline-commit': options.baselineCommit = value(); if (!options.baselineCommit) throw new UsageError('--baseline-commit expects a commit'); break;
      case '--soak': options.soak = true; break;
      case '--graph': options.graph = true; break;
      case '--soak-duration': options.soakDurationS = positive(flag, value(), true); break;
      default: throw new UsageError(`unknown option "${arg}"`);
    }
  }
  if (options.quick) {
    if (!sizesGiven) options.sizes = QUICK_SIZES;
    if (!runsGiven) options.runs = 1;
    if (!nameGiven) options.name = 'quick';
  }
  if (options.soak) {
    if (!sizesGiven) options.sizes = [1_000_000];
    if (!nameGiven) options.name = 'soak';
  }
  if (options.graph) {
    if (!sizesGiven) options.sizes = [1_000_000];
    if (!nameGiven) options.name = 'graph';
  }
  if (options.sizes.length === 0) throw new UsageError('--sizes needs at least one size');
  if (options.targets.length === 0) throw new UsageError('--targets needs at least one target');
  return options;
}
