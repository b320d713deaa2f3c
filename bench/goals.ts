/** Ratios between the targets of one run, and the issue's goals judged on them. */
import { median } from './measure.js';
import { formatSize } from './options.js';
import { MB, pairedText } from './report.js';
import type { BenchResult, Goal, Ratio, TargetResult } from './results-types.js';

const fmt2 = (value: number) => value.toFixed(2);

/** Run i of one against run i of the other, for two targets measured in turns with as many runs each. */
function pairedRatios(numerator: TargetResult, denominator: TargetResult): Ratio['paired'] {
  if (!numerator.inTurnsWith?.includes(denominator.id) || numerator.runs.length !== denominator.runs.length || numerator.runs.length === 0) return undefined;
  const values = numerator.runs.map((run, index) => run.rps / denominator.runs[index]!.rps);
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), pairs: values.length };
}

export function computeRatios(result: BenchResult): Ratio[] {
  const ratios: Ratio[] = [];
  const measured = result.targets.filter((target) => target.median);
  const short = (target: TargetResult) => (target.kind === 'ceiling' ? 'ceiling' : target.kind === 'prism' ? 'Prism' : target.kind === 'fastify' ? 'Fastify floor' : target.label);
  const ratio = (numerator: TargetResult, denominator: TargetResult) => {
    const paired = pairedRatios(numerator, denominator);
    ratios.push({
      name: `${short(numerator)} / ${short(denominator)}`, numerator: numerator.id, denominator: denominator.id, value: numerator.median!.rps / denominator.median!.rps,
      ...(paired ? { paired } : {}),
    });
  };
  const ceiling = measured.find((target) => target.kind === 'ceiling');
  const prism = measured.find((target) => target.kind === 'prism');
  const floor = measured.find((target) => target.kind === 'fastify');
  const pcapi = measured.filter((target) => target.kind === 'pcapi');
  for (const target of pcapi) {
    if (ceiling) ratio(target, ceiling);
    if (floor) ratio(target, floor);
    if (prism) ratio(target, prism);
  }
  if (prism && ceiling) ratio(prism, ceiling);
  // What the framework costs by itself, against bare node:http.
  if (floor && ceiling) ratio(floor, ceiling);
  // Scaling: the work tree's cached figure at each size against the smallest.
  const cached = pcapi.filter((target) => !target.baselineCommit && !target.variant && target.decisionCache !== false);
  for (const larger of cached.slice(1)) ratio(larger, cached[0]!);
  // What the decision cache buys: each build's cache-cold figure against its cached one.
  for (const cold of pcapi.filter((target) => target.decisionCache === false)) {
    const warm = pcapi.find((target) => target.decisionCache !== false && target.customers === cold.customers && target.baselineCommit === cold.baselineCommit && target.variant === cold.variant);
    if (warm) ratio(cold, warm);
  }
  // The same size and mode, from the work tree against the baseline commit.
  // ... and against each variant (the same build with other flags).
  for (const base of pcapi.filter((target) => target.baselineCommit || target.variant)) {
    const current = pcapi.find((target) => !target.baselineCommit && !target.variant && target.customers === base.customers && target.decisionCache === base.decisionCache);
    if (current) ratio(current, base);
  }
  return ratios;
}

/** The issue's targets, judged on the largest dataset measured (1M customers in a full run). */
export function evaluateGoals(result: BenchResult): Goal[] {
  const pcapi = result.targets.filter((target) => target.kind === 'pcapi' && target.median && !target.baselineCommit && !target.variant);
  const cached = pcapi.filter((target) => target.decisionCache !== false);
  const largest = cached[cached.length - 1];
  const smallest = cached[0];
  const size = largest ? formatSize(largest.customers ?? 0) : '1m';
  const ratio = (name: string) => result.ratios.find((entry) => entry.name === name);
  /** The paired runs' median beside a goal's figure, when the two were measured in turns (the goal is judged on the medians). */
  const pairedNote = (found: Ratio | undefined) => (found?.paired ? `; paired runs ${pairedText(found.paired, false)}` : '');
  const goals: Goal[] = [];

  const scaling = largest && smallest && largest !== smallest ? largest.median!.rps / smallest.median!.rps : undefined;
  goals.push({
    name: `throughput at ${size} vs ${smallest ? formatSize(smallest.customers ?? 0) : '1k'} customers`,
    target: 'within 15% (ratio ≥ 0.85)',
    measured: scaling === undefined ? 'needs two sizes' : `${fmt2(scaling)} (${Math.round(largest!.median!.rps)} vs ${Math.round(smallest!.median!.rps)} req/s)`,
    met: scaling === undefined ? undefined : scaling >= 0.85,
    ...(largest && largest.customers !== 1_000_000 ? { note: 'not at 1M customers' } : {}),
  });
  const rss = largest?.peakRssBytes;
  goals.push({
    name: `peak RSS serving ${size} customers from SQLite`,
    target: '< 250 MB',
    measured: rss === undefined ? 'not measured' : `${(rss / MB).toFixed(0)} MB`,
    met: rss === undefined ? undefined : rss < 250 * MB,
  });
  const cold = largest?.coldStart?.medianMs;
  goals.push({
    name: `cold start to the first 200 (${size} customers)`,
    target: '< 1 s',
    measured: cold === undefined ? 'not measured' : `${(cold / 1000).toFixed(2)} s (median of ${largest!.coldStart!.samplesMs.length})`,
    met: cold === undefined ? undefined : cold < 1000,
  });
  const ceiling = largest ? ratio(`${largest.label} / ceiling`) : undefined;
  const ceilingRatio = ceiling?.value;
  goals.push({
    name: `pcapi / ceiling (${size} customers, decisions cached)`,
    target: '≥ 0.6 (aim 0.75)',
    measured: ceilingRatio === undefined ? 'not measured' : `${fmt2(ceilingRatio)}${pairedNote(ceiling)}`,
    met: ceilingRatio === undefined ? undefined : ceilingRatio >= 0.6,
  });
  const prismRatio = largest ? ratio(`${largest.label} / Prism`)?.value : undefined;
  goals.push({
    name: `pcapi / Prism (${size} customers)`,
    target: '≥ 5',
    measured: prismRatio === undefined ? 'not measured' : fmt2(prismRatio),
    met: prismRatio === undefined ? undefined : prismRatio >= 5,
  });
  const coldRead = pcapi.find((target) => target.decisionCache === false && target.customers === largest?.customers);
  const base = result.targets.find((target) => target.baselineCommit && target.decisionCache === false && target.median && target.customers === coldRead?.customers);
  const speedup = coldRead && base ? coldRead.median!.rps / base.median!.rps : undefined;
  goals.push({
    name: `cache-cold reads (${size} customers, decision cache off)`,
    target: base ? `≥ 2× ${base.label.replace(/ cold$/, '')}` : '≥ 2× the baseline commit (--baseline-commit)',
    measured: !coldRead ? 'not measured' : speedup === undefined
      ? `${Math.round(coldRead.median!.rps)} req/s; baseline not measured`
      : `${fmt2(speedup)}× (${Math.round(coldRead.median!.rps)} vs ${Math.round(base!.median!.rps)} req/s${pairedNote(ratio(`${coldRead.label} / ${base!.label}`))})`,
    met: speedup === undefined ? undefined : speedup >= 2,
  });
  return goals;
}
