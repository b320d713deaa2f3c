/** Runs the `pcapi` CLI (through tsx) as a child process, without the caller's PCAPI_* variables. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface CliRun { code: number | null; stdout: string; stderr: string }

export function runPcapi(args: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> {
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PCAPI_'))), ...extraEnv };
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/cli/main.ts', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}
