/**
 * Spawning helpers for the scale-out tests: real `pcapi` child processes (the CLI bundle of
 * ../helpers/pcapi-command.ts, from the repository root), their readiness, their output, and their
 * cleanup. Nothing here starts pcapi in the test's own process.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { pcapiCommand } from '../helpers/pcapi-command.js';
import { cleanEnv, REPO_ROOT, runPcapi, runProgram, type CliRun } from '../helpers/run-cli.js';

export const REPO = resolve(REPO_ROOT);
export { connectRedis, REDIS_URL } from '../helpers/redis.js';

export function tempDir(prefix = 'pcapi-scale-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export type RunResult = CliRun;
export { runPcapi };

/** `pcapi token ARGS`: the token, or a failure naming the command's stderr. */
export async function mintToken(args: string[]): Promise<string> {
  const run = await runPcapi(['token', ...args]);
  assert.equal(run.code, 0, `pcapi token ${args.join(' ')} failed (${run.code}):\n${run.stderr}`);
  const token = run.stdout.trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, `pcapi token printed no JWT:\n${run.stdout}`);
  return token;
}

export interface PcapiProcess {
  child: ChildProcess;
  pid: number;
  /** Where this process listens (from its own "Server listening at" line), whatever its --public-url. */
  url: string;
  /** pids of the processes that answered the port: this one, or its workers with --workers. */
  servingPids: number[];
  /** Settles when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines of stdout and stderr, for failure messages. */
  output(): string;
  /** True while the process is running (no exit seen, and the pid answers signal 0). */
  alive(): boolean;
  /** SIGKILL this process and any worker it reported, if still running. Safe to call twice. */
  kill(): Promise<void>;
}

const OUTPUT_LINES = 400;

/** Whether a pid exists (signal 0 checks without signalling). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Starts `pcapi serve ARGS` (add `--port 0`) and resolves once it answers: its listening line is
 * printed after the listener is up. With `workers`, waits for that many workers to be listening.
 * Logs must be at `info` or more verbose for the listening lines to appear.
 */
export async function startPcapi(args: string[], { workers = 0, timeoutMs = 30_000 } = {}): Promise<PcapiProcess> {
  const [node, bundle] = await pcapiCommand();
  const child = spawn(node, [bundle, 'serve', ...args], {
    cwd: REPO, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const remember = (stream: string, line: string) => {
    lines.push(`[${stream}] ${line}`);
    if (lines.length > OUTPUT_LINES) lines.shift();
  };
  const output = () => lines.join('\n');
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('exit', (code, signal) => done({ code, signal }));
  });
  const servingPids = new Set<number>();
  let url: string | undefined;

  const ready = new Promise<void>((done, fail) => {
    const needed = Math.max(1, workers);
    const timer = setTimeout(() => fail(new Error(`pcapi serve ${args.join(' ')} did not start within ${timeoutMs} ms:\n${output()}`)), timeoutMs);
    const check = () => {
      if (url && servingPids.size >= needed) {
        clearTimeout(timer);
        done();
      }
    };
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        remember('stdout', line);
        let entry: { msg?: unknown; pid?: unknown } | undefined;
        try {
          entry = JSON.parse(line) as { msg?: unknown; pid?: unknown };
        } catch {
          continue;
        }
        const listening = typeof entry.msg === 'string' ? /^Server listening at (http\S+)$/.exec(entry.msg) : null;
        if (listening && typeof entry.pid === 'number') {
          url ??= listening[1]!;
          servingPids.add(entry.pid);
          check();
        }
      }
    });
    let pendingErr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      pendingErr += chunk.toString();
      const parts = pendingErr.split('\n');
      pendingErr = parts.pop()!;
      for (const line of parts) remember('stderr', line);
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (pendingErr) remember('stderr', pendingErr);
      fail(new Error(`pcapi serve ${args.join(' ')} exited (code ${code}, signal ${signal}) before answering:\n${output()}`));
    });
  });

  const alive = () => child.exitCode === null && child.signalCode === null && pidAlive(child.pid!);
  const kill = async () => {
    for (const pid of servingPids) if (pid !== child.pid && pidAlive(pid)) process.kill(pid, 'SIGKILL');
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  try {
    await ready;
  } catch (error) {
    await kill();
    throw error;
  }
  return { child, pid: child.pid!, url: url!, servingPids: [...servingPids], exited, output, alive, kill };
}

