/**
 * Property (see seed-corruption.ts): random corruption of a valid seed file, imported in process into
 * a real SQLite store that holds the valid file's data, either imports as a valid file does or is
 * refused with a SeedError that changes nothing.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { importSeedFile } from '../../src/seed/import-seed.js';
import { auditFileOf } from '../../src/store/sqlite/sqlite-audit.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { dumpTables, type Dump } from '../store/store-contract.js';
import { checkCorruptedImport, corruption, corruptions, NOW, RUNS, tally, VALID, type Corruption } from './seed-corruption.js';

let workDir: string;
/**
 * Database files holding each valid file's data (and their audit files), copied for every case so each
 * starts the same; and their tables, which every copy holds.
 */
const templates = new Map<keyof typeof VALID, { file: string; tables: Dump }>();

async function importCorrupted(kind: keyof typeof VALID, changes: Corruption[]): Promise<void> {
  const caseDir = mkdtempSync(join(workDir, 'case-'));
  const template = templates.get(kind)!;
  copyFileSync(template.file, join(caseDir, 'pcapi.db'));
  copyFileSync(auditFileOf(template.file), auditFileOf(join(caseDir, 'pcapi.db')));
  await checkCorruptedImport(new SqliteStore(join(caseDir, 'pcapi.db')), caseDir, kind, changes, template.tables);
}

describe('random corruption of a valid seed file (SQLite, in process): imported as valid, or refused and nothing changed', () => {
  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'pcapi-corruption-'));
    for (const kind of Object.keys(VALID) as (keyof typeof VALID)[]) {
      const file = join(workDir, `${kind}.seed${VALID[kind].extension}`);
      writeFileSync(file, VALID[kind].bytes);
      const store = new SqliteStore(join(workDir, `${kind}.db`));
      await store.init();
      await importSeedFile(store, file, NOW);
      const tables = await dumpTables(store);
      await store.close();
      templates.set(kind, { file: join(workDir, `${kind}.db`), tables });
    }
  });
  after(() => {
    rmSync(workDir, { recursive: true, force: true });
    process.stdout.write(`# corruption cases (SQLite): ${tally.accepted} accepted as valid, ${tally.refused} refused\n`);
  });

  test('a JSON document', { timeout: 300_000 }, async () => {
    await fc.assert(fc.asyncProperty(corruptions, (changes) => importCorrupted('json', changes)), { numRuns: RUNS });
  });

  test('a JSON Lines file', { timeout: 300_000 }, async () => {
    await fc.assert(fc.asyncProperty(corruptions, (changes) => importCorrupted('jsonl', changes)), { numRuns: RUNS });
  });

  test('a JSON Lines file of two chunks, corrupted in its last 200 lines', { timeout: 300_000 }, async () => {
    const bytes = VALID.chunks.bytes;
    let tailStart = bytes.length - 1;
    for (let lines = 0; lines <= 200; lines++) tailStart = bytes.lastIndexOf(0x0a, tailStart - 1);
    // Offsets and lines moved into the tail, so changes fall in the second chunk (and sometimes the first).
    const tailCorruption = corruption.map((change): Corruption => {
      if ('at' in change) return { ...change, at: tailStart + (change.at % (bytes.length - tailStart)) };
      if (change.kind === 'swapLines') return { ...change, line: 2_012 - (change.line % 200), other: change.other % 2_012 };
      if ('line' in change) return { ...change, line: 2_012 - (change.line % 200) };
      return change;
    });
    await fc.assert(fc.asyncProperty(fc.array(tailCorruption, { minLength: 1, maxLength: 2 }), (changes) => importCorrupted('chunks', changes)), { numRuns: 12 });
    assert.ok(tally.accepted + tally.refused >= 2 * RUNS + 12);
  });
});
