/**
 * Property (see seed-corruption.ts) on the other ways in: PostgreSQL (each case on a database cloned
 * from a template holding the valid file's data), and `pcapi seed` (exit 0, or exit 2 with the
 * database unchanged and nothing raw on the terminal).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { importSeedFile } from '../../src/seed/import-seed.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { databaseUrl, withPostgresAdmin } from '../helpers/postgres.js';
import { runPcapi } from '../helpers/run-cli.js';
import { dumpTables } from '../store/store-contract.js';
import { applyAll, checkCorruptedImport, corruptions, NOW, RAW_CONTROL, RUNS, tally, VALID, type Corruption } from './seed-corruption.js';

let workDir: string;

const dropDatabase = (name: string) => withPostgresAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));

async function importCorruptedOnPostgres(template: string, kind: 'json' | 'jsonl', changes: Corruption[]): Promise<void> {
  const name = `pcapi_test_${randomBytes(6).toString('hex')}`;
  await withPostgresAdmin((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  const caseDir = mkdtempSync(join(workDir, 'pg-case-'));
  try {
    await checkCorruptedImport(new PostgresStore(databaseUrl(name)), caseDir, kind, changes);
  } finally {
    await dropDatabase(name);
  }
}

describe('random corruption of a valid seed file, on PostgreSQL and through `pcapi seed`', () => {
  before(() => {
    workDir = mkdtempSync(join(tmpdir(), 'pcapi-corruption-'));
    for (const kind of ['json', 'jsonl'] as const) writeFileSync(join(workDir, `${kind}.seed${VALID[kind].extension}`), VALID[kind].bytes);
  });
  after(() => {
    rmSync(workDir, { recursive: true, force: true });
    process.stdout.write(`# corruption cases (PostgreSQL): ${tally.accepted} accepted as valid, ${tally.refused} refused\n`);
  });

  test('on PostgreSQL: a JSON document and a JSON Lines file', { timeout: 300_000 }, async () => {
    for (const kind of ['json', 'jsonl'] as const) {
      const template = `pcapi_test_${randomBytes(6).toString('hex')}`;
      await withPostgresAdmin((client) => client.query(`CREATE DATABASE ${template}`));
      try {
        const store = new PostgresStore(databaseUrl(template));
        await store.init();
        await importSeedFile(store, join(workDir, `${kind}.seed${VALID[kind].extension}`), NOW);
        await store.close();
        await fc.assert(fc.asyncProperty(corruptions, (changes) => importCorruptedOnPostgres(template, kind, changes)), { numRuns: Math.ceil(RUNS / 10) });
      } finally {
        await dropDatabase(template);
      }
    }
  });

  test('through `pcapi seed`: exit 0, or exit 2 with the database unchanged and nothing raw on the terminal', { timeout: 300_000 }, async () => {
    const cases: { kind: 'json' | 'jsonl'; changes: Corruption[] }[] = [
      ...fc.sample(corruptions, { numRuns: 3, seed: 1 }).map((changes) => ({ kind: 'json' as const, changes })),
      ...fc.sample(corruptions, { numRuns: 3, seed: 2 }).map((changes) => ({ kind: 'jsonl' as const, changes })),
      // A valid file with a binary last line: always refused.
      { kind: 'jsonl', changes: [{ kind: 'insert', at: VALID.jsonl.bytes.length, bytes: new Uint8Array([0x89, 0x1b, 0x5b, 0x32, 0x4a, 0x0a]) }] },
    ];
    // The valid files' data, imported once by the CLI; each case starts from a copy.
    const templates = new Map<string, string>();
    for (const kind of ['json', 'jsonl'] as const) {
      const dir = mkdtempSync(join(workDir, `cli-template-${kind}-`));
      const run = await runPcapi(['seed', join(workDir, `${kind}.seed${VALID[kind].extension}`), '--data-dir', dir]);
      assert.equal(run.code, 0, run.stderr);
      templates.set(kind, join(dir, 'pcapi.db'));
    }
    let exitedTwo = 0;
    for (const { kind, changes } of cases) {
      const caseDir = mkdtempSync(join(workDir, 'cli-'));
      try {
        copyFileSync(templates.get(kind)!, join(caseDir, 'pcapi.db'));
        const file = join(caseDir, `corrupted.seed${VALID[kind].extension}`);
        writeFileSync(file, applyAll(VALID[kind].bytes, changes));
        const probe = new SqliteStore(join(caseDir, 'pcapi.db'));
        const before = await dumpTables(probe);
        await probe.close();
        const run = await runPcapi(['seed', file, '--data-dir', caseDir]);
        assert.ok(run.code === 0 || run.code === 2, `exit ${run.code}: ${run.stderr}`);
        assert.doesNotMatch(run.stderr, RAW_CONTROL, JSON.stringify(run.stderr));
        if (run.code === 2) {
          exitedTwo++;
          assert.match(run.stderr, /^pcapi: seed file .* is not valid:\n/m);
          const after = new SqliteStore(join(caseDir, 'pcapi.db'));
          assert.deepEqual(await dumpTables(after), before, run.stderr);
          await after.close();
        }
      } finally {
        rmSync(caseDir, { recursive: true, force: true });
      }
    }
    assert.ok(exitedTwo >= 1, 'at least the binary last line is refused');
  });
});
