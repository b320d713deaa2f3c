/**
 * Benchmark datasets: `pcapi generate-seed` writes a JSON Lines seed, `pcapi seed` streams it into a
 * SQLite data folder, and the folder is kept in the cache (bench/.data) for the next run.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { bundleCli } from '../scripts/bundle-cli.mjs';
import { formatSize, REPO_DIR } from './options.js';
import { runToEnd } from './processes.js';

/** The `pcapi` command as installed (`npx pcapi`): the server package's bin script. */
export const PCAPI_BIN = join(REPO_DIR, 'packages/server/bin/pcapi.mjs');
/** The project's build step (`npm run build`, which `npm start` runs first). */
export const BUILD_SCRIPT = join(REPO_DIR, 'scripts/build.mjs');

export interface PcapiEntry {
  kind: 'bin' | 'dist';
  script: string;
  note?: string;
}

let entry: PcapiEntry = { kind: 'bin', script: PCAPI_BIN };

/**
 * Chooses how `pcapi serve` is run. `auto`: as `npm start` runs it: when the project has a build
 * script, bundle the CLI now (so it matches the sources) into `bundleDir` with the build's own
 * bundler, and run that; otherwise the bin script.
 */
export async function selectPcapiEntry(wanted: 'auto' | 'bin' | 'dist', log: (line: string) => void, bundleDir: string): Promise<PcapiEntry> {
  if (wanted === 'bin' || (wanted === 'auto' && !existsSync(BUILD_SCRIPT))) {
    entry = { kind: 'bin', script: PCAPI_BIN };
    return entry;
  }
  if (!existsSync(BUILD_SCRIPT)) throw new Error(`--entry dist: ${BUILD_SCRIPT} does not exist`);
  log(`bundling pcapi into ${relative(REPO_DIR, bundleDir)}, as npm start does`);
  try {
    await bundleCli(bundleDir);
    entry = { kind: 'dist', script: join(bundleDir, 'pcapi.mjs') };
  } catch (error) {
    if (wanted === 'dist') throw error;
    entry = { kind: 'bin', script: PCAPI_BIN, note: `bundling failed, so the bin script (tsx) was measured: ${(error as Error).message.slice(0, 300)}` };
  }
  return entry;
}

export interface Dataset {
  customers: number;
  partners: number;
  usersPerPartner: number;
  /** pcapi's --data-dir: pcapi.db and, once tokens are minted, signing-key.json. */
  dataDir: string;
  dbBytes: number;
  /** Seconds it took to generate and import (when reused: when it was made). */
  generateSeconds?: number;
  importSeconds?: number;
  reused: boolean;
}

interface Marker {
  customers: number;
  partners: number;
  usersPerPartner: number;
  generateSeconds: number;
  importSeconds: number;
  createdAt: string;
}

/** Node running `pcapi ARGS` with the selected entry, or another build's `script` (without npm's or npx's extra process). */
export function pcapiCommand(args: string[], script = entry.script): [string, string[]] {
  return [process.execPath, [script, ...args]];
}

/** Node running a TypeScript file of the harness through tsx. */
export function nodeWithTsx(script: string, args: string[]): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', script, ...args]];
}

/** `script`: generate and import with another build (a baseline's, whose schema may be older); the selected entry by default. */
export async function ensureDataset(cacheDir: string, spec: { customers: number; partners: number; usersPerPartner: number }, log: (line: string) => void, script = entry.script): Promise<Dataset> {
  // A partner count above the customer count would leave partners without customers; cap it.
  const partners = Math.min(spec.partners, spec.customers);
  const folder = join(cacheDir, `c${formatSize(spec.customers)}-p${partners}-u${spec.usersPerPartner}`);
  const dataDir = join(folder, 'data');
  const markerFile = join(folder, 'dataset.json');
  const db = join(dataDir, 'pcapi.db');
  if (existsSync(markerFile) && existsSync(db)) {
    const marker = JSON.parse(readFileSync(markerFile, 'utf8')) as Marker;
    log(`dataset ${formatSize(spec.customers)}: reusing ${folder}`);
    return {
      customers: marker.customers, partners: marker.partners, usersPerPartner: marker.usersPerPartner, dataDir, dbBytes: statSync(db).size, reused: true,
      generateSeconds: marker.generateSeconds, importSeconds: marker.importSeconds,
    };
  }
  // Start clean: a half-imported folder from an interrupted run must not be reused.
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const seedFile = join(folder, 'seed.jsonl');

  log(`dataset ${formatSize(spec.customers)}: generating ${spec.customers} customers of ${partners} partners (${spec.usersPerPartner} users each)`);
  let started = performance.now();
  const [node, generateArgs] = pcapiCommand(['generate-seed', '--customers', String(spec.customers), '--partners', String(partners), '--users-per-partner', String(spec.usersPerPartner), '--out', seedFile], script);
  const generated = await runToEnd(node, generateArgs, { cwd: REPO_DIR });
  if (generated.code !== 0) throw new Error(`pcapi generate-seed failed (${generated.code}): ${generated.stderr}`);
  const generateSeconds = (performance.now() - started) / 1000;

  log(`dataset ${formatSize(spec.customers)}: importing into SQLite (1M customers take a few minutes)`);
  started = performance.now();
  const [, seedArgs] = pcapiCommand(['seed', seedFile, '--data-dir', dataDir], script);
  const seeded = await runToEnd(node, seedArgs, { cwd: REPO_DIR, env: { ...process.env, PCAPI_LOG_LEVEL: 'warn' } });
  if (seeded.code !== 0) throw new Error(`pcapi seed failed (${seeded.code}): ${seeded.stderr}`);
  const importSeconds = (performance.now() - started) / 1000;
  rmSync(seedFile, { force: true }); // the database holds it all; 1M customers is ~700 MB of JSON

  const marker: Marker = { customers: spec.customers, partners, usersPerPartner: spec.usersPerPartner, generateSeconds, importSeconds, createdAt: new Date().toISOString() };
  writeFileSync(markerFile, JSON.stringify(marker, null, 2) + '\n');
  log(`dataset ${formatSize(spec.customers)}: generated in ${generateSeconds.toFixed(1)} s, imported in ${importSeconds.toFixed(1)} s`);
  return { customers: spec.customers, partners, usersPerPartner: spec.usersPerPartner, dataDir, dbBytes: statSync(db).size, generateSeconds, importSeconds, reused: false };
}
