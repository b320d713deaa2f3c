/**
 * `npm run bench [-- options]`: runs the benchmark (see bench/README.md), prints the table, and writes
 * bench/results/NAME.json (every run, medians, ratios, machine, commit), NAME.svg and NAME.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderChart } from './chart.js';
import { runBenchmark } from './harness.js';
import { parseOptions, REPO_DIR, USAGE, UsageError } from './options.js';
import { markdownFigures, markdownReport, terminalTable } from './report.js';
import type { BenchResult } from './results-types.js';

export const DOCS_FILE = join(REPO_DIR, 'docs/benchmarks.md');
export const FIGURES_START = '<!-- bench:figures:start (written by `npm run bench -- --update-docs`) -->';
export const FIGURES_END = '<!-- bench:figures:end -->';

export function writeResults(result: BenchResult, outDir: string, name: string): { json: string; svg: string; md: string } {
  mkdirSync(outDir, { recursive: true });
  const files = { json: join(outDir, `${name}.json`), svg: join(outDir, `${name}.svg`), md: join(outDir, `${name}.md`) };
  writeFileSync(files.json, JSON.stringify(result, null, 2) + '\n');
  writeFileSync(files.svg, renderChart(result));
  writeFileSync(files.md, markdownReport(result));
  return files;
}

/** Replaces the block between the markers in docs/benchmarks.md with this result's figures. */
export function updateDocs(result: BenchResult, file = DOCS_FILE): boolean {
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(FIGURES_START);
  const end = text.indexOf(FIGURES_END);
  if (start < 0 || end < start) return false;
  const updated = `${text.slice(0, start + FIGURES_START.length)}\n${markdownFigures(result)}${text.slice(end)}`;
  writeFileSync(file, updated);
  return true;
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
  const result = await runBenchmark(options);
  const files = writeResults(result, options.outDir, options.name);
  process.stdout.write(`\n${terminalTable(result)}\n`);
  if (result.notes.length > 0) process.stdout.write(`\nnotes:\n${result.notes.map((note) => `  - ${note}`).join('\n')}\n`);
  process.stdout.write(`\nwrote ${relative(process.cwd(), files.json)}, ${relative(process.cwd(), files.svg)}, ${relative(process.cwd(), files.md)}\n`);
  if (options.updateDocs) {
    process.stdout.write(updateDocs(result) ? `updated ${relative(process.cwd(), DOCS_FILE)}\n` : `could not update ${DOCS_FILE}: markers not found\n`);
  }
  return result.targets.some((target) => target.kind !== 'prism' && target.status === 'failed') ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main();
}
