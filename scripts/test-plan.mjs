// Which processes a test run starts, in which order. The fast layer's files (pure and inject-level,
// hermetic by design: in-memory stores, a clock of their own) share a few processes, each of which
// imports a group of them, so that the cost every process pays first (the TypeScript loader, the app's
// modules, the demo's hashed secrets: about a second) is paid once per group rather than once per
// file. Integration files whose recorded run is short share processes in groups of their own; every
// other integration file (long-running servers, processes, browsers) runs alone. Processes start
// longest first (scripts/test-durations.json: each file's seconds in a recorded run; files not in it
// first of all), because a long file that starts last is the run's tail alone.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Integration files whose recorded run took at most this long share processes too, in groups of their own. */
const SHARED_INTEGRATION_SECONDS = 5;

export const isIntegration = (file) => file.endsWith('.integration.test.ts');

/**
 * @param files the selected test files (paths relative to the repository)
 * @param durations seconds by file, from scripts/test-durations.json
 * @param groups how many processes the fast layer's files share, and as many for the short integration
 *   files (0: a process per file)
 * @returns the files to hand to the test runner, in order, and `cleanup()` for the group files
 */
export function planTestProcesses(files, durations, groups) {
  const seconds = (file) => durations[file] ?? Infinity;
  const shortIntegration = (file) => isIntegration(file) && seconds(file) <= SHARED_INTEGRATION_SECONDS;
  const fastLayer = groups > 0 ? files.filter((file) => !isIntegration(file)) : [];
  const sharedIntegration = groups > 0 ? files.filter(shortIntegration) : [];
  const alone = files.filter((file) => !fastLayer.includes(file) && !sharedIntegration.includes(file));
  const entries = alone.map((file) => ({ path: file, seconds: seconds(file) }));
  const directory = mkdtempSync(join(tmpdir(), 'pcapi-test-groups-'));
  for (const [name, members] of [['fast-layer', fastLayer], ['short-integration', sharedIntegration]]) {
    entries.push(...writeGroups(directory, name, members, groups, seconds));
  }
  entries.sort((a, b) => b.seconds - a.seconds || a.path.localeCompare(b.path));
  return { files: entries.map((entry) => entry.path), cleanup: () => rmSync(directory, { recursive: true, force: true }) };
}

/**
 * `files` in up to `groups` processes of about equal length (longest file into the group with the least
 * so far). A file with no recorded time counts as the median of those with one: counted as long, a new
 * file took a group to itself while the others shared the rest (fast layer 24 s → 40 s).
 */
function writeGroups(directory, name, files, groups, seconds) {
  if (files.length === 0) return [];
  const recorded = files.map(seconds).filter(Number.isFinite).sort((a, b) => a - b);
  const typical = recorded.length > 0 ? recorded[Math.floor(recorded.length / 2)] : 1;
  const weight = (file) => (Number.isFinite(seconds(file)) ? Math.min(seconds(file), 60) : typical);
  const bins = Array.from({ length: Math.min(groups, files.length) }, () => ({ members: [], seconds: 0 }));
  for (const file of [...files].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b))) {
    const bin = bins.reduce((least, next) => (next.seconds < least.seconds ? next : least));
    bin.members.push(file);
    bin.seconds += weight(file);
  }
  return bins.map((bin, index) => {
    const path = join(directory, `${name}-${index + 1}-of-${bins.length}.test.mjs`);
    const imports = bin.members.sort().map((file) => `import ${JSON.stringify(pathToFileURL(resolve(file)).href)};`);
    writeFileSync(path, `// ${bin.members.length} test files in one process (scripts/test-plan.mjs).\n${imports.join('\n')}\n`);
    return { path, seconds: bin.seconds };
  });
}
