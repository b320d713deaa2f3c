/**
 * Reads, validates, plans and imports a seed file: one transaction, nothing changed on error.
 *
 * Every problem of a file is reported in one run, whatever stage finds it: the schema (a part that
 * fails it is left out of the later stages, the rest goes on), references within the file (planning),
 * and conflicts with what the store holds (read inside the import's transaction). Any problem aborts
 * the import before anything is committed.
 */
import { systemClock } from '../clock.js';
import { SeedConflictError, type ImportOptions, type ImportSummary, type Store } from '../store/store.js';
import { importConflicts } from './import-conflicts.js';
import { entriesOf, planEntries, type SkippedParts } from './plan-seed.js';
import type { SeedDocument } from './seed-document.js';
import type { SeedPlan } from './seed-plan.js';
import { isStreamedSeedFile, planStreamedSeed } from './stream-seed.js';
import { SeedError } from './seed-error.js';
import { checkSeedFile } from './validate-seed.js';

export { DEMO_SEED_FILE } from '../package-paths.js';

/** With `replace`, the store becomes the seed: everything else is deleted in the same transaction (emulator reset). */
export interface SeedImportOptions {
  replace?: boolean;
}

/** `now` resolves relative dates ("in 300 days"); it defaults to the system clock's. */
export async function importSeedDocument(store: Store, document: SeedDocument, source: string, now = new Date(systemClock.now()), options: SeedImportOptions = {}): Promise<ImportSummary> {
  return importChecked(store, document, [], undefined, source, now, options);
}

/** Imports a seed file: a JSON document, or JSON Lines (`.jsonl`, `.ndjson`) streamed for large datasets. */
export async function importSeedFile(store: Store, file: string, now = new Date(systemClock.now()), options: SeedImportOptions = {}): Promise<ImportSummary> {
  if (isStreamedSeedFile(file)) return importStreamed(store, file, now, options);
  const { document, problems, skipped } = checkSeedFile(file);
  return importChecked(store, document, problems, skipped, file, now, options);
}

/**
 * Plans what passed the schema, then imports with the conflict rules (ids belong to their partner; no
 * key twice). Problems of the earlier stages make the store's check fail the import after it has added
 * the conflicts it finds, so one SeedError lists the three stages' problems. A replacing import is not
 * checked against the stored rows (they are deleted in the same transaction), so it stops before the store.
 */
async function importChecked(
  store: Store, document: SeedDocument, schemaProblems: string[], skipped: SkippedParts | undefined, source: string, now: Date, options: SeedImportOptions,
): Promise<ImportSummary> {
  const { plan, problems: planProblems } = await planEntries(entriesOf(document, skipped), { now, source, existing: store });
  const earlier = [...schemaProblems, ...planProblems];
  if (options.replace && earlier.length > 0) throw new SeedError(source, earlier);
  const check: ImportOptions['check'] = (chunk, stored) => {
    const conflicts = importConflicts(chunk, stored);
    return earlier.length + conflicts.length > 0 ? [...earlier, ...conflicts] : [];
  };
  return importPlans(store, plan, source, { check: options.replace ? undefined : check, replace: options.replace });
}

/**
 * A streamed file's chunks go to the store as they are planned, and the store's check hands each
 * chunk's conflicts back to the plans, which collect them with the file's other problems and fail the
 * import after the last line, listing them all (stream-seed.ts). A replacing import stops at the first.
 */
async function importStreamed(store: Store, file: string, now: Date, options: SeedImportOptions): Promise<ImportSummary> {
  if (options.replace) return importPlans(store, planStreamedSeed(store, file, now, { collect: false }).plans, file, { replace: true });
  const streamed = planStreamedSeed(store, file, now);
  return importPlans(store, streamed.plans, file, {
    check: (chunk, stored) => {
      streamed.conflicts(chunk, importConflicts(chunk, stored));
      return [];
    },
  });
}

async function importPlans(store: Store, plans: SeedPlan | AsyncIterable<SeedPlan>, source: string, options: ImportOptions): Promise<ImportSummary> {
  try {
    return await store.importSeed(plans, options);
  } catch (error) {
    if (error instanceof SeedConflictError) throw new SeedError(source, error.problems);
    throw error;
  }
}
