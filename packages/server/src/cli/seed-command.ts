import { resolveServeConfig, type RawServeOptions } from '../config.js';
import { importSeedFile } from '../seed/import-seed.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';

export async function runSeed(file: string, options: RawServeOptions): Promise<void> {
  const config = resolveServeConfig({ dataDir: options.dataDir, database: options.database });
  const store = new SqliteStore(config.databaseFile);
  try {
    await store.init();
    const summary = await importSeedFile(store, file);
    process.stdout.write(`imported ${file} into ${config.databaseFile}: ${summary.inserted} inserted, ${summary.updated} updated, ${summary.unchanged} unchanged\n`);
  } finally {
    await store.close();
  }
}
