/**
 * How the CLI's commands open the store, and what the servers on a store record in it for them.
 *
 * Every command that opens a store says which one on stderr first (`pcapi: store sqlite /abs/pcapi.db`,
 * `pcapi: store postgres postgres://pcapi@db.example/pcapi`, never a password), so stdout stays clean
 * for `T=$(npx pcapi token ...)`, and a command run in the wrong folder says so at once.
 */
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { redactedDatabaseUrl, type DatabaseLocation } from '../config.js';
import { openStore } from '../store/open-store.js';
import { auditFileOf } from '../store/sqlite/sqlite-audit.js';
import type { Store } from '../store/store.js';

/** The store as one line shows it: kind and absolute file, or the URL without password or secret parameters. */
export function storeLabel(location: DatabaseLocation): string {
  if (location.kind === 'sqlite') return `sqlite ${location.file === ':memory:' ? ':memory:' : resolve(location.file)}`;
  return `postgres ${redactedDatabaseUrl(location.url)}`;
}

/** A command that works on an existing store was pointed at a SQLite file that does not exist. */
export class NoStoreError extends Error {
  override name = 'NoStoreError';
}

/**
 * Opens the store after saying which on stderr (before opening, so a failure to open names it too).
 * Only `pcapi seed` (and `serve`) create a SQLite store: any other command pointed at a file that does
 * not exist (a mistyped --data-dir) says so, and leaves nothing behind, instead of creating an empty
 * store and answering from it ("0 events", "no such user").
 */
export async function openCliStore(location: DatabaseLocation, err: NodeJS.WritableStream = process.stderr, { create = false } = {}): Promise<Store> {
  err.write(`pcapi: store ${storeLabel(location)}\n`);
  if (!create && location.kind === 'sqlite' && location.file !== ':memory:' && !existsSync(location.file)) {
    throw new NoStoreError(`there is no store at ${resolve(location.file)}: check --data-dir (PCAPI_DATA_DIR) or --database, or create it with pcapi seed or pcapi serve`);
  }
  return openStore(location);
}

/**
 * Taken before a command creates a store: what a refused first import (`pcapi seed`), or a `pcapi serve`
 * that fails to start (a refused seed file, a port in use), leaves of a new SQLite store is nothing. The
 * store (and its folder) is made before the file is read, so a typo then does not leave an empty store
 * that later commands would answer from. A store that existed before is left as it is.
 */
export function undoNewSqliteStore(database: DatabaseLocation): () => void {
  if (database.kind !== 'sqlite' || database.file === ':memory:' || existsSync(database.file)) return () => undefined;
  const folder = dirname(database.file);
  const folderIsNew = !existsSync(folder);
  return () => {
    // Best effort, and never in place of the failure that called it: the folder may never have been
    // made (a path under /proc, a file in the way), or be gone already.
    try {
      for (const file of [database.file, auditFileOf(database.file)]) {
        for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
      }
      if (folderIsNew && existsSync(folder) && readdirSync(folder).length === 0) rmdirSync(folder);
    } catch {
      // Left as it is; the command's own error is what the user needs to see.
    }
  };
}

/**
 * The emulator setting where `pcapi serve` records the base URL it serves at, so `pcapi token` on the
 * same store mints tokens whose issuer that server accepts without `--public-url`. One row in the
 * store, so it works the same on SQLite and PostgreSQL; the server that started last wins.
 */
const PUBLIC_URL_SETTING = 'publicUrl';

interface RecordedPublicUrl { url: string; recordedAt: string }

function isRecordedPublicUrl(value: unknown): value is RecordedPublicUrl {
  return typeof value === 'object' && value !== null && typeof (value as RecordedPublicUrl).url === 'string' && typeof (value as RecordedPublicUrl).recordedAt === 'string';
}

/** Records the server's base URL; written only when it changed (a write drops every process's caches). */
export async function recordPublicUrl(store: Store, url: string, now: Date): Promise<void> {
  const stored = await store.emulatorSetting(PUBLIC_URL_SETTING);
  if (isRecordedPublicUrl(stored) && stored.url === url) return;
  await store.writeGdap({ kind: 'setEmulatorSetting', name: PUBLIC_URL_SETTING, value: { url, recordedAt: now.toISOString() } satisfies RecordedPublicUrl });
}

/** The base URL the last server started on this store recorded, if any. */
export async function recordedPublicUrl(store: Store): Promise<RecordedPublicUrl | undefined> {
  const stored = await store.emulatorSetting(PUBLIC_URL_SETTING);
  return isRecordedPublicUrl(stored) ? stored : undefined;
}
