/**
 * A baseline: pcapi as it was at another commit, built beside the work tree so that it can be measured
 * in the same run, on the same datasets, as the current sources (`--baseline-commit SHA`).
 *
 * `git archive` exports the commit's files (nothing in .git changes); node_modules is the work tree's,
 * linked entry by entry except the workspace packages (@pcapi/*), which point at the commit's own.
 * The baseline imports its own copy of a dataset (a newer schema may be closed to it) from the same
 * deterministic generator, and is given the work tree's dataset's signing key, so one request mix
 * (same ids, same tokens) serves both.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_DIR } from './options.js';
import { runToEnd } from './processes.js';

export interface Baseline {
  commit: string;
  /** The bundle to run as `node SCRIPT serve ...`. */
  script: string;
  /** Its folder: the exported commit, and the datasets it imported itself (its schema may be older). */
  dir: string;
}

async function git(args: string[]): Promise<string> {
  const result = await runToEnd('git', args, { cwd: REPO_DIR });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout.trim();
}

export async function prepareBaseline(commitish: string, cacheDir: string, log: (line: string) => void): Promise<Baseline> {
  const commit = await git(['rev-parse', '--verify', `${commitish}^{commit}`]);
  const dir = join(cacheDir, `baseline-${commit.slice(0, 12)}`);
  const script = join(dir, 'packages/server/dist/pcapi.mjs');
  if (existsSync(script)) return { commit, script, dir };

  log(`baseline ${commit.slice(0, 12)}: exporting the commit and building its bundle`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const archive = await runToEnd('sh', ['-c', `git archive --format=tar ${commit} | tar -x -C '${dir}'`], { cwd: REPO_DIR });
  if (archive.code !== 0) throw new Error(`git archive ${commit} failed: ${archive.stderr.trim()}`);

  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '@pcapi'), { recursive: true });
  for (const name of readdirSync(join(REPO_DIR, 'node_modules'))) {
    if (name !== '@pcapi') symlinkSync(join(REPO_DIR, 'node_modules', name), join(modules, name));
  }
  for (const name of readdirSync(join(dir, 'packages'))) symlinkSync(join(dir, 'packages', name), join(modules, '@pcapi', name));

  const built = await runToEnd(process.execPath, [join(dir, 'scripts/build.mjs')], { cwd: dir });
  if (built.code !== 0 || !existsSync(script)) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`building the baseline ${commit.slice(0, 12)} failed (${built.code}): ${built.stderr.slice(-2000)}`);
  }
  return { commit, script, dir };
}
