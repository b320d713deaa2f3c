/**
 * `pcapi audit [filters] [--json] [--follow]`: the audit trail of the configured store (SQLite or
 * PostgreSQL), newest first as a table, or as JSON Lines; --follow prints new events as servers
 * record them (they write every 200 ms). The filters are GET /_pcapi/audit's (domain/audit-query.ts).
 * Exit 0, or 2 for bad options.
 */
import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeDatabase, resolveServeConfig, type RawServeOptions } from '../config.js';
import type { StoredAuditEvent } from '../domain/audit.js';
import { auditEventJson, parseAuditQuery, type RawAuditQuery } from '../domain/audit-query.js';
import { openCliStore } from './cli-store.js';
import { addStoreOptions } from './serve-options.js';
import { escapeUnprintable, terminalJson } from '../terminal-text.js';

export class AuditCommandError extends Error {
  override name = 'AuditCommandError';
}

interface AuditOptions extends RawServeOptions, Omit<RawAuditQuery, 'after' | 'before'> {
  json?: boolean;
  follow?: boolean;
  pollMs?: string;
}

const COLUMNS: { title: string; width: number; value: (event: StoredAuditEvent) => string }[] = [
  { title: 'id', width: 6, value: (event) => String(event.id) },
  { title: 'time (UTC)', width: 24, value: (event) => new Date(event.at).toISOString() },
  { title: 'status', width: 6, value: (event) => String(event.status) },
  { title: 'outcome', width: 7, value: (event) => event.outcome },
  { title: 'operation', width: 34, value: (event) => event.operation },
  { title: 'principal', width: 30, value: (event) => event.principalName ?? event.principalId ?? '-' },
  { title: 'customer', width: 36, value: (event) => event.customerTenantId ?? '-' },
  { title: 'request id', width: 36, value: (event) => event.requestId },
];

function tableRow(cells: string[]): string {
  return cells.map((cell, index) => {
    const width = COLUMNS[index]!.width;
    return cell.length > width ? `${cell.slice(0, width - 1)}…` : cell.padEnd(width);
  }).join('  ').trimEnd();
}

/** One event as a table line, and under it the code and the failed check (or the error's message) of a refusal. */
function tableLines(event: StoredAuditEvent): string[] {
  const lines = [tableRow(COLUMNS.map((column) => column.value(event)))];
  if (event.outcome !== 'allowed') {
    const why = event.reasons.find((reason) => reason.startsWith('failed')) ?? event.reasons[0];
    lines.push(`        ${[event.code, why].filter(Boolean).join(': ')}`);
  }
  return lines;
}

export async function runAudit(options: AuditOptions): Promise<number> {
  const raw: RawAuditQuery = {
    partner: options.partner, customer: options.customer, principal: options.principal, outcome: options.outcome,
    surface: options.surface, from: options.from, to: options.to, requestId: options.requestId, limit: options.limit,
  };
  const parsed = parseAuditQuery(Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined)));
  if ('problems' in parsed) throw new AuditCommandError(parsed.problems.map((problem) => `--${problem.replace(/^requestId/, 'request-id')}`).join('\n'));
  const pollMs = options.pollMs === undefined ? 500 : Number(options.pollMs);
  if (!(pollMs >= 50 && pollMs <= 60_000)) throw new AuditCommandError('--poll-ms: from 50 to 60000');
  const config = resolveServeConfig({ dataDir: options.dataDir, database: options.database });
  const store = await openCliStore(config.database);
  const print = (events: StoredAuditEvent[]) => {
    for (const event of events) {
      // Names and reasons come from callers (an unauthenticated token request names its user): escaped.
      if (options.json) process.stdout.write(`${terminalJson(auditEventJson(event))}\n`);
      else process.stdout.write(`${tableLines(event).map(escapeUnprintable).join('\n')}\n`);
    }
  };
  try {
    // Newest first in a listing; oldest first (the order things happened) when following.
    const newest = await store.auditEvents(parsed.query);
    if (!options.json) process.stderr.write(`audit trail of ${describeDatabase(config.database)}: ${newest.length} event${newest.length === 1 ? '' : 's'}${newest.length === parsed.query.limit ? ` (the newest ${parsed.query.limit}; --limit for more)` : ''}\n`);
    if (!options.json && (newest.length > 0 || options.follow)) process.stdout.write(`${tableRow(COLUMNS.map((column) => column.title))}\n`);
    print(options.follow ? [...newest].reverse() : newest);
    if (!options.follow) return 0;
    let lastId = newest[0]?.id ?? (await store.auditEvents({ limit: 1 }))[0]?.id ?? 0;
    let stopped = false;
    const stop = () => {
      stopped = true;
    };
    process.once('SIGINT', stop).once('SIGTERM', stop);
    while (!stopped) {
      await sleep(pollMs);
      const next = await store.auditEvents({ ...parsed.query, beforeId: undefined, afterId: lastId, limit: 1000 });
      print(next);
      if (next.length) lastId = next[next.length - 1]!.id;
    }
    return 0;
  } finally {
    await store.close();
  }
}

export function registerAuditCommand(program: Command): void {
  addStoreOptions(program.command('audit').description('the audit trail: calls, tokens and writes the servers on this store recorded, newest first'))
    .option('--customer <tenant id>', 'calls about this customer')
    .option('--principal <who>', "a user's UPN or object id, an app's client id or name")
    .option('--partner <tenant id>', "the caller's partner tenant")
    .option('--outcome <outcome>', 'allowed, denied (401/403), refused (other 4xx) or failed (5xx)')
    .option('--surface <surface>', 'partner-center, identity, graph or emulator')
    .option('--from <instant>', 'recorded at or after this ISO 8601 date or instant (server clock)')
    .option('--to <instant>', 'recorded before this instant')
    .option('--request-id <id>', 'an MS-RequestId or MS-CorrelationId')
    .option('--limit <n>', 'how many, newest first (1-1000; default 100)')
    .option('--json', 'JSON Lines, one event per line')
    .option('--follow', 'then print new events as they are recorded, until interrupted')
    .option('--poll-ms <ms>', 'with --follow: how often to look (default 500)')
    .action(async (options: AuditOptions) => {
      process.exitCode = await runAudit(options);
    });
}
