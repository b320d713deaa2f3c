import { systemClock } from '../clock.js';
import { describeDatabase, resolveServeConfig, type RawServeOptions } from '../config.js';
import { importSeedFile } from '../seed/import-seed.js';
import { openStore } from '../store/open-store.js';

export async function runSeed(file: string, options: RawServeOptions): Promise<void> {
  const config = resolveServeConfig({ dataDir: options.dataDir, database: options.database });
  const store = await openStore(config.database);
  try {
    const summary = await importSeedFile(store, file, new Date(systemClock.now()));
    process.stdout.write(`imported ${file} into ${describeDatabase(config.database)}: ${summary.inserted} inserted, ${summary.updated} updated, ${summary.unchanged} unchanged\n`);
    // Work after the commit that failed: the data is imported, so these are warnings and the exit code stays 0.
    for (const warning of summary.warnings ?? []) process.stderr.write(`pcapi: warning: ${warning}\n`);
  } finally {
    await store.close();
  }
}
