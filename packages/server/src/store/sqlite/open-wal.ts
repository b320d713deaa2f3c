/**
 * Opening a SQLite file in WAL mode when other processes may be creating the same file at the same
 * moment. Two connections switching a new file to WAL can each hold a shared lock and want an
 * exclusive one; SQLite then answers one of them SQLITE_BUSY at once, without calling the busy
 * handler (it would deadlock). That one closes and tries again after a short, random wait.
 */
import Database from 'better-sqlite3';

const ATTEMPTS = 50;

export function isBusy(error: unknown): boolean {
  return typeof (error as { code?: unknown }).code === 'string' && (error as { code: string }).code.startsWith('SQLITE_BUSY');
}

/** Runs `open` (which must close what it opened when it throws) until it does not fail with SQLITE_BUSY. */
export function retryWhileBusy<T>(open: () => T): T {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 1; ; attempt++) {
    try {
      return open();
    } catch (error) {
      if (!isBusy(error) || attempt >= ATTEMPTS) throw error;
      // A synchronous wait of 10-50 ms: this happens while a store opens, before it serves anything.
      Atomics.wait(pause, 0, 0, 10 + Math.floor(Math.random() * 40));
    }
  }
}

/** A connection to `file` with the busy timeout set, switched to WAL. */
export function openInWalMode(file: string, busyTimeoutMs: number): Database.Database {
  return retryWhileBusy(() => {
    const db = new Database(file);
    try {
      // First: processes opening a new file at once wait for each other's switch to WAL instead of failing.
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      db.pragma('journal_mode = WAL');
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  });
}
