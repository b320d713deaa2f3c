/**
 * Random corruption of valid seed files, for the property in seed-corruption.test.ts (SQLite, in
 * process) and seed-corruption.integration.test.ts (PostgreSQL and `pcapi seed`): a corrupted file either
 * imports as a valid file does (and a second import of it changes nothing), or is refused with a
 * SeedError (`pcapi seed` exits 2) that leaves every table exactly as it was and writes no control
 * character to a terminal.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { customerLine, partnerLine } from '../../src/seed/generate-seed.js';
import { DEMO_SEED_FILE, importSeedFile } from '../../src/seed/import-seed.js';
import type { SeedDocument } from '../../src/seed/seed-document.js';
import { SeedError } from '../../src/seed/seed-error.js';
import type { Store } from '../../src/store/store.js';
import { dumpTables, type Dump } from '../store/store-contract.js';

export const NOW = new Date('2026-03-01T12:00:00.000Z');
/** Cases per file kind; raise it to search longer (PCAPI_FUZZ_RUNS=5000). */
export const RUNS = Number(process.env.PCAPI_FUZZ_RUNS ?? 250);
export const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** The demo dataset without secrets (hashing them would dominate the run time). */
function demoWithoutSecrets(): SeedDocument {
  const document = JSON.parse(readFileSync(DEMO_SEED_FILE, 'utf8')) as SeedDocument;
  for (const partner of document.partners) {
    for (const user of partner.users ?? []) delete user.password;
    for (const app of partner.applications ?? []) delete app.clientSecret;
  }
  return document;
}

/** The same data as JSON Lines: partner lines, then customer lines. */
function asJsonLines(document: SeedDocument): string {
  const partners = document.partners.map(({ customers: _, ...partner }) => JSON.stringify({ partner }));
  const customers = document.partners.flatMap((partner) => (partner.customers ?? []).map((customer) => JSON.stringify({ customer: { partnerTenantId: partner.tenantId, ...customer } })));
  return [...partners, ...customers].join('\n') + '\n';
}

/** Valid files to corrupt: the demo as a JSON document and as JSON Lines, and JSON Lines of two chunks. */
export const VALID = {
  json: { bytes: Buffer.from(JSON.stringify(demoWithoutSecrets(), null, 2)), extension: '.json' },
  jsonl: { bytes: Buffer.from(asJsonLines(demoWithoutSecrets())), extension: '.jsonl' },
  /** More customers than one chunk (2,000) holds: corruption near the end lands in the second chunk. */
  chunks: {
    bytes: Buffer.from([partnerLine(0, 1), partnerLine(1, 1), ...Array.from({ length: 2_010 }, (_, i) => customerLine(i, 2))].map((line) => JSON.stringify(line)).join('\n') + '\n'),
    extension: '.jsonl',
  },
} as const;

// ---------------------------------------------------------------------------------------------
// Corruptions of a file's bytes.

export type Corruption =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'duplicateLine' | 'deleteLine'; line: number }
  | { kind: 'swapLines'; line: number; other: number }
  | { kind: 'swapValues' | 'copyValue'; value: number; other: number };

/** Inserted text: JSON syntax, control and odd characters, escapes no store can hold, digits that make dates and durations huge. */
const JSON_TOKENS = ['{', '}', '[', ']', ',', ':', '"', '\\', 'null', 'true', '0', '-', '"x"', '\n', '\u0000', '\u001b[2J', 'é', '\ufeff', '\\u0000', '\\ud800', '999999999'];

