/**
 * Strict bearer-token validation: RS256 only, no header-supplied keys, exp/nbf/iat required and
 * checked against the clock (iat in the future is refused too), audience Partner Center's, issuer
 * the local one or a trusted one. A trusted issuer's keys are fetched only for a token that passed
 * every cheap check, including that its tenant is a partner tenant of this server. No cache here:
 * the AuthenticationService remembers verified callers.
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type CryptoKey, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { PARTNER_CENTER_APP_ID, PARTNER_CENTER_RESOURCE, isGuid } from '@pcapi/contracts';
import type { Clock } from '../clock.js';
import type { TokenIssuer } from './token-issuer.js';
import { ResponseTooLarge } from './fetch-at-most.js';
import { TrustedIssuerKeys, type TrustedIssuer } from './trusted-issuers.js';
import { GRAPH_APP_ID, GRAPH_RESOURCE } from './sign-in/resources.js';

/** The APIs this server serves, by the `aud` their tokens carry (App ID URI or app id). */
export type TokenAudience = 'partnerCenter' | 'graph';
const AUDIENCES: Record<string, TokenAudience> = {
  [PARTNER_CENTER_RESOURCE]: 'partnerCenter', [PARTNER_CENTER_APP_ID]: 'partnerCenter',
  [GRAPH_RESOURCE]: 'graph', [GRAPH_APP_ID]: 'graph',
};

export interface VerifiedToken {
  claims: JWTPayload & Record<string, unknown>;
  /** Which API the token is for: each surface accepts only its own. */
  audience: TokenAudience;
  tenantId: string;
  objectId: string;
  /** `idtyp: app`, or no `scp`: an application acting for itself. */
  appOnly: boolean;
}

/** Why a token was refused; `message` is safe to show the caller. */
export class TokenRejected extends Error {
  override name = 'TokenRejected';
}

const MAX_TOKEN_LENGTH = 16 * 1024;
const FORBIDDEN_HEADER_PARAMETERS = ['jwk', 'jku', 'x5u', 'x5c'];

/** The local issuer's keys: the public key of a kid while it is published (the key ring). */
export interface LocalKeys {
  verificationKey(kid: string): Promise<CryptoKey | undefined>;
}

export interface VerifierOptions {
  localKeys: LocalKeys;
  issuer: TokenIssuer;
  trustedIssuers: TrustedIssuer[];
  clockToleranceSeconds: number;
  clock: Clock;
  /** Whether a tenant is a partner tenant of this server: asked before any key is fetched for a trusted issuer. */
  isPartnerTenant: (tenantId: string) => Promise<boolean>;
}

export class TokenVerifier {
  private readonly localKeys: JWTVerifyGetKey;
  private readonly trusted: TrustedIssuerKeys;

  constructor(private readonly options: VerifierOptions) {
    // Any key the local issuer publishes now: during a rotation, the new key and the old one both.
    this.localKeys = async (header) => {
      const key = header.kid === undefined ? undefined : await options.localKeys.verificationKey(header.kid);
      if (!key) throw new errors.JWKSNoMatchingKey();
      return key;
    };
    this.trusted = new TrustedIssuerKeys(options.trustedIssuers, options.clock);
  }

  async verify(token: string): Promise<VerifiedToken> {
    if (token.length > MAX_TOKEN_LENGTH) throw new TokenRejected('the token is too long');
    let header: ReturnType<typeof decodeProtectedHeader>;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(token);
      unverified = decodeJwt(token);
    } catch {
      throw new TokenRejected('the token is not a well-formed JWT');
    }
    if (header.alg !== 'RS256') throw new TokenRejected(`the token's algorithm ${JSON.stringify(header.alg ?? null)} is not accepted; only RS256 is`);
    const embedded = FORBIDDEN_HEADER_PARAMETERS.filter((name) => name in header);
    if (embedded.length > 0) throw new TokenRejected(`the token header carries key material (${embedded.join(', ')}), which is never trusted`);
    if (typeof header.kid !== 'string' || header.kid.length === 0) throw new TokenRejected('the token header has no kid');

