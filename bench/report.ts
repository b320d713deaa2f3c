/** Tables of a benchmark result: for the terminal, and as Markdown for bench/results and docs/benchmarks.md. */
import type { BenchResult, Ratio, TargetResult } from './results-types.js';

export const MB = 1_000_000;

export const fmt = {
  rps: (value: number) => Math.round(value).toLocaleString('en-US'),
  ms: (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)),
  mb: (bytes: number) => `${(bytes / MB).toFixed(0)} MB`,
  ratio: (value: number) => value.toFixed(2),
  percent: (value: number) => `${value.toFixed(0)}%`,
};

function ratioTo(result: BenchResult, target: TargetResult, kind: 'ceiling' | 'prism'): string {
  const reference = result.targets.find((other) => other.kind === kind && other.median);
  if (!target.median || !reference?.median || target.kind === kind) return '';
  return fmt.ratio(target.median.rps / reference.median.rps);
}

interface Row {
  target: string;
  rps: string;
  p50: string;
  p99: string;
  rss: string;
  cpu: string;
  denied: string;
  ceiling: string;
  prism: string;
}

function rows(result: BenchResult): Row[] {
  return result.targets.map((target) => target.median
    ? {
      target: target.label,
      rps: fmt.rps(target.median.rps),
      p50: fmt.ms(target.median.p50Ms),
      p99: fmt.ms(target.median.p99Ms),
      rss: target.peakRssBytes ? fmt.mb(target.peakRssBytes) : '',
      cpu: `${fmt.percent(target.median.serverCpuPercent)} / ${fmt.percent(target.median.loadCpuPercent)}`,
      denied: fmt.percent(target.median.non2xxShare * 100),
      ceiling: ratioTo(result, target, 'ceiling'),
      prism: ratioTo(result, target, 'prism'),
    }
    : { target: target.label, rps: 'failed', p50: '', p99: '', rss: '', cpu: '', denied: '', ceiling: '', prism: '' });
}

const HEADER: Row = { target: 'target', rps: 'req/s', p50: 'p50 ms', p99: 'p99 ms', rss: 'peak RSS', cpu: 'CPU srv/load', denied: 'non-2xx', ceiling: '÷ ceiling', prism: '÷ Prism' };
const KEYS = Object.keys(HEADER) as Array<keyof Row>;

export function terminalTable(result: BenchResult): string {
  const all = [HEADER, ...rows(result)];
  const widths = KEYS.map((key) => Math.max(...all.map((row) => row[key].length)));
  const line = (row: Row) => KEYS.map((key, index) => (index === 0 ? row[key].padEnd(widths[index]!) : row[key].padStart(widths[index]!))).join('  ');
  const out = [line(HEADER), widths.map((width) => '-'.repeat(width)).join('  '), ...rows(result).map(line)];
  out.push('');
  out.push('ratios (medians, this run; measured in turns: the median of the paired runs\' ratios and their range):');
  const nameWidth = Math.max(0, ...result.ratios.map((ratio) => ratio.name.length));
  for (const ratio of result.ratios) out.push(`  ${ratio.name.padEnd(nameWidth)}  ${fmt.ratio(ratio.value)}${ratio.paired ? `   paired ${pairedText(ratio.paired)}` : ''}`);
  out.push('');
  out.push('goals:');
  for (const goal of result.goals) out.push(`  ${goal.met === undefined ? '  ?' : goal.met ? ' ok' : 'MISS'}  ${goal.name}: ${goal.measured} (target ${goal.target})${goal.note ? ` — ${goal.note}` : ''}`);
  return out.join('\n');
}

/** "0.61 (0.46–0.62, 3 pairs)", or without the count "0.61 (0.46–0.62)". */
export function pairedText(paired: NonNullable<Ratio['paired']>, withCount = true): string {
  return `${fmt.ratio(paired.median)} (${fmt.ratio(paired.min)}–${fmt.ratio(paired.max)}${withCount ? `, ${paired.pairs} pairs` : ''})`;
}

function markdownTable(header: string[], body: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...body.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

export function environmentLine(result: BenchResult): string {
  const { machine, settings, pinning, loadGenerator } = result;
  return [
    `${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ${machine.kernel}`,
    `commit ${result.git.commit?.slice(0, 12) ?? 'unknown'}${result.git.uncommittedChanges ? ' with uncommitted changes' : ''}, ${result.finishedAt.slice(0, 10)}`,
    `pcapi run as \`node ${result.settings.pcapiEntry.script} serve\``,
    `${loadGenerator.tool} ${loadGenerator.version}, ${loadGenerator.threads} thread, ${settings.connections} connections, warm-up in ${settings.warmupS} s slices until one pass over the mix, ${settings.runs} × ${settings.durationS} s runs (medians)`,
    pinning.enabled ? `servers pinned to core ${pinning.serverCpu}, load generator to core ${pinning.loadCpu}` : `not pinned: ${pinning.reason}`,
  ].join('; ');
}

/** The figures block: goals, per-target medians, ratios, notes. */
export function markdownFigures(result: BenchResult): string {
  const goals = markdownTable(['goal', 'target', 'measured', 'met?'], result.goals.map((goal) => [
    goal.name, goal.target, goal.measured + (goal.note ? ` (${goal.note})` : ''), goal.met === undefined ? 'not measured' : goal.met ? 'yes' : '**no**',
  ]));
  const targets = markdownTable(['target', 'req/s', 'p50 ms', 'p99 ms', 'peak RSS', 'CPU server / load', 'non-2xx', '÷ ceiling', '÷ Prism'], rows(result).map((row) => KEYS.map((key) => row[key])));
  const ratios = markdownTable(['ratio', 'of the medians', 'paired runs (in turns)'], result.ratios.map((ratio) => [ratio.name, fmt.ratio(ratio.value), ratio.paired ? pairedText(ratio.paired) : '']));
  const failures = result.targets.filter((target) => target.status === 'failed').map((target) => `- **${target.label} failed**: ${target.error}`);
  const coldStarts = result.targets.filter((target) => target.coldStart).map((target) => `${target.label}: ${target.coldStart!.samplesMs.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  return [
    `Measured ${environmentLine(result)}.`,
    '',
    goals,
    '',
    targets,
    '',
    ratios,
    '',
    ...(coldStarts.length > 0 ? [`Cold starts (spawn to first 200): ${coldStarts.join('; ')}.`, ''] : []),
    ...failures,
    ...result.notes.map((note) => `- ${note}`),
  ].join('\n').replace(/\n+$/, '') + '\n';
}

export function markdownReport(result: BenchResult): string {
  return `# pcapi benchmark: ${result.startedAt}\n\n${markdownFigures(result)}\nEvery run's figures are in the JSON file beside this one.\n`;
}
