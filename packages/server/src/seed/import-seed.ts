/** Reads, validates, plans and imports a seed file: one transaction, nothing changed on error. */
import { SeedConflictError, type ImportSummary, type Store } from '../store/store.js';
import { planSeed } from './plan-seed.js';
import { importSeedStream, isStreamedSeedFile } from './stream-seed.js';
import type { SeedDocument } from './seed-document.js';
import { readSeedFile, SeedError } from './validate-seed.js';

export { DEMO_SEED_FILE } from '../package-paths.js';

export async function importSeedDocument(store: Store, document: SeedDocument, source: string, now = new Date()): Promise<ImportSummary> {
  const plan = await planSeed(document, { now, source, existing: store });
  try {
    return await store.importSeed(plan);
  } catch (error) {
    if (error instanceof SeedConflictError) throw new SeedError(source, [`$: ${error.message}; nothing was imported`]);
    throw error;
  }
}

/** Imports a seed file: a JSON document, or JSON Lines (`.jsonl`, `.ndjson`) streamed for large datasets. */
export async function importSeedFile(store: Store, file: string, now = new Date()): Promise<ImportSummary> {
  if (isStreamedSeedFile(file)) return importSeedStream(store, file, now);
  return importSeedDocument(store, readSeedFile(file), file, now);
}
