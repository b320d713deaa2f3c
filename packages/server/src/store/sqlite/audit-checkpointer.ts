/**
 * Checkpoints the audit file's WAL from a worker thread. A checkpoint copies the WAL into the file and
 * waits for the disk on both; left to the writing connection (SQLite's default, every 1,000 pages) it
 * ran on the serving thread and cost it 300 ns an audited call (measured in a loop of batch appends).
 * The worker's own connection checkpoints every few appends, passively (the writer never waits for
 * it); the writer keeps an automatic checkpoint at a far larger WAL, should the worker fall behind or
 * fail.
 */
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** Appends between checkpoints: at the default 200 ms flush, every 2 s, a few MB of WAL under load. */
const CHECKPOINT_EVERY = 10;
/** The writer's own checkpoint, only if the worker does not keep up: about 40 MB of WAL. */
const BACKSTOP_PAGES = 10_000;
/** SQLite's default, back in force when the worker failed. */
const DEFAULT_PAGES = 1000;

// A module given as a data: URL (no file of its own: the CLI is one bundle). `driver` is the path
// better-sqlite3 resolves to here.
const WORKER_SOURCE = `
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
const failure = (error) => ({ error: String((error && error.message) || error) });
let db;
try {
  const Database = createRequire(workerData.driver)(workerData.driver);
  db = new Database(workerData.file);
  db.pragma('busy_timeout = 1000');
} catch (error) {
  // The file went away (a store left open while its folder is removed): nothing to checkpoint.
  parentPort.postMessage({ ...failure(error), stopped: true });
  parentPort.close();
}
if (db) parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ log: result.log, checkpointed: result.checkpointed });
  } catch (error) {
    parentPort.postMessage(failure(error));
  }
});
`;

export interface CheckpointResult {
  /** Frames in the WAL, and how many of them are now in the file. */
  log: number;
  checkpointed: number;
}

export class AuditCheckpointer {
  private appends = 0;
  /** Started by the first append or checkpoint: a store that records nothing (a CLI command, a seed import) never pays for a thread. */
  private started: { worker: Worker; exited: Promise<void> } | undefined;
  private failed = false;
  private closing: Promise<void> | undefined;
  /** The last checkpoint's outcome (tests wait for it). */
  last: CheckpointResult | { error: string } | undefined;

  constructor(private readonly file: string, private readonly writer: Database.Database) {}

  /** Whether the worker thread was ever started. */
  get workerStarted(): boolean {
    return this.started !== undefined;
  }

  /** The worker thread, started on first use. */
  private worker(): Worker {
    if (this.started) return this.started.worker;
    this.writer.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`), {
      workerData: { file: this.file, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
      // Not the parent's loaders (tsx in tests): the worker's code is plain JavaScript.
      execArgv: [],
    });
    worker.on('message', (result: CheckpointResult | { error: string; stopped?: true }) => {
      this.last = result;
      if ('stopped' in result) this.fail();
    });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve(this.fail())));
    worker.on('error', (error) => {
      this.last = { error: error.message };
      this.fail();
    });
    // A store left open must not keep the process alive for its checkpoints (after the listeners:
    // adding a 'message' listener holds the process again).
    worker.unref();
    this.started = { worker, exited };
    return worker;
  }

  /** Call after each committed append. */
  appended(): void {
    if (this.failed) return;
    // The first append starts the worker (and moves the writer's own checkpoints to the backstop).
    const worker = this.worker();
    if (++this.appends % CHECKPOINT_EVERY === 0) worker.postMessage('checkpoint');
  }

  /** Asks for a checkpoint now; resolves with its outcome. */
  async checkpoint(): Promise<CheckpointResult | { error: string }> {
    if (this.failed) return { error: 'the checkpoint worker has stopped' };
    const worker = this.worker();
    const answered = once(worker, 'message');
    worker.ref();
    worker.postMessage('checkpoint');
    try {
      return (await answered)[0] as CheckpointResult | { error: string };
    } finally {
      worker.unref();
    }
  }

  /** Closes the worker's connection (before the writer's, which then checkpoints what is left). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.started) {
        this.failed = true;
        return;
      }
      if (!this.failed) {
        // Held while it closes, or a process with nothing else to do would end first.
        this.started.worker.ref();
        this.started.worker.postMessage('close');
      }
      await this.started.exited;
    })();
    return this.closing;
  }

  private fail(): void {
    if (this.failed) return;
    this.failed = true;
    if (this.writer.open) this.writer.pragma(`wal_autocheckpoint = ${DEFAULT_PAGES}`);
  }
}