    const tid = unverified.tid;
    const iss = unverified.iss;
    if (!isGuid(tid)) throw new TokenRejected('the token has no tid claim holding a tenant GUID');
    if (typeof iss !== 'string') throw new TokenRejected('the token has no iss claim');

    let keys: JWTVerifyGetKey;
    let expectedIssuer: string;
    const localIssuer = this.options.issuer.issuer(tid);
    if (iss === localIssuer) {
      keys = this.localKeys;
      expectedIssuer = localIssuer;
    } else {
      const match = this.trusted.match(iss, tid);
      if (!match) throw new TokenRejected(`the issuer ${iss.length > 120 ? `${iss.slice(0, 120)}...` : iss} is not trusted`);
      // Refused anyway later; checked first so that forged tokens never make this server fetch anything.
      if (!(await this.options.isPartnerTenant(tid))) throw new TokenRejected(`tenant ${tid.toLowerCase()} is not a partner tenant known to this server`);
      expectedIssuer = match.issuer;
      try {
        keys = await this.trusted.keysFor(match.entry, match.issuer, tid);
      } catch (error) {
        throw new TokenRejected(`the keys of issuer ${iss} could not be fetched: ${(error as Error).message}`);
      }
    }

    const now = this.options.clock.now();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ['RS256'],
        issuer: expectedIssuer,
        audience: Object.keys(AUDIENCES),
        requiredClaims: ['exp', 'nbf', 'iat', 'tid', 'oid'],
        clockTolerance: this.options.clockToleranceSeconds,
        currentDate: new Date(now),
      }));
    } catch (error) {
      throw new TokenRejected(describeJoseError(error));
    }
    // jose checks iat only against a maximum age; a token issued in the future is refused here.
    if ((payload.iat as number) > Math.floor(now / 1000) + this.options.clockToleranceSeconds) {
      throw new TokenRejected(`the token was issued in the future (iat ${new Date((payload.iat as number) * 1000).toISOString()})`);
    }
    if (!isGuid(payload.oid)) throw new TokenRejected('the token has no oid claim holding an object GUID');
    const appOnly = payload.idtyp === 'app' || payload.scp === undefined;
    const audience = AUDIENCES[String(payload.aud)]!;
    return { claims: payload as VerifiedToken['claims'], audience, tenantId: tid.toLowerCase(), objectId: (payload.oid as string).toLowerCase(), appOnly };
  }
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return `the token expired at ${new Date(Number(error.payload.exp) * 1000).toISOString()}`;
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `the token has no ${error.claim} claim`;
    if (error.claim === 'nbf') return 'the token is not valid yet (nbf is in the future)';
    if (error.claim === 'aud') return `the token's audience is not ${PARTNER_CENTER_RESOURCE} (nor https://graph.microsoft.com)`;
    if (error.claim === 'iat') return "the token's iat claim is not a time";
    return `the token's ${error.claim} claim is not valid`;
  }
  if (error instanceof errors.JWKSNoMatchingKey) return "the token's key (kid) is not one of the issuer's signing keys";
  // A trusted issuer's key set, fetched by jose when a token first needs it.
  if (error instanceof ResponseTooLarge) return `the issuer's key set could not be fetched: ${error.message}`;
  if (error instanceof errors.JWKSTimeout) return "the issuer's key set could not be fetched: it did not answer in time";
  if (error instanceof errors.JWKSInvalid) return "the issuer's key set is not a JSON Web Key Set";
  if (error instanceof errors.JOSEError && /JSON Web Key Set HTTP response/.test(error.message)) return `the issuer's key set could not be fetched: ${error.message}`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  if (error instanceof errors.JOSEAlgNotAllowed) return "the token's algorithm is not accepted; only RS256 is";
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid) return 'the token is not a well-formed JWT';
  return 'the token could not be verified';
}
