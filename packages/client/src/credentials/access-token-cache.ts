/**
 * Keeps one access token and gets a new one shortly before it expires. Concurrent callers share a
 * single refresh, so a burst of calls costs one token request, not one each.
 */
import { raceAbort, throwIfAborted, isAbortError } from '../abort.js';
import type { AccessToken } from './token-credential.js';

/** Refresh this long before expiry, so a token never expires in flight (Azure SDKs use 5 minutes too). */
export const DEFAULT_REFRESH_MARGIN_IN_MS = 5 * 60 * 1000;

export class AccessTokenCache {
  #token: AccessToken | undefined;
  #refreshing: Promise<AccessToken> | undefined;

  constructor(
    private readonly requestToken: () => Promise<AccessToken>,
    private readonly refreshMarginInMs = DEFAULT_REFRESH_MARGIN_IN_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async getToken(abortSignal?: AbortSignal): Promise<AccessToken> {
    throwIfAborted(abortSignal);
    const cached = this.#token;
    if (cached && !this.#dueForRefresh(cached)) return cached;
    // The shared refresh runs without any one caller's signal: one caller giving up must not fail
    // the others. Each caller stops waiting on its own signal.
    this.#refreshing ??= this.#startRefresh();
    try {
      return await raceAbort(this.#refreshing, abortSignal);
    } catch (error) {
      // Refreshing early is an optimisation: while the old token is still valid, a failed refresh is not fatal.
      if (!isAbortError(error) && cached && this.now() < cached.expiresOnTimestamp) return cached;
      throw error;
    }
  }

  #dueForRefresh(token: AccessToken): boolean {
    const now = this.now();
    return now >= token.expiresOnTimestamp - this.refreshMarginInMs || (token.refreshAfterTimestamp !== undefined && now >= token.refreshAfterTimestamp);
  }

  #startRefresh(): Promise<AccessToken> {
    // Deferred through `then` so `#refreshing` is assigned before the refresh can settle and clear it.
    const refresh = Promise.resolve()
      .then(() => this.requestToken())
      .then((token) => {
        this.#token = token;
        return token;
      })
      .finally(() => {
        this.#refreshing = undefined;
      });
    refresh.catch(() => {}); // waiters that aborted have stopped listening; never an unhandled rejection
    return refresh;
  }
}

/** One AccessTokenCache per scope set: tokens for different resources are different tokens. */
export class AccessTokenCachesByScope {
  readonly #caches = new Map<string, AccessTokenCache>();

  constructor(private readonly requestToken: (scope: string) => Promise<AccessToken>) {}

  getToken(scopes: string | string[], abortSignal?: AbortSignal): Promise<AccessToken> {
    const scope = [scopes].flat().join(' ');
    let cache = this.#caches.get(scope);
    if (!cache) {
      cache = new AccessTokenCache(() => this.requestToken(scope));
      this.#caches.set(scope, cache);
    }
    return cache.getToken(abortSignal);
  }
}
