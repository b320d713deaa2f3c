/**
 * Step 2: authenticate. A Bearer token, strictly verified; a known partner tenant; MFA for app+user.
 * Sets `request.caller` or throws the 401 that explains what was wrong.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from './caller.js';
import { ApiError } from '../errors/api-error.js';
import { TokenRejected, type TokenVerifier } from '../identity/token-verifier.js';
import type { PartnerTenant } from '../domain/model.js';
import type { Store } from '../store/store.js';
import { TtlCache } from './ttl-cache.js';

/** RFC 6750 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** The token of an `Authorization: Bearer <token>` header, or undefined when the header is not one. */
function bearerToken(header: string): string | undefined {
  const trimmed = header.trim();
  if (trimmed.length < 8 || trimmed.slice(0, 6).toLowerCase() !== 'bearer' || trimmed[6] !== ' ') return undefined;
  const token = trimmed.slice(7).trimStart();
  return B64TOKEN.test(token) ? token : undefined;
}

/** Characters at the end of an Authorization header used to find it in the cache (the signature's). */
const CACHE_KEY_CHARACTERS = 48;

/** Partner tenants change only through imports, which clear this; the TTL is a safety net. */
const PARTNER_CACHE_MS = 60_000;

export function makeAuthenticateHook(deps: { verifier: TokenVerifier; store: Store; cacheSize: number }) {
  const partners = new TtlCache<PartnerTenant | null>(10_000);
  deps.store.onDataChanged(() => partners.clear());
  const findPartner = async (tenantId: string) => {
    const now = Date.now();
    let partner = partners.get(tenantId, now);
    if (partner === undefined) {
      partner = (await deps.store.findPartnerTenant(tenantId)) ?? null;
      partners.set(tenantId, partner, now + PARTNER_CACHE_MS);
    }
    return partner;
  };

  /** The full check: parse, verify (the verifier caches verified tokens), look up the partner, MFA. */
  async function authenticateHeader(header: string | undefined): Promise<Caller> {
    if (header === undefined || header.trim() === '') throw new ApiError('tokenMissing', ['failed: the request has no Authorization header']);
    const token = bearerToken(header);
    if (token === undefined) {
      const detail = /^bearer\b/i.test(header.trim()) ? 'the Authorization header holds no well-formed bearer token' : 'the Authorization header does not use the Bearer scheme';
      throw new ApiError('tokenInvalid', [`failed: ${detail}`], detail);
    }

    let verified;
    try {
      verified = await deps.verifier.verify(token);
    } catch (error) {
      if (error instanceof TokenRejected) throw new ApiError('tokenInvalid', [`failed: ${error.message}`], error.message);
      throw error;
    }
    const { claims } = verified;
    const partner = await findPartner(verified.tenantId);
    if (!partner || partner.tenantId !== verified.tenantId) {
      const detail = `tenant ${verified.tenantId} is not a partner tenant known to this server`;
      throw new ApiError('tokenInvalid', [`failed: ${detail}`], detail);
    }
    const clientId = typeof claims.appid === 'string' ? claims.appid : typeof claims.azp === 'string' ? claims.azp : undefined;
    const name = verified.appOnly
      ? String(claims.app_displayname ?? clientId ?? verified.objectId)
      : String(claims.upn ?? claims.unique_name ?? claims.preferred_username ?? verified.objectId);

    if (!verified.appOnly) {
      const amr = Array.isArray(claims.amr) ? claims.amr : [];
      if (!amr.includes('mfa')) {
        const detail = `the app+user token of ${name} was issued without multi-factor authentication (amr: ${JSON.stringify(amr)})`;
        throw new ApiError('mfaRequired', [`failed: ${detail}`], 'multi-factor authentication is required');
      }
    }
    return { partner, objectId: verified.objectId, appOnly: verified.appOnly, clientId, name, expiresAtMs: (claims.exp as number) * 1000 };
  }

  // The hot path: an Authorization header seen before maps straight to its caller until the token
  // expires or the data changes, without parsing, verifying or looking anything up again. Entries are
  // found by the header's last characters (the signature: hashing them is cheaper than hashing the
  // whole ~1 KB header) and accepted only when the whole header is identical.
  const callers = new TtlCache<{ header: string; caller: Caller }>(deps.cacheSize);
  deps.store.onDataChanged(() => callers.clear());
  const keyOf = (header: string) => header.slice(-CACHE_KEY_CHARACTERS);

  return function authenticate(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
    const header = request.headers.authorization;
    const known = header === undefined ? undefined : callers.get(keyOf(header), Date.now());
    if (known !== undefined && known.header === header) {
      request.caller = known.caller;
      return done();
    }
    authenticateHeader(header).then((caller) => {
      callers.set(keyOf(header!), { header: header!, caller }, caller.expiresAtMs);
      request.caller = caller;
      done();
    }, done);
  };
}
