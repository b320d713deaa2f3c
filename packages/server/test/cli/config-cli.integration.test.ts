/** `pcapi serve` refusing bad settings, as a user meets it: a child process, its exit code and its stderr. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { runPcapi } from '../helpers/run-cli.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const pcapi = (args: string[], env: Record<string, string> = {}) => runPcapi(args, { env });

const assertNoStack = (text: string) => assert.doesNotMatch(text, /^\s+at .+[:(]\d+/m, `stack trace in:\n${text}`);

describe('pcapi serve: configuration errors', () => {
  test('--port abc exits 2 with the message and no stack trace', async (t) => {
    const run = await pcapi(['serve', '--port', 'abc', '--data-dir', tempDir(t)]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, 'pcapi: invalid configuration:\n  --port (PCAPI_PORT): "abc" is not a whole number from 0 to 65535\n');
    assertNoStack(run.stderr);
  });

  test('a bad environment variable is reported the same way, with every problem', async (t) => {
    const run = await pcapi(['serve', '--data-dir', tempDir(t)], { PCAPI_PORT: 'abc', PCAPI_LOG_LEVEL: 'loud' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--port \(PCAPI_PORT\): "abc"/);
    assert.match(run.stderr, /--log-level \(PCAPI_LOG_LEVEL\): "loud"/);
    assertNoStack(run.stderr);
  });

  test('a port already in use exits 1 with a clear message', async (t) => {
    const blocker = createServer();
    await new Promise<void>((listening) => blocker.listen(0, '127.0.0.1', listening));
    t.after(() => new Promise<void>((closed) => blocker.close(() => closed())));
    const port = (blocker.address() as AddressInfo).port;
    const run = await pcapi(['serve', '--port', String(port), '--data-dir', tempDir(t), '--log-level', 'silent']);
    assert.equal(run.code, 1, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
    assert.match(run.stderr, /^pcapi: the address is already in use/);
    assert.ok(run.stderr.includes(`127.0.0.1:${port}`), run.stderr);
    assertNoStack(run.stderr);
  });
});

describe('pcapi serve: a data folder it cannot create', () => {
  test('under /proc: exits 1 at once with the folder named (it used to spin at 100% CPU with no output)', { skip: !existsSync('/proc/self') && 'no /proc here' }, async () => {
    const run = await runPcapi(['serve', '--data-dir', '/proc/pcapi-data'], { timeoutMs: 10_000 });
    assert.equal(run.code, 1, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
    assert.match(run.stderr, /^pcapi: cannot create the folder \/proc\/pcapi-data: ENOENT/);
    assertNoStack(run.stderr);
  });

  test('through a file: exits 1 naming it', async (t) => {
    const file = join(tempDir(t), 'file');
    writeFileSync(file, '');
    const run = await pcapi(['serve', '--data-dir', join(file, 'data')]);
    assert.equal(run.code, 1, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
    assert.equal(run.stderr, `pcapi: cannot create the folder ${join(file, 'data')}: a part of ${join(file, 'data')} is a file, not a folder\n`);
  });
});
