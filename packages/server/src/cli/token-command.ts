/** `pcapi token`: mint a token for a principal in the store, with claims bent on request. */
import { describeDatabase, resolveServeConfig } from '../config.js';
import { FIRST_PARTY_CLIENTS } from '../identity/sign-in/clients.js';
import { KeyRing } from '../identity/key-ring.js';
import { TokenIssuer, type MintOptions } from '../identity/token-issuer.js';
import { systemClock } from '../clock.js';
import { openStore } from '../store/open-store.js';

export interface TokenCommandOptions {
  dataDir?: string;
  database?: string;
  user?: string;
  app?: string;
  tenant?: string;
  clientId?: string;
  publicUrl?: string;
  lifetime?: number;
  expired?: boolean;
  notYetValid?: boolean;
  mfa?: boolean;
  audience?: string;
  claim?: string[];
}

export class TokenCommandError extends Error {
  override name = 'TokenCommandError';
}

function parseClaims(claims: string[] = []): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const text of claims) {
    const equals = text.indexOf('=');
    if (equals <= 0) throw new TokenCommandError(`--claim "${text}": expected name=value`);
    const value = text.slice(equals + 1);
    if (value === '') result[text.slice(0, equals)] = null;
    else {
      try {
        result[text.slice(0, equals)] = JSON.parse(value);
      } catch {
        result[text.slice(0, equals)] = value;
      }
    }
  }
  return result;
}

export async function runToken(options: TokenCommandOptions): Promise<string> {
  if (!options.user === !options.app) throw new TokenCommandError('give exactly one of --user <upn> or --app <client-id>');
  const config = resolveServeConfig({ dataDir: options.dataDir, database: options.database, publicUrl: options.publicUrl });
  const store = await openStore(config.database);
  try {
    const tenantText = options.tenant ?? options.user?.split('@')[1];
    if (!tenantText) throw new TokenCommandError('--tenant is required with --app');
    const partner = await store.findPartnerTenant(tenantText);
    if (!partner) throw new TokenCommandError(`no partner tenant "${tenantText}" in ${describeDatabase(config.database)}`);
    const principal = options.user
      ? await store.findUserByName(partner.tenantId, options.user)
      : await store.findAppByClientId(partner.tenantId, options.app!);
    if (!principal) throw new TokenCommandError(`no ${options.user ? `user ${options.user}` : `app ${options.app}`} in partner ${partner.displayName}`);

    let clientId = options.clientId;
    if (principal.kind === 'user' && !clientId) clientId = FIRST_PARTY_CLIENTS[0]!.clientId; // Azure CLI's public client id
    const mint: MintOptions = {
      clientId,
      audience: options.audience,
      lifetimeSeconds: options.lifetime,
      mfa: options.mfa === false ? false : undefined,
      overrides: parseClaims(options.claim),
    };
    if (options.expired) {
      mint.issuedAtOffsetSeconds = -2 * 3600;
      mint.lifetimeSeconds = 3600;
    }
    if (options.notYetValid) mint.notBeforeDelaySeconds = 3600;

    // The key the servers on this store sign with now (a store without keys gets its first one, as at `pcapi serve`).
    const keyRing = await KeyRing.open({
      store, clock: systemClock, clockToleranceSeconds: config.clockToleranceSeconds, legacyDataDir: config.dataDir, watch: false,
    });
    const publicUrl = config.publicUrl ?? 'http://127.0.0.1:8080';
    const issuer = new TokenIssuer(keyRing, () => publicUrl, systemClock);
    return (await issuer.mintAccessToken(principal, mint)).token;
  } finally {
    await store.close();
  }
}
