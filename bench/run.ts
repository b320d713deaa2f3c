/**
 * `npm run bench [-- options]`: runs the benchmark (see bench/README.md), prints the table, and writes
 * bench/results/NAME.json (every run, medians, ratios, machine, commit), NAME.svg and NAME.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderChart } from './chart.js';
import { runBenchmark } from './harness.js';
import { parseOptions, REPO_DIR, USAGE, UsageError, type BenchOptions } from './options.js';
import { markdownFigures, markdownReport, terminalTable } from './report.js';
import type { BenchResult } from './results-types.js';
import { runSoak, soakMarkdown } from './soak.js';
import { graphListingMarkdown, runGraphListing } from './graph-listing.js';

export const DOCS_FILE = join(REPO_DIR, 'docs/benchmarks.md');
export const FIGURES_START = '<!-- bench:figures:start (written by `npm run bench -- --update-docs`) -->';
export const FIGURES_END = '<!-- bench:figures:end -->';
export const SOAK_START = '<!-- bench:soak:start (written by `npm run bench -- --soak --update-docs`) -->';
export const SOAK_END = '<!-- bench:soak:end -->';
export const GRAPH_START = '<!-- bench:graph:start (written by `npm run bench -- --graph --update-docs`) -->';
export const GRAPH_END = '<!-- bench:graph:end -->';

export function writeResults(result: BenchResult, outDir: string, name: string): { json: string; svg: string; md: string } {
  mkdirSync(outDir, { recursive: true });
  const files = { json: join(outDir, `${name}.json`), svg: join(outDir, `${name}.svg`), md: join(outDir, `${name}.md`) };
  writeFileSync(files.json, JSON.stringify(result, null, 2) + '\n');
  writeFileSync(files.svg, renderChart(result));
  writeFileSync(files.md, markdownReport(result));
  return files;
}

/** Replaces the block between two markers in docs/benchmarks.md (the figures, or the soak's). */
export function updateDocs(block: string, file = DOCS_FILE, [startMarker, endMarker] = [FIGURES_START, FIGURES_END]): boolean {
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(startMarker);
  const end = text.indexOf(endMarker);
  if (start < 0 || end < start) return false;
  writeFileSync(file, `${text.slice(0, start + startMarker.length)}\n${block}${text.slice(end)}`);
  return true;
}

async function soak(options: BenchOptions): Promise<number> {
  const result = await runSoak(options);
  mkdirSync(options.outDir, { recursive: true });
  const json = join(options.outDir, `${options.name}.json`);
  const md = join(options.outDir, `${options.name}.md`);
  writeFileSync(json, JSON.stringify(result, null, 2) + '\n');
  writeFileSync(md, `# pcapi soak: ${result.startedAt}\n\n${soakMarkdown(result)}`);
  process.stdout.write(`\n${soakMarkdown(result)}\nwrote ${relative(process.cwd(), json)}, ${relative(process.cwd(), md)}\n`);
  if (options.updateDocs) {
    process.stdout.write(updateDocs(soakMarkdown(result), DOCS_FILE, [SOAK_START, SOAK_END]) ? `updated ${relative(process.cwd(), DOCS_FILE)}\n` : `could not update ${DOCS_FILE}: soak markers not found\n`);
  }
  return result.goals.every((goal) => goal.met) ? 0 : 1;
}

async function graph(options: BenchOptions): Promise<number> {
  const result = await runGraphListing(options);
  mkdirSync(options.outDir, { recursive: true });
  const json = join(options.outDir, `${options.name}.json`);
  writeFileSync(json, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`\n${graphListingMarkdown(result)}\nwrote ${relative(process.cwd(), json)}\n`);
  if (options.updateDocs) {
    process.stdout.write(updateDocs(graphListingMarkdown(result), DOCS_FILE, [GRAPH_START, GRAPH_END]) ? `updated ${relative(process.cwd(), DOCS_FILE)}\n` : `could not update ${DOCS_FILE}: graph markers not found\n`);
  }
  return result.goals.every((goal) => goal.met) ? 0 : 1;
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`bench: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (options.soak) return soak(options);
  if (options.graph) return graph(options);
  const result = await runBenchmark(options);
  const files = writeResults(result, options.outDir, options.name);
  process.stdout.write(`\n${terminalTable(result)}\n`);
  if (result.notes.length > 0) process.stdout.write(`\nnotes:\n${result.notes.map((note) => `  - ${note}`).join('\n')}\n`);
  process.stdout.write(`\nwrote ${relative(process.cwd(), files.json)}, ${relative(process.cwd(), files.svg)}, ${relative(process.cwd(), files.md)}\n`);
  if (options.updateDocs) {
    process.stdout.write(updateDocs(markdownFigures(result)) ? `updated ${relative(process.cwd(), DOCS_FILE)}\n` : `could not update ${DOCS_FILE}: markers not found\n`);
  }
  return result.targets.some((target) => target.kind !== 'prism' && target.status === 'failed') ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main();
}
