// Preloaded into every test process by `node scripts/run-tests.mjs --record-durations`: appends the
// file's wall time (process start to exit) to PCAPI_TEST_DURATIONS_LOG, one JSON line per file.
import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import { isMainThread } from 'node:worker_threads';

const log = process.env.PCAPI_TEST_DURATIONS_LOG;
const file = process.argv[1];
if (log && isMainThread && file?.endsWith('.test.ts')) {
  process.on('exit', () => {
    const seconds = Math.round(performance.now() / 100) / 10;
    appendFileSync(log, `${JSON.stringify({ file: relative(process.cwd(), file), seconds })}\n`);
  });
}
