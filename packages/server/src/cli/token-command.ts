/** `pcapi token`: mint a token for a principal in the store, with claims bent on request. */
import { describeDatabase, resolveServeConfig } from '../config.js';
import { FIRST_PARTY_CLIENTS } from '../identity/sign-in/clients.js';
import { KeyRing } from '../identity/key-ring.js';
import { TokenIssuer, type MintOptions } from '../identity/token-issuer.js';
import { systemClock } from '../clock.js';
import type { PartnerTenant } from '../domain/model.js';
import type { Store } from '../store/store.js';
import { openCliStore, recordedPublicUrl } from './cli-store.js';

/** The issuer base URL when neither --public-url nor a server on the store says otherwise: `npm start`'s. */
export const DEFAULT_PUBLIC_URL = 'http://127.0.0.1:8080';

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

/** `"Fabrikam" (2c01706f-..., fabrikam.example)`: how a partner tenant is named in messages. */
const describePartner = (partner: PartnerTenant) => `"${partner.displayName}" (${partner.tenantId}${partner.domain ? `, ${partner.domain}` : ''})`;

/**
 * The partner tenant of the principal: the one --tenant names, or else the only tenant holding that
 * client id (or user name). A client id registered in several tenants needs --tenant to pick one.
 */
async function partnerOf(store: Store, options: TokenCommandOptions, where: string): Promise<PartnerTenant> {
  const what = options.user ? `user ${options.user}` : `app ${options.app}`;
  const holders = await store.partnersHoldingPrincipal(options.user ? { userPrincipalName: options.user } : { clientId: options.app! });
  if (options.tenant !== undefined) {
    const partner = await store.findPartnerTenant(options.tenant);
    if (!partner) throw new TokenCommandError(`no partner tenant "${options.tenant}" in ${where}`);
    if (!holders.some((holder) => holder.tenantId === partner.tenantId)) {
      const elsewhere = holders.length > 0 ? ` (it is in ${holders.map(describePartner).join(', ')}: leave --tenant out)` : '';
      throw new TokenCommandError(`no ${what} in partner ${describePartner(partner)}${elsewhere}`);
    }
    return partner;
  }
  if (holders.length === 1) return holders[0]!;
  if (holders.length === 0) throw new TokenCommandError(`no ${what} in any partner tenant of ${where}`);
  throw new TokenCommandError(
    `${what} is registered in ${holders.length} partner tenants of ${where}: ${holders.map(describePartner).join(', ')}; give --tenant <tenant id or domain> to pick one`,
  );
}

export async function runToken(options: TokenCommandOptions, err: NodeJS.WritableStream = process.stderr): Promise<string> {
  if (!options.user === !options.app) throw new TokenCommandError('give exactly one of --user <upn> or --app <client-id>');
  const config = resolveServeConfig({ dataDir: options.dataDir, database: options.database, publicUrl: options.publicUrl });
  const store = await openCliStore(config.database, err);
  try {
    const partner = await partnerOf(store, options, describeDatabase(config.database));
    const principal = options.user
      ? await store.findUserByName(partner.tenantId, options.user)
      : await store.findAppByClientId(partner.tenantId, options.app!);
    if (!principal) throw new TokenCommandError(`no ${options.user ? `user ${options.user}` : `app ${options.app}`} in partner ${describePartner(partner)}`);

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

    // The issuer: --public-url (or PCAPI_PUBLIC_URL), else the URL the last `pcapi serve` on this store recorded.
    const recorded = config.publicUrl === undefined ? await recordedPublicUrl(store) : undefined;
    const publicUrl = config.publicUrl ?? recorded?.url ?? DEFAULT_PUBLIC_URL;
    err.write(`pcapi: issuer ${publicUrl} (${config.publicUrl !== undefined ? '--public-url' : recorded ? `recorded by pcapi serve on this store at ${recorded.recordedAt}` : 'the default: no pcapi serve has recorded its URL in this store'})\n`);

    // The key the servers on this store sign with now (a store without keys gets its first one, as at `pcapi serve`).
    const keyRing = await KeyRing.open({
      store, clock: systemClock, clockToleranceSeconds: config.clockToleranceSeconds, legacyDataDir: config.dataDir, watch: false,
    });
    const issuer = new TokenIssuer(keyRing, () => publicUrl, systemClock);
    return (await issuer.mintAccessToken(principal, mint)).token;
  } finally {
    await store.close();
  }
}
