/** Reads, validates, plans and imports a seed file: one transaction, nothing changed on error. */
import { systemClock } from '../clock.js';
import { SeedConflictError, type ImportSummary, type Store } from '../store/store.js';
import { importConflicts } from './import-conflicts.js';
import { planSeed } from './plan-seed.js';
import type { SeedDocument } from './seed-document.js';
import type { SeedPlan } from './seed-plan.js';
import { isStreamedSeedFile, planStreamedSeed } from './stream-seed.js';
import { readSeedFile, SeedError } from './validate-seed.js';

export { DEMO_SEED_FILE } from '../package-paths.js';

/** `now` resolves relative dates ("in 300 days"); it defaults to the system clock's. */
/** With `replace`, the store becomes the seed: everything else is deleted in the same transaction (emulator reset). */
export interface SeedImportOptions {
  replace?: boolean;
}

export async function importSeedDocument(store: Store, document: SeedDocument, source: string, now = new Date(systemClock.now()), options: SeedImportOptions = {}): Promise<ImportSummary> {
  return importPlans(store, await planSeed(document, { now, source, existing: store }), source, options);
}

/** Imports a seed file: a JSON document, or JSON Lines (`.jsonl`, `.ndjson`) streamed for large datasets. */
export async function importSeedFile(store: Store, file: string, now = new Date(systemClock.now()), options: SeedImportOptions = {}): Promise<ImportSummary> {
  if (isStreamedSeedFile(file)) return importPlans(store, planStreamedSeed(store, file, now), file, options);
  return importSeedDocument(store, readSeedFile(file), file, now, options);
}

/**
 * Imports with the conflict rules (ids belong to their partner; no key twice, across chunks too). A
 * conflict with stored data is the file's fault, so it is reported like any other problem of the file.
 */
/** A replacing import is not checked against the stored rows: they are deleted in the same transaction. */
async function importPlans(store: Store, plans: SeedPlan | AsyncIterable<SeedPlan>, source: string, options: SeedImportOptions = {}): Promise<ImportSummary> {
  try {
    return await store.importSeed(plans, { check: options.replace ? undefined : importConflicts, replace: options.replace });
  } catch (error) {
    if (error instanceof SeedConflictError) throw new SeedError(source, error.problems);
    throw error;
  }
}
