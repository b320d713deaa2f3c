/**
 * Benchmark datasets: `pcapi generate-seed` writes a JSON Lines seed, `pcapi seed` streams it into a
 * SQLite data folder, and the folder is kept in the cache (bench/.data) for the next run.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSize, REPO_DIR } from './options.js';
import { runToEnd } from './processes.js';

/** The `pcapi` command as installed (`npx pcapi`): the server package's bin script. */
export const PCAPI_BIN = join(REPO_DIR, 'packages/server/bin/pcapi.mjs');
/** The bundle `npm run build` writes and `npm start` runs, when the project has a build step. */
export const PCAPI_BUNDLE = join(REPO_DIR, 'packages/server/dist/pcapi.mjs');
export const BUILD_SCRIPT = join(REPO_DIR, 'scripts/build.mjs');

export interface PcapiEntry {
  kind: 'bin' | 'dist';
  script: string;
  note?: string;
}

let entry: PcapiEntry = { kind: 'bin', script: PCAPI_BIN };

/**
 * Chooses how `pcapi serve` is run. `auto`: as `npm start` runs it: when the project has a build
 * script, build the bundle now (so it matches the sources) and run it; otherwise the bin script.
 */
export async function selectPcapiEntry(wanted: 'auto' | 'bin' | 'dist', log: (line: string) => void): Promise<PcapiEntry> {
  if (wanted === 'bin' || (wanted === 'auto' && !existsSync(BUILD_SCRIPT))) {
    entry = { kind: 'bin', script: PCAPI_BIN };
    return entry;
  }
  if (!existsSync(BUILD_SCRIPT)) throw new Error(`--entry dist: ${BUILD_SCRIPT} does not exist`);
  log('building the pcapi bundle (scripts/build.mjs), as npm start does');
  const built = await runToEnd(process.execPath, [BUILD_SCRIPT], { cwd: REPO_DIR });
  if (built.code === 0 && existsSync(PCAPI_BUNDLE)) {
    entry = { kind: 'dist', script: PCAPI_BUNDLE };
  } else if (wanted === 'dist') {
    throw new Error(`scripts/build.mjs failed (${built.code}): ${built.stderr.slice(-2000)}`);
  } else {
    entry = { kind: 'bin', script: PCAPI_BIN, note: `scripts/build.mjs failed (${built.code}), so the bin script (tsx) was measured: ${built.stderr.slice(-300)}` };
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

/** Node running `pcapi ARGS` with the selected entry (without npm's or npx's extra process). */
export function pcapiCommand(args: string[]): [string, string[]] {
  return [process.execPath, [entry.script, ...args]];
}

/** Node running a TypeScript file of the harness through tsx. */
export function nodeWithTsx(script: string, args: string[]): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', script, ...args]];
}

export async function ensureDataset(cacheDir: string, spec: { customers: number; partners: number; usersPerPartner: number }, log: (line: string) => void): Promise<Dataset> {
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
  const [node, generateArgs] = pcapiCommand(['generate-seed', '--customers', String(spec.customers), '--partners', String(partners), '--users-per-partner', String(spec.usersPerPartner), '--out', seedFile]);
  const generated = await runToEnd(node, generateArgs, { cwd: REPO_DIR });
  if (generated.code !== 0) throw new Error(`pcapi generate-seed failed (${generated.code}): ${generated.stderr}`);
  const generateSeconds = (performance.now() - started) / 1000;

  log(`dataset ${formatSize(spec.customers)}: importing into SQLite (1M customers take a few minutes)`);
  started = performance.now();
  const [, seedArgs] = pcapiCommand(['seed', seedFile, '--data-dir', dataDir]);
  const seeded = await runToEnd(node, seedArgs, { cwd: REPO_DIR, env: { ...process.env, PCAPI_LOG_LEVEL: 'warn' } });
  if (seeded.code !== 0) throw new Error(`pcapi seed failed (${seeded.code}): ${seeded.stderr}`);
  const importSeconds = (performance.now() - started) / 1000;
  rmSync(seedFile, { force: true }); // the database holds it all; 1M customers is ~700 MB of JSON

  const marker: Marker = { customers: spec.customers, partners, usersPerPartner: spec.usersPerPartner, generateSeconds, importSeconds, createdAt: new Date().toISOString() };
  writeFileSync(markerFile, JSON.stringify(marker, null, 2) + '\n');
  log(`dataset ${formatSize(spec.customers)}: generated in ${generateSeconds.toFixed(1)} s, imported in ${importSeconds.toFixed(1)} s`);
  return { customers: spec.customers, partners, usersPerPartner: spec.usersPerPartner, dataDir, dbBytes: statSync(db).size, generateSeconds, importSeconds, reused: false };
}