export const corruption: fc.Arbitrary<Corruption> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.constantFrom(...JSON_TOKENS).map((text) => new Uint8Array(Buffer.from(text)))) }),
  fc.record({ kind: fc.constantFrom('duplicateLine' as const, 'deleteLine' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swapLines' as const), line: fc.nat(), other: fc.nat() }),
  fc.record({ kind: fc.constantFrom('swapValues' as const, 'copyValue' as const), value: fc.nat(), other: fc.nat() }),
);

/** JSON string literals: [start, end) byte ranges (ASCII delimiters, so byte offsets are safe). */
function stringLiterals(bytes: Buffer): [number, number][] {
  const ranges: [number, number][] = [];
  for (const match of bytes.toString('latin1').matchAll(/"(?:[^"\\\n]|\\.)*"/g)) ranges.push([match.index!, match.index! + match[0].length]);
  return ranges;
}

function corrupt(input: Buffer, change: Corruption): Buffer {
  const at = (n: number, length: number) => (length === 0 ? 0 : n % length);
  switch (change.kind) {
    case 'flip': {
      if (input.length === 0) return input;
      const output = Buffer.from(input);
      output[at(change.at, input.length)]! ^= change.mask;
      return output;
    }
    case 'truncate':
      return input.subarray(0, at(change.at, input.length + 1));
    case 'insert': {
      const i = at(change.at, input.length + 1);
      return Buffer.concat([input.subarray(0, i), change.bytes, input.subarray(i)]);
    }
    case 'duplicateLine':
    case 'deleteLine':
    case 'swapLines': {
      const lines = input.toString('latin1').split('\n');
      const i = at(change.line, lines.length);
      if (change.kind === 'duplicateLine') lines.splice(i, 0, lines[i]!);
      else if (change.kind === 'deleteLine') lines.splice(i, 1);
      else if (change.kind === 'swapLines') {
        const j = at(change.other, lines.length);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      }
      return Buffer.from(lines.join('\n'), 'latin1');
    }
    case 'swapValues':
    case 'copyValue': {
      const literals = stringLiterals(input);
      if (literals.length < 2) return input;
      let [a, b] = [literals[at(change.value, literals.length)]!, literals[at(change.other, literals.length)]!];
      if (a[0] === b[0]) return input;
      if (change.kind === 'copyValue') return Buffer.concat([input.subarray(0, a[0]), input.subarray(b[0], b[1]), input.subarray(a[1])]);
      if (a[0] > b[0]) [a, b] = [b, a];
      return Buffer.concat([input.subarray(0, a[0]), input.subarray(b[0], b[1]), input.subarray(a[1], b[0]), input.subarray(a[0], a[1]), input.subarray(b[1])]);
    }
  }
}

export const corruptions = fc.array(corruption, { minLength: 1, maxLength: 3 });
export const applyAll = (input: Buffer, changes: Corruption[]) => changes.reduce(corrupt, input);

// ---------------------------------------------------------------------------------------------

/** Outcomes so far, for the run's summary line. */
export const tally = { accepted: 0, refused: 0 };

/** Imports a corrupted file into a store holding the valid file's data, and checks the property. */
/** Opens `store` (a copy of a valid file's data), checks one corrupted file against it, and closes it. */
/** `before`: the tables of the valid file's store, when the caller has them (every copy holds the same). */
export async function checkCorruptedImport(store: Store, caseDir: string, kind: keyof typeof VALID, changes: Corruption[], before?: Dump): Promise<void> {
  try {
    await store.init();
    await checkImport(store, caseDir, applyAll(VALID[kind].bytes, changes), VALID[kind].extension, before);
  } finally {
    await store.close();
    rmSync(caseDir, { recursive: true, force: true });
  }
}

export async function checkImport(store: Store, caseDir: string, bytes: Buffer, extension: string, given?: Dump): Promise<void> {
  const file = join(caseDir, `corrupted.seed${extension}`);
  writeFileSync(file, bytes);
  const before: Dump = given ?? await dumpTables(store);
  const outcome = await importSeedFile(store, file, NOW).then((summary) => ({ summary }), (error: unknown) => ({ error }));
  if ('error' in outcome) {
    const { error } = outcome;
    assert.ok(error instanceof SeedError, `not a SeedError: ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error)}`);
    assert.doesNotMatch(error.message, RAW_CONTROL, `raw control characters in: ${JSON.stringify(error.message)}`);
    assert.deepEqual(await dumpTables(store), before, `a refused import changed the store: ${error.message}`);
    tally.refused++;
  } else {
    const again = await importSeedFile(store, file, NOW);
    assert.deepEqual([again.inserted, again.updated], [0, 0], `a second import changed ${JSON.stringify(again)}`);
    tally.accepted++;
  }
}
