// Runs the given test files through node:test's run(), in the order given (`node --test` sorts them
// by name), each in its own process, `concurrency` at a time; reports in TAP or, on a terminal, in
// Node's default format. Started by run-tests.mjs with the loaders the test processes need
// (run() hands its own process's --import flags to every file's process).
//   node --import tsx scripts/run-test-files.mjs <concurrency> <file>...
import { run } from 'node:test';
import { spec, tap } from 'node:test/reporters';

const [concurrency, ...files] = process.argv.slice(2);
const stream = run({ files, concurrency: Number(concurrency) });
stream.on('test:fail', (event) => {
  if (!event.todo && !event.skip) process.exitCode = 1;
});
stream.compose(process.stdout.isTTY ? spec : tap).pipe(process.stdout);
