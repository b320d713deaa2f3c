/** Mints Partner Center-style (v1-shaped) RS256 access tokens, and ID tokens for the password grant. */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { PARTNER_CENTER_RESOURCE } from '@pcapi/contracts';
import { epochSeconds, type Clock } from '../clock.js';
import type { Principal } from '../domain/model.js';
import type { SigningKey, SigningKeySource } from './signing-key.js';

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;

export interface IdTokenOptions {
  /** Echoed as the `nonce` claim when the sign-in sent one. */
  nonce?: string;
  /** The authorization code it travels with (the hybrid flow), bound by `c_hash` as OpenID Connect requires. */
  code?: string;
  /** From the v1 endpoint, which adds the names ADAL-era code reads (`upn`, `unique_name`). */
  v1?: boolean;
}

/** A user's `amr` after a password sign-in: `mfa` too when forced, else when the user is registered for it. */
export function passwordAmr(principal: Principal, mfa?: boolean): string[] {
  return (mfa ?? principal.mfaRegistered) ? ['pwd', 'mfa'] : ['pwd'];
}

export interface MintOptions {
  /** The app a user token is issued to (`appid`); apps are their own client. */
  clientId?: string;
  audience?: string;
  lifetimeSeconds?: number;
  /** Shift `iat`/`nbf`/`exp` (seconds, negative for the past). */
  issuedAtOffsetSeconds?: number;
  /** Extra seconds before the token becomes valid. */
  notBeforeDelaySeconds?: number;
  /** Force MFA in or out of `amr` regardless of the user's registration. */
  mfa?: boolean;
  /** User tokens: the delegated permissions granted (`scp`); user_impersonation unless given. */
  scp?: string;
  /** App tokens: the application permissions granted on the audience (`roles`); none when absent or empty. */
  roles?: string[];
  /** User tokens: whether the client proved itself with a secret (`appidacr` "1") or is public ("0"). */
  clientAuthenticated?: boolean;
  /** Claims set last; null deletes a claim. */
  overrides?: Record<string, unknown>;
}

/** A user's `sub` for one app: stable, different per app, and not the object id (as at Entra). */
export function pairwiseSubject(objectId: string, clientId: string): string {
  return createHash('sha256').update(`${objectId.toLowerCase()}:${clientId.toLowerCase()}`).digest('base64url');
}

export class TokenIssuer {
  private readonly signingKey: () => Promise<SigningKey>;

  /**
   * @param keys the key ring (asked for the key to sign with at each token), or one fixed key
   * @param issuerBase the public base URL; issuer = `${issuerBase}/${tenantId}/v2.0`.
   */
  constructor(keys: SigningKey | SigningKeySource, private readonly issuerBase: () => string, private readonly clock: Clock) {
    this.signingKey = 'signingKey' in keys ? () => keys.signingKey() : async () => keys;
  }

  issuer(tenantId: string): string {
    return `${this.issuerBase()}/${tenantId}/v2.0`;
  }

  async mintAccessToken(principal: Principal, options: MintOptions = {}): Promise<{ token: string; expiresIn: number }> {
    const now = epochSeconds(this.clock) + (options.issuedAtOffsetSeconds ?? 0);
    const lifetime = options.lifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
    const claims: JWTPayload & Record<string, unknown> = {
      aud: options.audience ?? PARTNER_CENTER_RESOURCE,
      iss: this.issuer(principal.tenantId),
      iat: now,
      nbf: now + (options.notBeforeDelaySeconds ?? 0),
      exp: now + lifetime,
      ver: '1.0',
      tid: principal.tenantId,
      oid: principal.objectId,
      sub: principal.objectId,
      uti: randomBytes(16).toString('base64url'),
    };
    if (principal.kind === 'app') {
      Object.assign(claims, { appid: principal.clientId, appidacr: '1', idtyp: 'app', app_displayname: principal.displayName });
      if (options.roles && options.roles.length > 0) claims.roles = options.roles;
    } else {
      Object.assign(claims, {
        appid: options.clientId,
        appidacr: options.clientAuthenticated ? '1' : '0',
        scp: options.scp ?? 'user_impersonation',
        // Entra's user `sub` is pairwise: the same user has a different one per app.
        ...(options.clientId ? { sub: pairwiseSubject(principal.objectId, options.clientId) } : {}),
        upn: principal.userPrincipalName,
        unique_name: principal.userPrincipalName,
        name: principal.displayName,
        amr: passwordAmr(principal, options.mfa),
      });
    }
    for (const [name, value] of Object.entries(options.overrides ?? {})) {
      if (value === null) delete claims[name];
      else claims[name] = value;
    }
    const key = await this.signingKey();
    // v1 tokens name their key twice, as Entra's do: kid, and x5t (the certificate's thumbprint).
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...(key.x5t ? { x5t: key.x5t } : {}) }).sign(key.privateKey);
    return { token, expiresIn: lifetime };
  }

  /** An OpenID Connect ID token for a user, as MSAL expects with the `openid` scope. */
  async mintIdToken(principal: Principal, clientId: string, options: IdTokenOptions = {}): Promise<string> {
    const { nonce, code, v1 = false } = options;
    const now = epochSeconds(this.clock);
    const claims: JWTPayload & Record<string, unknown> = {
      aud: clientId, iss: this.issuer(principal.tenantId), iat: now, nbf: now, exp: now + DEFAULT_TOKEN_LIFETIME_SECONDS,
      tid: principal.tenantId, oid: principal.objectId, sub: pairwiseSubject(principal.objectId, clientId), ver: '2.0',
      name: principal.displayName, preferred_username: principal.userPrincipalName, uti: randomUUID(),
    };
    if (nonce) claims.nonce = nonce;
    if (code !== undefined) claims.c_hash = leftHalfHash(code);
    if (v1 && principal.userPrincipalName) Object.assign(claims, { upn: principal.userPrincipalName, unique_name: principal.userPrincipalName });
    const key = await this.signingKey();
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid }).sign(key.privateKey);
  }
}

/** OpenID Connect's `c_hash` (and `at_hash`) for RS256: base64url of the left half of the value's SHA-256. */
export function leftHalfHash(value: string): string {
  return createHash('sha256').update(value, 'ascii').digest().subarray(0, 16).toString('base64url');
}
