/** `pcapi serve` as a child process for the CLI tests, stopped (SIGTERM) after the test. */
import { spawn } from 'node:child_process';
import type { TestContext } from 'node:test';
import { pcapiCommand } from '../helpers/pcapi-command.js';
import { cleanEnv, REPO_ROOT } from '../helpers/run-cli.js';

/** `pcapi serve ARGS --port 0` as a child process; resolves with its URL once it logs "pcapi is serving" (the URL is recorded by then). */
export async function serve(t: TestContext, args: string[]): Promise<string> {
  const [node, bundle] = await pcapiCommand();
  const child = spawn(node, [bundle, 'serve', '--port', '0', '--log-level', 'info', ...args], { cwd: REPO_ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  let output = '';
  return new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`pcapi serve did not start:\n${output}`)), 30_000);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        const entry = /^\{/.test(line) ? (JSON.parse(line) as { msg?: string; url?: string }) : undefined;
        if (entry?.msg === 'pcapi is serving' && entry.url) {
          clearTimeout(timer);
          done(entry.url);
        }
      }
    });
    void exited.then(() => fail(new Error(`pcapi serve exited:\n${output}`)));
  });
}

