/**
 * Runs programs as child processes the way tests need them: the `pcapi` CLI (the bundle of
 * pcapi-command.ts), or any other program, in the repository root, with an environment free of the
 * developer's PCAPI_* variables and of the test runner's own, collecting exit code and output.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pcapiCommand } from './pcapi-command.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
}

export interface RunOptions {
  /** Variables added to the clean environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** Killed (SIGKILL) after this long; default 30 s. */
  timeoutMs?: number;
}

/**
 * The environment without PCAPI_* variables and NODE_EXTRA_CA_CERTS (a developer's settings must not
 * leak into children; tests that need them pass them in `extra`), nor the test runner's own.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PCAPI_')));
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_EXTRA_CA_CERTS;
  return { ...env, ...extra };
}

export function runProgram(file: string, args: string[], options: RunOptions = {}): Promise<CliRun> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(file, args, { cwd: options.cwd ?? REPO_ROOT, env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Runs `pcapi ARGS`. */
export async function runPcapi(args: string[], options: RunOptions = {}): Promise<CliRun> {
  const [node, bundle] = await pcapiCommand();
  return runProgram(node, [bundle, ...args], options);
}
