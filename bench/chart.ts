/** An SVG chart of a benchmark result: median throughput per target, then p50/p99 latency. No dependencies. */
import { fmt } from './report.js';
import type { BenchResult, TargetResult } from './results-types.js';

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const COLORS: Record<TargetResult['kind'], string> = { pcapi: '#2563eb', ceiling: '#6b7280', fastify: '#9ca3af', prism: '#ea580c' };
/** pcapi's cache-cold figures in a lighter blue, a baseline commit's in violet. */
const colorOf = (target: TargetResult) => (target.kind !== 'pcapi' ? COLORS[target.kind] : target.baselineCommit ? '#8b5cf6' : target.decisionCache === false ? '#93c5fd' : COLORS.pcapi);

export function renderChart(result: BenchResult): string {
  const targets = result.targets.filter((target) => target.median);
  const width = 820;
  const left = 130;
  const right = 250;
  const barArea = width - left - right;
  const row = 30;
  const ceiling = targets.find((target) => target.kind === 'ceiling')?.median?.rps;
  const maxRps = Math.max(1, ...targets.map((target) => target.median!.rps));
  const maxLatency = Math.max(0.001, ...targets.map((target) => target.median!.p99Ms));

  const parts: string[] = [];
  let y = 28;
  parts.push(`<text x="16" y="${y}" font-size="17" font-weight="600">pcapi: GET /v1/customers/{id}/organization</text>`);
  y += 20;
  const subtitle = `${result.machine.cpuModel}, ${result.machine.cores} cores, Node ${result.machine.node}; ${result.loadGenerator.tool} ${result.settings.connections} connections; ${result.settings.runs} × ${result.settings.durationS} s; ${result.finishedAt.slice(0, 10)}`;
  parts.push(`<text x="16" y="${y}" font-size="11" fill="#4b5563">${escape(subtitle)}</text>`);

  y += 30;
  parts.push(`<text x="16" y="${y}" font-size="13" font-weight="600">Requests per second (median; higher is better)</text>`);
  y += 12;
  for (const target of targets) {
    const value = target.median!.rps;
    const length = Math.max(1, (value / maxRps) * barArea);
    const ratio = ceiling && target.kind !== 'ceiling' ? ` · ${fmt.ratio(value / ceiling)} of ceiling` : '';
    parts.push(`<text x="${left - 8}" y="${y + 17}" font-size="12" text-anchor="end">${escape(target.label)}</text>`);
    parts.push(`<rect x="${left}" y="${y + 4}" width="${length.toFixed(1)}" height="${row - 10}" fill="${colorOf(target)}" rx="2"/>`);
    parts.push(`<text x="${(left + length + 6).toFixed(1)}" y="${y + 17}" font-size="11">${escape(fmt.rps(value) + ratio)}</text>`);
    y += row;
  }

  y += 24;
  parts.push(`<text x="16" y="${y}" font-size="13" font-weight="600">Latency in ms (median of runs; light p50, dark p99; lower is better)</text>`);
  y += 12;
  for (const target of targets) {
    const { p50Ms, p99Ms } = target.median!;
    const p99Length = Math.max(1, (p99Ms / maxLatency) * barArea);
    const p50Length = Math.max(1, (p50Ms / maxLatency) * barArea);
    parts.push(`<text x="${left - 8}" y="${y + 17}" font-size="12" text-anchor="end">${escape(target.label)}</text>`);
    parts.push(`<rect x="${left}" y="${y + 4}" width="${p99Length.toFixed(1)}" height="${row - 10}" fill="${colorOf(target)}" rx="2"/>`);
    parts.push(`<rect x="${left}" y="${y + 4}" width="${p50Length.toFixed(1)}" height="${row - 10}" fill="#ffffff" fill-opacity="0.55" rx="2"/>`);
    parts.push(`<text x="${(left + p99Length + 6).toFixed(1)}" y="${y + 17}" font-size="11">${escape(`p50 ${fmt.ms(p50Ms)} · p99 ${fmt.ms(p99Ms)}`)}</text>`);
    y += row;
  }

  const failed = result.targets.filter((target) => !target.median);
  for (const target of failed) {
    y += 18;
    parts.push(`<text x="16" y="${y}" font-size="11" fill="#b91c1c">${escape(`${target.label}: not measured (${(target.error ?? '').slice(0, 110)})`)}</text>`);
  }
  y += 20;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif">\n<rect width="100%" height="100%" fill="#ffffff"/>\n${parts.join('\n')}\n</svg>\n`;
}
