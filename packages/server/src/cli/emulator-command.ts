/**
 * `pcapi clock get|set|advance|reset` and `pcapi reset`: the emulator endpoints of a running pcapi
 * (started with --emulator), for shell scripts and test suites in other languages.
 */
import { Writable } from 'node:stream';
import { Option, type Command } from 'commander';
import { resolveServeConfig } from '../config.js';
import { addStoreOptions } from './serve-options.js';
import { NoStoreError, openCliStore, recordedPublicUrl } from './cli-store.js';
import { graphErrorMessage } from '../surfaces/graph/graph-errors.js';

const DEFAULT_URL = 'http://127.0.0.1:8080';

export class EmulatorCommandError extends Error {
  override name = 'EmulatorCommandError';
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

interface EmulatorOptions {
  url?: string;
  adminKey?: string;
  dataDir?: string;
  database?: string;
}

function addEmulatorOptions(command: Command): Command {
  return addStoreOptions(command
    .addOption(new Option('--url <url>', `the running pcapi (default: the URL the last pcapi serve on the store recorded, else ${DEFAULT_URL})`).env('PCAPI_URL'))
    .addOption(new Option('--admin-key <key>', 'its --emulator-key, when it has one').env('PCAPI_EMULATOR_KEY')));
}

/**
 * Where the server is: --url (PCAPI_URL), else the URL the last `pcapi serve` on the store recorded
 * (as `pcapi token` finds its issuer), else the default. A folder with no store is not an error here.
 */
async function serverUrl(options: EmulatorOptions): Promise<string> {
  if (options.url !== undefined) return options.url;
  try {
    const store = await openCliStore(resolveServeConfig({ dataDir: options.dataDir, database: options.database }).database, new Writable({ write: (_chunk, _encoding, done) => done() }));
    try {
      const recorded = await recordedPublicUrl(store);
      if (recorded) process.stderr.write(`pcapi: ${recorded.url} (recorded by pcapi serve on this store at ${recorded.recordedAt}; --url picks another)\n`);
      return recorded?.url ?? DEFAULT_URL;
    } finally {
      await store.close();
    }
  } catch (error) {
    // No store in the folder: nothing recorded, the default. Anything else (a bad --database) is said.
    if (error instanceof NoStoreError) return DEFAULT_URL;
    throw error;
  }
}

/** Calls an emulator endpoint; prints the JSON answer, or exits 1 with the server's message. */
async function call(options: EmulatorOptions, method: string, path: string, body?: unknown): Promise<void> {
  const url = await serverUrl(options);
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new EmulatorCommandError(`--url "${url}" is not a URL`, 2);
  }
  let response: Response;
  try {
    response = await fetch(new URL(`/_pcapi${path}`, base), {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(options.adminKey ? { 'x-pcapi-admin-key': options.adminKey } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new EmulatorCommandError(`cannot reach pcapi at ${base.origin}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`, 1);
  }
  const text = await response.text();
  if (response.status === 404 && !text.includes('"error"')) throw new EmulatorCommandError(`${base.origin} serves no emulator endpoints: start it with --emulator`, 1);
  if (!response.ok) {
    let message = graphErrorMessage(text);
    if (response.status === 404 && /No emulator endpoint/.test(message)) message = `${base.origin} serves no emulator endpoints: start it with --emulator`;
    throw new EmulatorCommandError(`${response.status}: ${message}`, response.status === 400 ? 2 : 1);
  }
  process.stdout.write(`${text}\n`);
}

export function registerEmulatorCommands(program: Command): void {
  const clock = program.command('clock').description("read or move a running pcapi's clock (it needs --emulator)");
  addEmulatorOptions(clock.command('get').description('the current time, offset and whether it is frozen')).action((options: EmulatorOptions) => call(options, 'GET', '/clock'));
  addEmulatorOptions(clock.command('set').description('set the clock to an ISO 8601 instant').argument('<instant>', 'e.g. 2027-01-01T00:00:00Z').option('--frozen', 'stop time there'))
    .action((instant: string, options: EmulatorOptions & { frozen?: boolean }) => call(options, 'PUT', '/clock', { now: instant, frozen: options.frozen === true }));
  addEmulatorOptions(clock.command('advance').description('move the clock by an ISO 8601 duration (P30D, PT1H, -PT5M)').argument('<duration>'))
    .action((duration: string, options: EmulatorOptions) => call(options, 'POST', '/clock/advance', { by: duration }));
  addEmulatorOptions(clock.command('reset').description('back to real time')).action((options: EmulatorOptions) => call(options, 'DELETE', '/clock'));

  addEmulatorOptions(program.command('reset').description('reset a running pcapi (with --emulator) to its seed: data, clock and faults'))
    .action((options: EmulatorOptions) => call(options, 'POST', '/reset'));
}
