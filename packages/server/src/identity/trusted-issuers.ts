/**
 * External issuers pcapi trusts (e.g. Microsoft Entra). An issuer may hold `{tenantid}`, filled from
 * the token's `tid`; its keys come from the OIDC discovery document's `jwks_uri`.
 */
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

export interface TrustedIssuer {
  /** Exact issuer, or a template with `{tenantid}`: `https://login.microsoftonline.com/{tenantid}/v2.0`. */
  issuer: string;
  /** Discovery document URL (may hold `{tenantid}`); default `${issuer}/.well-known/openid-configuration`. */
  discoveryUrl: string;
}

/** Parses `ISSUER` or `ISSUER|DISCOVERY_URL`. */
export function parseTrustedIssuer(text: string): TrustedIssuer {
  const [issuer, discovery, ...rest] = text.split('|').map((part) => part.trim());
  if (!issuer || rest.length > 0) throw new Error(`"${text}": expected ISSUER or ISSUER|DISCOVERY_URL`);
  for (const url of [issuer, discovery].filter((u): u is string => !!u)) {
    let parsed: URL;
    try {
      parsed = new URL(url.replaceAll('{tenantid}', '00000000-0000-0000-0000-000000000000'));
    } catch {
      throw new Error(`"${url}" is not a URL`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`"${url}" must be an http(s) URL`);
  }
  return { issuer, discoveryUrl: discovery || `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration` };
}

/** Resolves keys for trusted issuers, caching discovery results and JWKS per URL. */
export class TrustedIssuerKeys {
  private readonly keySets = new Map<string, { getKey: JWTVerifyGetKey; fetchedAt: number }>();
  private static readonly DISCOVERY_TTL_MS = 3_600_000;

  constructor(private readonly issuers: TrustedIssuer[]) {}

  /** The trusted issuer entry that `iss` matches for this tenant, with its expected issuer string. */
  match(iss: string, tid: string): { entry: TrustedIssuer; issuer: string } | undefined {
    for (const entry of this.issuers) {
      const issuer = entry.issuer.replaceAll('{tenantid}', tid);
      if (issuer === iss) return { entry, issuer };
    }
    return undefined;
  }

  async keysFor(entry: TrustedIssuer, issuer: string, tid: string): Promise<JWTVerifyGetKey> {
    const discoveryUrl = entry.discoveryUrl.replaceAll('{tenantid}', tid);
    // Keyed by discovery URL and issuer: a document is only ever trusted for the issuer it names.
    const cacheKey = `${discoveryUrl}\u0000${issuer}`;
    const cached = this.keySets.get(cacheKey);
    if (cached && Date.now() - cached.fetchedAt < TrustedIssuerKeys.DISCOVERY_TTL_MS) return cached.getKey;
    const response = await fetch(discoveryUrl, { signal: AbortSignal.timeout(5000), headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`discovery document ${discoveryUrl} answered HTTP ${response.status}`);
    const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (document.issuer !== issuer) throw new Error(`discovery document ${discoveryUrl} names issuer ${String(document.issuer)}, not ${issuer}`);
    if (typeof document.jwks_uri !== 'string') throw new Error(`discovery document ${discoveryUrl} has no jwks_uri`);
    const jwksUrl = new URL(document.jwks_uri);
    if (jwksUrl.protocol !== 'https:' && new URL(discoveryUrl).protocol === 'https:') {
      throw new Error(`jwks_uri ${document.jwks_uri} must use https`);
    }
    const getKey = createRemoteJWKSet(jwksUrl, { timeoutDuration: 5000 });
    this.keySets.set(cacheKey, { getKey, fetchedAt: Date.now() });
    return getKey;
  }
}
