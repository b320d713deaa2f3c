import { systemClock } from '../clock.js';
import { describeDatabase, resolveServeConfig, type RawServeOptions } from '../config.js';
import { importSeedFile } from '../seed/import-seed.js';
import type { ImportSummary } from '../store/store.js';
import { openCliStore, undoNewSqliteStore } from './cli-store.js';

export async function runSeed(file: string, options: RawServeOptions): Promise<void> {
  const config = resolveServeConfig({ dataDir: options.dataDir, database: options.database });
  const undo = undoNewSqliteStore(config.database);
  const store = await openCliStore(config.database, process.stderr, { create: true });
  let imported = false;
  try {
    const summary = await importSeedFile(store, file, new Date(systemClock.now()));
    imported = true;
    process.stdout.write(`imported ${file} into ${describeDatabase(config.database)}: ${summary.inserted} inserted, ${summary.updated} updated, ${summary.unchanged} unchanged\n`);
    process.stdout.write(`  ${explainCounts(summary)}\n`);
    // Work after the commit that failed: the data is imported, so these are warnings and the exit code stays 0.
    for (const warning of summary.warnings ?? []) process.stderr.write(`pcapi: warning: ${warning}\n`);
  } finally {
    await store.close();
    if (!imported) undo();
  }
}

/** What the counts count, in one line: rows, and why some are "unchanged". */
export function explainCounts(summary: ImportSummary): string {
  if (summary.inserted + summary.updated === 0) {
    return summary.unchanged === 0
      ? 'the file holds no rows to import'
      : 'nothing changed: the store already held every row of this file as written (importing a file again changes nothing)';
  }
  return 'counted in rows (partners, users, apps, groups, memberships, customers, relationships, assignments, consents): '
    + 'inserted are new, updated were changed by this file, unchanged were already stored as the file gives them and were left alone';
}
