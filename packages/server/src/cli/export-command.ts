/** `pcapi export`: the whole store as a seed document (JSON), to stdout or to a file only its owner can read. */
import { EmulatedClock, isClockState } from '../clock.js';
import { IMMEDIATE_DELAYS } from '../domain/gdap-lifecycle.js';
import { chmodSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { describeDatabase, resolveServeConfig, type RawServeOptions } from '../config.js';
import { exportSeed } from '../seed/export-seed.js';
import { openCliStore } from './cli-store.js';
import { addStoreOptions } from './serve-options.js';

export interface ExportOptions extends RawServeOptions {
  out?: string;
}

export function registerExportCommand(program: Command): void {
  addStoreOptions(program.command('export').description('write the whole store as a seed file (JSON, with credential hashes), which `pcapi seed` imports'))
    .option('--out <file>', 'write to this file (mode 0600: it holds credential hashes) instead of stdout')
    .action(async (options: ExportOptions) => {
      await runExport(options);
    });
}

export async function runExport(options: ExportOptions): Promise<void> {
  const config = resolveServeConfig({ dataDir: options.dataDir, database: options.database });
  const store = await openCliStore(config.database);
  let text: string;
  try {
    // Statuses as of the clock the servers on this store share (moved by the emulator, else real time).
    const clock = new EmulatedClock();
    const shared = await store.emulatorSetting('clock');
    if (isClockState(shared)) clock.apply(shared);
    text = `${JSON.stringify(exportSeed(await store.exportRows(), { now: clock.now(), delays: IMMEDIATE_DELAYS }), null, 2)}\n`;
  } finally {
    await store.close();
  }
  if (options.out === undefined) {
    process.stdout.write(text);
    return;
  }
  writePrivateFile(options.out, text);
  process.stderr.write(`exported ${describeDatabase(config.database)} to ${options.out}\n`);
}

/**
 * Writes a new file readable by its owner only, then renames it over `file`: an existing file is
 * replaced whole (never left half written) and never keeps wider permissions.
 */
function writePrivateFile(file: string, text: string): void {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, text, { mode: 0o600, flag: 'wx' });
    chmodSync(temporary, 0o600);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    // Named by the file asked for, not the temporary one beside it.
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `the folder ${dirname(file)} does not exist`
      : code === 'EACCES' || code === 'EPERM' ? `no permission to write in ${dirname(file)}`
        : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
    throw new Error(`cannot write ${file}: ${why}; nothing was written`, { cause: error });
  }
}
