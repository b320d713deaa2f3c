/** Reads, validates, plans and imports a seed file: one transaction, nothing changed on error. */
import { fileURLToPath } from 'node:url';
import type { ImportSummary, Store } from '../store/store.js';
import { planSeed } from './plan-seed.js';
import type { SeedDocument } from './seed-document.js';
import { readSeedFile } from './validate-seed.js';

export const DEMO_SEED_FILE = fileURLToPath(new URL('../../seeds/demo.seed.json', import.meta.url));

export async function importSeedDocument(store: Store, document: SeedDocument, source: string, now = new Date()): Promise<ImportSummary> {
  const plan = await planSeed(document, { now, source, existingHashes: (ids) => store.credentialHashes(ids) });
  return store.importSeed(plan);
}

export async function importSeedFile(store: Store, file: string, now = new Date()): Promise<ImportSummary> {
  return importSeedDocument(store, readSeedFile(file), file, now);
}
