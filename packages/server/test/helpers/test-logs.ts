/**
 * The suite's logs, for the secret scan (scripts/check-log-secrets.mjs): when PCAPI_TEST_LOG_DIR is
 * set (scripts/run-tests.mjs sets it on a full run), the apps tests build log everything (level
 * trace, one line per request) as JSON lines into one file per test process in that folder; otherwise
 * they log nothing, as before.
 */
import { basename, join } from 'node:path';
import type { DestinationStream, Logger } from 'pino';
import type { RawServeOptions } from '../../src/config.js';
import { createLogger, fileDestination } from '../../src/logging.js';

const LOG_DIR = process.env.PCAPI_TEST_LOG_DIR || undefined;

let destination: DestinationStream | undefined;

/** This test process's log file (one per process: every app of the process appends to it). */
export function testLogDestination(): DestinationStream | undefined {
  if (!LOG_DIR) return undefined;
  destination ??= fileDestination(join(LOG_DIR, `${basename(process.argv[1] ?? 'test', '.ts')}-${process.pid}.log`));
  return destination;
}

/** The serve options logging adds: everything as JSON, one line per request; none without a log folder. */
export function testLogOptions(): RawServeOptions {
  return LOG_DIR ? { logLevel: 'trace', logFormat: 'json', logRequests: 'true' } : {};
}

/** A logger for an app built without startServer (inject apps); false (no logging) without a log folder. */
export function testLogger(): Logger | false {
  const to = testLogDestination();
  return (to && createLogger({ level: 'trace', format: 'json', destination: to })) ?? false;
}
