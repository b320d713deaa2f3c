/**
 * Child processes of the benchmark: spawned (pinned to a core with taskset when possible), observed
 * through /proc (peak RSS, CPU time), and stopped by their own pid only.
 */
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Pinning {
  /** Whether taskset pins the servers and the load generator. */
  enabled: boolean;
  serverCpu: string;
  loadCpu: string;
  /** Why pinning is off, when it is. */
  reason?: string;
}

/** Pins to cores 0 and 1 when taskset exists and both cores are usable. */
export function detectPinning(wanted: boolean): Pinning {
  const off = (reason: string): Pinning => ({ enabled: false, serverCpu: 'any', loadCpu: 'any', reason });
  if (!wanted) return off('--no-pin given');
  const probe = (cpu: string) => spawnSync('taskset', ['-c', cpu, 'true'], { stdio: 'ignore' });
  const first = probe('0');
  if (first.error) return off('taskset is not installed (Debian package util-linux)');
  if (first.status !== 0 || probe('1').status !== 0) return off('cores 0 and 1 are not both available to taskset');
  return { enabled: true, serverCpu: '0', loadCpu: '1' };
}

export interface Started {
  pid: number;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Recent output, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Spawns `command args` (through `taskset -c cpu` when pinned: taskset execs the command, so the pid
 * is the command's own). stdout/stderr go to `logFile` when given, and the last 8 KB are kept.
 */
export function startProcess(command: string, args: string[], options: { cpu?: string | undefined; logFile?: string; env?: NodeJS.ProcessEnv; cwd?: string }): Started {
  const [file, argv] = options.cpu ? ['taskset', ['-c', options.cpu, command, ...args]] : [command, args];
  const spawnOptions: SpawnOptions = { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd };
  const child = spawn(file, argv, spawnOptions);
  let tail = '';
  const log = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-8192);
    log?.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolvePromise) => {
    child.once('exit', (code, signal) => {
      log?.end();
      resolvePromise(code ?? signal ?? 'unknown');
    });
    child.once('error', (error) => {
      tail += `\n${error.message}`;
      resolvePromise('spawn-error');
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid ?? -1,
    exited,
    output: () => tail,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** Runs a command to completion, returning its exit code and output. */
export async function runToEnd(command: string, args: string[], options: { cpu?: string | undefined; env?: NodeJS.ProcessEnv; cwd?: string }): Promise<{ code: number | string; stdout: string; stderr: string; cpuSeconds: number }> {
  const [file, argv] = options.cpu ? ['taskset', ['-c', options.cpu, command, ...args]] : [command, args];
  const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
  child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-16384); });
  // The child's CPU time: what this process's reaped children used, before and after (exact once reaped).
  const before = readChildrenCpuSeconds();
  const [code, signal] = (await Promise.race([
    once(child, 'exit'),
    once(child, 'error').then(([error]) => { stderr += String((error as Error).message); return ['spawn-error', null]; }),
  ])) as [number | string | null, string | null];
  const cpuSeconds = readChildrenCpuSeconds() - before;
  return { code: code ?? signal ?? 'unknown', stdout, stderr, cpuSeconds };
}

export interface ProcStatus {
  /** Peak resident set size (VmHWM), bytes. */
  peakRssBytes: number;
  rssBytes: number;
}

export function readProcStatus(pid: number): ProcStatus | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
    return { peakRssBytes: field('VmHWM'), rssBytes: field('VmRSS') };
  } catch {
    return undefined;
  }
}

const CLOCK_TICKS = (() => {
  const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const value = Number(result.stdout?.trim());
  return Number.isFinite(value) && value > 0 ? value : 100;
})();

/** User + system CPU seconds the process has used so far (its own threads, not its children). */
export function readCpuSeconds(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** CPU seconds used by this process's children that have exited and been reaped (cutime + cstime). */
export function readChildrenCpuSeconds(): number {
  const text = readFileSync('/proc/self/stat', 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
}

/** Busy and total CPU seconds of the whole machine so far (all cores), from /proc/stat. */
export function readSystemCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
  return { busy: busy / CLOCK_TICKS, total: (busy + idle! + (iowait ?? 0)) / CLOCK_TICKS };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

export const sleep = (ms: number) => new Promise<void>((resolvePromise) => setTimeout(resolvePromise, ms));

/**
 * Polls `url` until it answers `expectStatus`, the process exits, or the time runs out. Returns the
 * milliseconds from `since` (a performance.now() value) to that answer.
 */
export async function waitForStatus(url: string, headers: Record<string, string>, expectStatus: number, options: { since: number; timeoutMs: number; started: Started; intervalMs?: number }): Promise<number> {
  let exited: number | string | undefined;
  void options.started.exited.then((code) => { exited = code; });
  let last = '';
  while (performance.now() - options.since < options.timeoutMs) {
    if (exited !== undefined) throw new Error(`process exited (${exited}) before answering: ${options.started.output().slice(-2000)}`);
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === expectStatus) return performance.now() - options.since;
      last = `status ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(options.intervalMs ?? 5);
  }
  throw new Error(`no ${expectStatus} from ${url} within ${options.timeoutMs} ms (last: ${last}); output: ${options.started.output().slice(-2000)}`);
}
