/**
 * `pcapi consents show|revoke`: the delegated permissions a user (or an admin, for the whole tenant)
 * granted an app on pcapi's consent page or in a seed file. Revoking one revokes the refresh tokens
 * issued under it, as withdrawing consent does at Entra.
 */
import type { Command } from 'commander';
import { describeDatabase, resolveServeConfig, type RawServeOptions } from '../config.js';
import type { Store } from '../store/store.js';
import { openCliStore } from './cli-store.js';
import { addStoreOptions } from './serve-options.js';

export class ConsentsCommandError extends Error {
  override name = 'ConsentsCommandError';
}

interface ConsentsOptions extends Pick<RawServeOptions, 'dataDir' | 'database'> {
  tenant: string;
  clientId: string;
  user?: string;
  tenantWide?: boolean;
  json?: boolean;
}

/** Opens the store and finds the partner and (when named) the user; the principal key '' is the tenant-wide consent. */
async function withConsentTarget<T>(options: ConsentsOptions, run: (store: Store, target: { tenantId: string; principalObjectId: string; label: string }) => Promise<T>): Promise<T> {
  if (Boolean(options.user) === Boolean(options.tenantWide)) throw new ConsentsCommandError('give exactly one of --user <upn> or --tenant-wide');
  const config = resolveServeConfig({ dataDir: options.dataDir, database: options.database });
  const store = await openCliStore(config.database);
  try {
    const partner = await store.findPartnerTenant(options.tenant);
    if (!partner) throw new ConsentsCommandError(`no partner tenant "${options.tenant}" in ${describeDatabase(config.database)}`);
    let principalObjectId = '';
    let label = `the whole tenant ${partner.displayName}`;
    if (options.user) {
      const user = await store.findUserByName(partner.tenantId, options.user);
      if (!user) throw new ConsentsCommandError(`no user ${options.user} in partner ${partner.displayName}`);
      principalObjectId = user.objectId;
      label = user.userPrincipalName ?? user.objectId;
    }
    return await run(store, { tenantId: partner.tenantId, principalObjectId, label });
  } finally {
    await store.close();
  }
}

export function registerConsentsCommand(program: Command): void {
  const consents = program.command('consents').description('delegated permissions granted to apps (consent page or seed file)');
  const target = (command: Command) =>
    addStoreOptions(command)
      .requiredOption('--tenant <tenant>', 'partner tenant id or domain')
      .requiredOption('--client-id <id>', 'the app (client) id')
      .option('--user <upn>', "the user's own consent")
      .option('--tenant-wide', 'the admin consent for the whole tenant');

  target(consents.command('show').description('the permissions granted and when'))
    .option('--json', 'print JSON')
    .action(async (options: ConsentsOptions) => {
      await withConsentTarget(options, async (store, { tenantId, principalObjectId, label }) => {
        const found = (await store.consents(tenantId, options.clientId, principalObjectId)).find((c) => c.principalObjectId === principalObjectId);
        if (options.json) process.stdout.write(JSON.stringify(found ?? null, null, 2) + '\n');
        else if (!found) process.stdout.write(`no consent of ${label} to ${options.clientId}\n`);
        else process.stdout.write(`${label} granted ${options.clientId} on ${new Date(found.grantedAtMs).toISOString()}:\n${found.scopes.map((s) => `  ${s}\n`).join('')}`);
      });
    });

  target(consents.command('revoke').description('withdraw the consent; refresh tokens issued under it stop working'))
    .action(async (options: ConsentsOptions) => {
      await withConsentTarget(options, async (store, { tenantId, principalObjectId, label }) => {
        if (!(await store.deleteConsent(tenantId, options.clientId, principalObjectId))) throw new ConsentsCommandError(`no consent of ${label} to ${options.clientId}`);
        process.stdout.write(`consent of ${label} to ${options.clientId} revoked, with its refresh tokens\n`);
      });
    });
}
