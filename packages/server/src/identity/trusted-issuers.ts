/**
 * External issuers pcapi trusts (e.g. Microsoft Entra). An issuer may hold `{tenantid}`, filled from
 * the token's `tid`; its keys come from the OIDC discovery document's `jwks_uri`.
 *
 * Fetching is the expensive, outward-facing part, so it is bounded: the verifier asks for keys only
 * after every cheap check passed; key sets are cached per (discovery URL, issuer) in a bounded map
 * (least recently used dropped first); a document is read up to 1 MiB; a failed fetch is remembered
 * for a while, so a tenant whose discovery fails is not asked again on every request; concurrent
 * requests share one fetch.
 */
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import { fetchAtMost } from './fetch-at-most.js';
import type { Clock } from '../clock.js';

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

export interface TrustedIssuerKeysOptions {
  /** Key sets kept at most (one per tenant for a `{tenantid}` issuer). Default 1,000. */
  maxEntries?: number;
  /** How long a fetched key set is used before the discovery document is read again. Default 1 h. */
  keysTtlMs?: number;
  /** How long a failed fetch is remembered (and answered without fetching). Default 5 min. */
  failureTtlMs?: number;
}

type Entry =
  | { state: 'pending'; promise: Promise<JWTVerifyGetKey> }
  | { state: 'ready'; getKey: JWTVerifyGetKey; until: number }
  | { state: 'failed'; message: string; until: number };

/** Resolves keys for trusted issuers. */
export class TrustedIssuerKeys {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly keysTtlMs: number;
  private readonly failureTtlMs: number;
  /** Outbound discovery fetches made so far (for tests and metrics). */
  fetches = 0;

  constructor(private readonly issuers: TrustedIssuer[], private readonly clock: Clock, options: TrustedIssuerKeysOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.keysTtlMs = options.keysTtlMs ?? 3_600_000;
    this.failureTtlMs = options.failureTtlMs ?? 300_000;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The trusted issuer entry that `iss` matches for this tenant, with its expected issuer string. */
  match(iss: string, tid: string): { entry: TrustedIssuer; issuer: string } | undefined {
    for (const entry of this.issuers) {
      const issuer = entry.issuer.replaceAll('{tenantid}', tid);
      if (issuer === iss) return { entry, issuer };
    }
    return undefined;
  }

  /** The issuer's keys; throws with the reason when they cannot be had (remembered for failureTtlMs). */
  async keysFor(entry: TrustedIssuer, issuer: string, tid: string): Promise<JWTVerifyGetKey> {
    const discoveryUrl = entry.discoveryUrl.replaceAll('{tenantid}', tid);
    // Keyed by discovery URL and issuer: a document is only ever trusted for the issuer it names.
    const cacheKey = `${discoveryUrl}\u0000${issuer}`;
    const known = this.entries.get(cacheKey);
    if (known?.state === 'pending') return known.promise;
    if (known && known.until > this.clock.now()) {
      this.touch(cacheKey, known);
      if (known.state === 'ready') return known.getKey;
      throw new Error(`${known.message} (remembered; not fetched again before ${new Date(known.until).toISOString()})`);
    }
    const promise = this.fetchKeys(discoveryUrl, issuer);
    this.remember(cacheKey, { state: 'pending', promise });
    try {
      const getKey = await promise;
      this.remember(cacheKey, { state: 'ready', getKey, until: this.clock.now() + this.keysTtlMs });
      return getKey;
    } catch (error) {
      this.remember(cacheKey, { state: 'failed', message: (error as Error).message, until: this.clock.now() + this.failureTtlMs });
      throw error;
    }
  }

  private async fetchKeys(discoveryUrl: string, issuer: string): Promise<JWTVerifyGetKey> {
    this.fetches++;
    const response = await fetchAtMost(discoveryUrl, { signal: AbortSignal.timeout(5000), headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`discovery document ${discoveryUrl} answered HTTP ${response.status}`);
    const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (document.issuer !== issuer) throw new Error(`discovery document ${discoveryUrl} names issuer ${String(document.issuer)}, not ${issuer}`);
    if (typeof document.jwks_uri !== 'string') throw new Error(`discovery document ${discoveryUrl} has no jwks_uri`);
    const jwksUrl = new URL(document.jwks_uri);
    if (jwksUrl.protocol !== 'https:' && new URL(discoveryUrl).protocol === 'https:') {
      throw new Error(`jwks_uri ${document.jwks_uri} must use https`);
    }
    return createRemoteJWKSet(jwksUrl, { timeoutDuration: 5000, [customFetch]: fetchAtMost });
  }

  /** Stores an entry as the most recently used, dropping the least recently used beyond the bound. */
  private remember(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  private touch(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
  }
}
