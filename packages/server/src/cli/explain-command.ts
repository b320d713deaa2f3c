/**
 * `pcapi explain --principal <upn | client id> --customer <id> [--at <instant>]`: the authorization
 * decision for a caller and a customer, with every check that led to it, from the same decision code
 * the server runs (OrganizationService.explain), against the configured store, now or at an instant.
 * Exit 0 when the call would be allowed, 1 when denied, 2 for bad options or an unknown principal.
 */
import { Option, type Command } from 'commander';
import { isGuid } from '@pcapi/contracts';
import { EmulatedClock, isClockState, ManualClock, type Clock } from '../clock.js';
import { describeDatabase, resolveServeConfig, type RawServeOptions } from '../config.js';
import { IMMEDIATE_DELAYS, REALISTIC_DELAYS } from '../domain/gdap-lifecycle.js';
import type { Caller } from '../domain/model.js';
import { OrganizationService } from '../services/organization-service.js';
import { explanationJson, lookUpCaller, PrincipalLookupError } from '../services/explain-report.js';
import { openCliStore } from './cli-store.js';
import type { Store } from '../store/store.js';
import { ERROR_CATALOG } from '../surfaces/partner-center/errors/catalog.js';
import { ENV } from '../config.js';
import { addStoreOptions } from './serve-options.js';
import { escapeJsonForTerminal, escapeUnprintable } from '../terminal-text.js';
import { parseIsoInstant } from '../domain/iso-instant.js';

export class ExplainCommandError extends Error {
  override name = 'ExplainCommandError';
}

interface ExplainOptions extends RawServeOptions {
  principal: string;
  customer: string;
  tenant?: string;
  at?: string;
  json?: boolean;
}

/** The caller a token of this principal would make (services/explain-report.ts), in the CLI's words when there is none. */
async function callerOf(store: Store, principal: string, tenant: string | undefined): Promise<Caller> {
  try {
    return (await lookUpCaller(store, principal, tenant)).caller;
  } catch (error) {
    if (!(error instanceof PrincipalLookupError)) throw error;
    if (error.kind === 'clientIdNeedsPartner') throw new ExplainCommandError(`--principal ${error.message}: give its partner with --tenant (a tenant id or domain)`);
    throw new ExplainCommandError(error.message);
  }
}

/** --at, else the clock the servers on this store share (moved by the emulator), else now. */
async function clockFor(store: Store, at: string | undefined): Promise<Clock> {
  if (at !== undefined) {
    const instant = parseIsoInstant(at);
    if (!Number.isFinite(instant)) throw new ExplainCommandError(`--at "${at}" is not an ISO 8601 date or instant with its offset that exists (2027-01-01, 2027-01-01T09:00:00Z)`);
    return new ManualClock(instant);
  }
  const clock = new EmulatedClock();
  const shared = await store.emulatorSetting('clock');
  if (isClockState(shared)) clock.apply(shared);
  return clock;
}

export async function runExplain(options: ExplainOptions): Promise<number> {
  if (!isGuid(options.customer)) throw new ExplainCommandError(`--customer "${options.customer}" is not a tenant id (a GUID)`);
  const config = resolveServeConfig({
    dataDir: options.dataDir, database: options.database, nestedGroups: options.nestedGroups,
    servicePrincipalsInGdapGroups: options.servicePrincipalsInGdapGroups, gdapDelays: options.gdapDelays,
  });
  const store = await openCliStore(config.database);
  try {
    const caller = await callerOf(store, options.principal, options.tenant);
    const clock = await clockFor(store, options.at);
    const organizations = new OrganizationService({
      store, clock, settings: config.authorization, cache: { ttlSeconds: 0, maxEntries: 0 },
      delays: config.gdapDelays === 'realistic' ? REALISTIC_DELAYS : IMMEDIATE_DELAYS,
    });
    const { decision, decidedAt } = await organizations.explain(caller, options.customer);
    const entry = decision.allowed ? undefined : ERROR_CATALOG[decision.reason];
    if (options.json) {
      // Names come from seed files and Graph writes: escaped wherever they could reach the terminal.
      process.stdout.write(escapeJsonForTerminal(JSON.stringify(explanationJson(options.principal, caller, options.customer, decision, decidedAt), null, 2)) + '\n');
    } else {
      const line = (text: string) => process.stdout.write(`${escapeUnprintable(text)}\n`);
      line(`${caller.appOnly ? 'application' : 'user'} ${caller.name} of ${caller.partner.displayName}, customer ${options.customer.toLowerCase()}, at ${new Date(decidedAt).toISOString()} (${describeDatabase(config.database)})`);
      line(decision.allowed ? `allowed: 200, until ${new Date(decision.grantedUntil).toISOString()}` : `denied: ${entry!.status} ${decision.reason} (code ${entry!.code})`);
      for (const check of decision.checks) line(`  ${check}`);
    }
    return decision.allowed ? 0 : 1;
  } finally {
    await store.close();
  }
}

export function registerExplainCommand(program: Command): void {
  addStoreOptions(program.command('explain').description('why a caller may or may not read a customer: the decision with every check, as the server decides'))
    .requiredOption('--principal <upn | client id>', 'the caller: a user principal name, or an application (client) id (with --tenant when several partners register it)')
    .requiredOption('--customer <tenant id>', 'the customer tenant')
    .option('--tenant <partner>', "the principal's partner tenant (id or domain); a user's comes from the name")
    .option('--at <instant>', 'decide as of this ISO 8601 instant (default: the shared clock, else now)')
    .option('--json', 'print JSON')
    .addOption(new Option('--nested-groups <bool>', 'as pcapi serve').env(ENV.nestedGroups))
    .addOption(new Option('--service-principals-in-gdap-groups <bool>', 'as pcapi serve').env(ENV.servicePrincipalsInGdapGroups))
    .addOption(new Option('--gdap-delays <profile>', 'as pcapi serve').env(ENV.gdapDelays))
    .action(async (options: ExplainOptions) => {
      process.exitCode = await runExplain(options);
    });
}
