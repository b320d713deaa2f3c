/**
 * `pcapi keys list` and `pcapi keys rotate`: the local issuer's signing keys, in the store every
 * process serving it shares (the SQLite file of --data-dir, or --database). A rotation publishes the
 * new key first and signs with it only after --publish-ahead; servers pick it up without a restart.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { systemClock } from '../clock.js';
import { describeDatabase, ENV, resolveServeConfig, type RawServeOptions } from '../config.js';
import { ensureSigningKey, rotateSigningKeys } from '../identity/key-ring.js';
import { keyStateAt } from '../identity/signing-key-rules.js';
import { DEFAULT_TOKEN_LIFETIME_SECONDS } from '../identity/token-issuer.js';
import { openCliStore } from './cli-store.js';
import { addStoreOptions } from './serve-options.js';

/**
 * How long a new key is published before it signs, unless --publish-ahead says otherwise. Microsoft
 * tells validators to refresh cached keys hourly: any validator caching the JWKS for up to an hour
 * fetches it at least once after the rotation and before the new key signs, with an hour to spare
 * for late refreshes and skewed clocks.
 */
export const DEFAULT_PUBLISH_AHEAD = '2h';

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
const MAX_DURATION_MS = 365 * 86_400_000;

/** `0`, whole seconds (`90`), or whole units: `2h`, `90m`, `1h30m`, `45s`, `7d`. Milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim().toLowerCase();
  let ms: number | undefined;
  if (/^\d{1,9}$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else if (/^(\d{1,9}[dhms])+$/.test(trimmed)) {
    ms = 0;
    for (const [, count, unit] of trimmed.matchAll(/(\d+)([dhms])/g)) ms += Number(count) * UNIT_MS[unit!]!;
  }
  if (ms === undefined || ms > MAX_DURATION_MS) throw new InvalidArgumentError('expected a duration such as 2h, 90m, 1h30m, 45s or 0 (at most 365d)');
  return ms;
}

interface KeysOptions extends Pick<RawServeOptions, 'dataDir' | 'database' | 'clockTolerance'> {
  json?: boolean;
  publishAhead?: number;
}

const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

function keysConfig(options: KeysOptions) {
  return resolveServeConfig({ dataDir: options.dataDir, database: options.database, clockTolerance: options.clockTolerance });
}

/** --clock-tolerance here must match the servers': it is part of when a retiring key stops being published. */
function addToleranceOption(command: Command): Command {
  return command.addOption(
    new Option('--clock-tolerance <seconds>', 'clock skew the servers allow (as at pcapi serve)').env(ENV.clockTolerance).default('60'),
  );
}

export async function runKeysList(options: KeysOptions): Promise<void> {
  const config = keysConfig(options);
  const store = await openCliStore(config.database);
  try {
    const keys = await store.signingKeys();
    const now = systemClock.now();
    const toleranceMs = config.clockToleranceSeconds * 1000;
    const rows = keys.map((key) => ({
      kid: key.kid, state: keyStateAt(keys, key, now, toleranceMs),
      createdAt: iso(key.createdAtMs), signsFrom: iso(key.signsFromMs), publishedUntil: key.publishedUntilMs === null ? null : iso(key.publishedUntilMs),
    }));
    if (options.json) {
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return;
    }
    if (rows.length === 0) {
      process.stdout.write(`no signing keys in ${describeDatabase(config.database)} yet: pcapi serve (or pcapi keys rotate) creates the first\n`);
      return;
    }
    const width = Math.max(3, ...rows.map((row) => row.kid.length));
    const line = (kid: string, state: string, signsFrom: string, publishedUntil: string) =>
      `${kid.padEnd(width)}  ${state.padEnd(8)}  ${signsFrom.padEnd(24)}  ${publishedUntil}`.trimEnd() + '\n';
    process.stdout.write(line('KID', 'STATE', 'SIGNS FROM', 'PUBLISHED UNTIL'));
    for (const row of rows) process.stdout.write(line(row.kid, row.state, row.signsFrom, row.publishedUntil ?? '-'));
  } finally {
    await store.close();
  }
}

export async function runKeysRotate(options: KeysOptions): Promise<void> {
  const config = keysConfig(options);
  const store = await openCliStore(config.database);
  try {
    // A store without keys first gets the one pcapi serve would give it (the data folder's legacy key, or a new one).
    await ensureSigningKey({ store, clock: systemClock, legacyDataDir: config.dataDir });
    const publishAheadMs = options.publishAhead ?? parseDuration(DEFAULT_PUBLISH_AHEAD);
    const rotation = await rotateSigningKeys(store, systemClock, { publishAheadMs, clockToleranceSeconds: config.clockToleranceSeconds });
    process.stdout.write(`new signing key ${rotation.kid}: published now, signs from ${iso(rotation.signsFromMs)}\n`);
    for (const retired of rotation.retired) {
      process.stdout.write(`key ${retired.kid}: published until ${iso(retired.publishedUntilMs)} (its last tokens have expired by then)\n`);
    }
  } finally {
    await store.close();
  }
}

export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('the local issuer\u2019s signing keys, shared through the store');
  addToleranceOption(addStoreOptions(keys.command('list').description('each key: kid, state (next, current, retiring, retired), signs from, published until')))
    .option('--json', 'print JSON')
    .action(runKeysList);
  addToleranceOption(addStoreOptions(keys.command('rotate').description(`publish a new key now; it signs after --publish-ahead, and older keys stay published until their last tokens expire (${DEFAULT_TOKEN_LIFETIME_SECONDS} s + the clock tolerance after it starts)`)))
    .option(
      '--publish-ahead <duration>',
      `how long the new key is published before it signs, e.g. 2h, 90m, 0 for at once (default ${DEFAULT_PUBLISH_AHEAD}: validators refreshing the JWKS hourly see it first)`,
      parseDuration,
    )
    .action(runKeysRotate);
}