/** Keeps every process a test file starts, to kill them all in `after`, even when a test failed. */
export class Processes {
  private readonly all: PcapiProcess[] = [];

  async start(args: string[], options?: { workers?: number; timeoutMs?: number }): Promise<PcapiProcess> {
    const started = await startPcapi(args, options);
    this.all.push(started);
    return started;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.all.map((p) => p.kill()));
  }
}

/** A port nothing listens on right now (the OS picks it; free the moment this returns). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/<database>; the cluster has the usual `postgres` database. */
  url(database?: string): string;
  /** Fast shutdown (open connections are terminated, as by a restart), down for `downMs`, then up again. */
  restart(downMs: number): Promise<{ stoppedMs: number; startedMs: number }>;
  /** Stops the server at once and removes its files. Safe to call twice. */
  remove(): Promise<void>;
}

/** The PostgreSQL server programs: PCAPI_TEST_PG_BIN, else `pg_config --bindir`, else the newest /usr/lib/postgresql/<n>/bin. */
function postgresBinDir(): string {
  const candidates: string[] = [];
  if (process.env.PCAPI_TEST_PG_BIN) candidates.push(process.env.PCAPI_TEST_PG_BIN);
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
  } catch {
    // no pg_config on PATH
  }
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql').sort((x, y) => Number(y) - Number(x));
    candidates.push(...versions.map((version) => `/usr/lib/postgresql/${version}/bin`));
  }
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (!found) throw new Error(`PostgreSQL server programs (initdb, pg_ctl) not found; looked in ${candidates.join(', ') || 'nothing'}. Set PCAPI_TEST_PG_BIN.`);
  return found;
}

/**
 * A throwaway PostgreSQL cluster of this test's own (initdb in a temp folder, its own port), so that
 * restarting it cannot disturb other test files or other users of the shared server. PostgreSQL
 * refuses to run as root: as root, its programs run as the `postgres` user (runuser).
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const dir = tempDir('pcapi-scale-pg-');
  if (asRoot) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir.path, id('-u'), id('-g'));
  }
  const data = join(dir.path, 'data');
  const log = join(dir.path, 'server.log');
  const port = await freePort();
  const program = async (name: string, args: string[]) => {
    const [file, all] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, name), ...args]] : [join(bin, name), args];
    const run = await runProgram(file, all, { timeoutMs: 60_000, cwd: dir.path });
    if (run.code !== 0) {
      const serverLog = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-20).join('\n') : '';
      throw new Error(`${name} ${args.join(' ')} failed (${run.code}):\n${run.stdout}${run.stderr}${serverLog}`);
    }
    return run;
  };
  const options = `-p ${port} -k ${dir.path} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const start = () => program('pg_ctl', ['-D', data, '-l', log, '-o', options, '-w', '-t', '30', 'start']);
  let removed = false;
  try {
    await program('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
    await start();
  } catch (error) {
    dir.remove();
    throw error;
  }
  return {
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async restart(downMs) {
      const stopped = await program('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      await sleep(downMs);
      const started = await start();
      return { stoppedMs: stopped.ms, startedMs: started.ms };
    },
    async remove() {
      if (removed) return;
      removed = true;
      await program('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      dir.remove();
    },
  };
}

/** True when a fresh TCP connection to the URL's host and port is refused. */
export function connectionRefused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((done) => {
    const socket = connect(Number(port), hostname);
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      done(false);
    });
    socket.once('timeout', () => {
      socket.destroy();
      done(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'ECONNREFUSED'));
  });
}

/** A Redis connection for the test's own bookkeeping; fails loudly when Redis does not answer. */
export async function deleteThrottleKeys(redis: Redis, tenantIds: string[]): Promise<string[]> {
  const found: string[] = [];
  for await (const keys of redis.scanStream({ match: 'pcapi:throttle:*', count: 1000 }) as AsyncIterable<string[]>) {
    for (const key of keys) if (tenantIds.some((id) => key.includes(id.toLowerCase()))) found.push(key);
  }
  if (found.length > 0) await redis.del(...found);
  return found;
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
