/**
 * Runs `node ARGS` in packages/client (so `@azure/*`, playwright-core and `@pcapi/client` resolve)
 * against a pcapi served over https with the test certificate. A child process, because Node reads
 * NODE_EXTRA_CA_CERTS (the trust for that certificate) only when a process starts.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
export const TLS_CERT = fileURLToPath(new URL('../fixtures/localhost-cert.pem', import.meta.url));
export const TLS_KEY = fileURLToPath(new URL('../fixtures/localhost-key.pem', import.meta.url));

export interface ChildResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Proxy variables and AZURE_AUTHORITY_HOST are dropped unless `env` sets them: no test reaches the internet by accident. */
export async function runNode(pcapiUrl: string, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ChildResult> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_EXTRA_CA_CERTS: TLS_CERT, PCAPI_URL: pcapiUrl, ...env };
  delete childEnv.NODE_TEST_CONTEXT;
  for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy', 'NO_PROXY', 'no_proxy', 'AZURE_AUTHORITY_HOST']) if (!(name in env)) delete childEnv[name];
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { cwd: PACKAGE_DIR, env: childEnv, timeout: timeoutMs });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
