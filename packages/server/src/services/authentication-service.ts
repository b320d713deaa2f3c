/**
 * Who is calling: an `Authorization: Bearer` header → a verified Caller of a known partner tenant.
 * The one token cache lives here: a header seen before maps straight to its caller until the token
 * expires or the data changes, without parsing, verifying or looking anything up again.
 */
import type { Clock } from '../clock.js';
import type { Caller, CustomerCaller } from '../domain/model.js';
import { TokenRejected, type TokenVerifier, type VerifiedToken } from '../identity/token-verifier.js';
import type { Store } from '../store/store.js';
import { TtlCache } from './ttl-cache.js';

/** `customerTenant`: a valid token, from a customer's tenant rather than a partner's (authenticateCustomer may take it). */
export type AuthenticationFailureKind = 'missing' | 'invalid' | 'customerTenant';

/** Why a caller could not be authenticated; `message` is safe to show the caller. */
export class AuthenticationFailure extends Error {
  override name = 'AuthenticationFailure';
  constructor(readonly kind: AuthenticationFailureKind, message: string) {
    super(message);
  }
}

/** RFC 6750 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Characters at the end of an Authorization header used to find it in the cache (the signature's). */
const CACHE_KEY_CHARACTERS = 48;

/** The token of an `Authorization: Bearer <token>` header, or undefined when the header is not one. */
function bearerToken(header: string): string | undefined {
  const trimmed = header.trim();
  if (trimmed.length < 8 || trimmed.slice(0, 6).toLowerCase() !== 'bearer' || trimmed[6] !== ' ') return undefined;
  const token = trimmed.slice(7).trimStart();
  return B64TOKEN.test(token) ? token : undefined;
}

export interface AuthenticationServiceDeps {
  verifier: TokenVerifier;
  store: Store;
  clock: Clock;
  /** Authorization headers remembered with their verified caller; 0 disables the cache. */
  cacheSize: number;
  /** Told of each token-cache lookup (metrics). */
  onCacheLookup?: (hit: boolean) => void;
}

export class AuthenticationService {
  // Entries are found by the header's last characters (the signature: cheaper than hashing the
  // whole ~1 KB header) and accepted only when the whole header is identical.
  private readonly callers: TtlCache<{ header: string; caller: Caller }>;

  constructor(private readonly deps: AuthenticationServiceDeps) {
    this.callers = new TtlCache(deps.cacheSize, deps.clock, deps.store, deps.onCacheLookup);
  }

  /** The caller an Authorization header proves: synchronous when it is cached. Throws AuthenticationFailure. */
  authenticate(header: string | undefined): Caller | Promise<Caller> {
    if (header !== undefined) {
      const known = this.callers.get(header.slice(-CACHE_KEY_CHARACTERS));
      if (known !== undefined && known.header === header) return known.caller;
    }
    return this.authenticateUncached(header);
  }

  /** The caller this exact header was verified as, if it is remembered; nothing is verified or counted. */
  rememberedCaller(header: string | undefined): Caller | undefined {
    if (header === undefined) return undefined;
    const known = this.callers.peek(header.slice(-CACHE_KEY_CHARACTERS));
    return known !== undefined && known.header === header ? known.caller : undefined;
  }

  private async authenticateUncached(header: string | undefined): Promise<Caller> {
    if (header === undefined || header.trim() === '') throw new AuthenticationFailure('missing', 'the request has no Authorization header');
    const token = bearerToken(header);
    if (token === undefined) {
      throw new AuthenticationFailure('invalid', /^bearer\b/i.test(header.trim())
        ? 'the Authorization header holds no well-formed bearer token'
        : 'the Authorization header does not use the Bearer scheme');
    }
    const entry = await this.callers.load(header.slice(-CACHE_KEY_CHARACTERS), async () => {
      const caller = await this.verifyCaller(token);
      return { value: { header, caller }, expiresAt: caller.expiresAtMs };
    });
    return entry.caller;
  }

  /**
   * A user of a customer's tenant: verified as strictly as any token, never cached (customers call
   * rarely: to approve a relationship). Refused unless the tenant is a customer tenant of this server.
   */
  async authenticateCustomer(header: string | undefined): Promise<CustomerCaller> {
    const token = header === undefined ? undefined : bearerToken(header);
    if (token === undefined) throw new AuthenticationFailure('invalid', 'the Authorization header holds no well-formed bearer token');
    const verified = await this.verify(token);
    const organization = await this.deps.store.organization(verified.tenantId);
    if (!organization || verified.appOnly) throw new AuthenticationFailure('invalid', `tenant ${verified.tenantId} is not a customer tenant known to this server, or the token is not a user's`);
    const { claims } = verified;
    return {
      tenantId: verified.tenantId, tenantName: organization.displayName ?? verified.tenantId, objectId: verified.objectId,
      name: String(claims.upn ?? claims.preferred_username ?? verified.objectId),
      directoryRoleIds: Array.isArray(claims.wids) ? claims.wids.map((id) => String(id).toLowerCase()) : [],
      permissions: typeof claims.scp === 'string' ? claims.scp.split(' ').filter((word) => word !== '') : [], audience: verified.audience,
    };
  }

  /** The verifier's answer, a refusal becoming the failure callers are shown. */
  private async verify(token: string): Promise<VerifiedToken> {
    try {
      return await this.deps.verifier.verify(token);
    } catch (error) {
      if (error instanceof TokenRejected) throw new AuthenticationFailure('invalid', error.message);
      throw error;
    }
  }

  private async verifyCaller(token: string): Promise<Caller> {
    const verified = await this.verify(token);
    const { claims } = verified;
    const partner = await this.deps.store.findPartnerTenant(verified.tenantId);
    if (!partner || partner.tenantId !== verified.tenantId) {
      const kind = !partner && (await this.deps.store.organization(verified.tenantId)) ? 'customerTenant' : 'invalid';
      throw new AuthenticationFailure(kind, `tenant ${verified.tenantId} is not a partner tenant known to this server`);
    }
    const clientId = typeof claims.appid === 'string' ? claims.appid : typeof claims.azp === 'string' ? claims.azp : undefined;
    const name = verified.appOnly
      ? String(claims.app_displayname ?? clientId ?? verified.objectId)
      : String(claims.upn ?? claims.unique_name ?? claims.preferred_username ?? verified.objectId);
    const amr = Array.isArray(claims.amr) ? claims.amr.map(String) : [];
    const permissions = verified.appOnly
      ? (Array.isArray(claims.roles) ? claims.roles.map(String) : [])
      : (typeof claims.scp === 'string' ? claims.scp.split(' ').filter((word) => word !== '') : []);
    return {
      partner, objectId: verified.objectId, appOnly: verified.appOnly, clientId, name, amr,
      expiresAtMs: (claims.exp as number) * 1000, audience: verified.audience, permissions,
    };
  }
}
