/**
 * The Secure Application Model's runtime half: a refresh token, obtained once by an interactive
 * sign-in with MFA (`pcapi login`, New-PartnerAccessToken, a consent web app), exchanged for access
 * tokens without a user. Each exchange returns a new refresh token; the credential keeps using the
 * newest and hands it to `onRefreshTokenRotated` so the application can store it (the old one keeps
 * working, but each has its own 90 days of inactivity).
 */
import { AccessTokenCachesByScope } from './access-token-cache.js';
import type { AccessToken, GetTokenOptions, TokenCredential } from './token-credential.js';
import { requestToken, tokenEndpointOf, type AuthorityOptions } from './token-endpoint-request.js';

export interface RefreshTokenCredentialOptions extends AuthorityOptions {
  /** The app's secret, for a confidential app (a web app registration); omit for a public client. */
  clientSecret?: string;
  /** Called with each new refresh token, to persist it (e.g. in a key vault). Errors it throws are not swallowed. */
  onRefreshTokenRotated?: (refreshToken: string) => void | Promise<void>;
}

export class RefreshTokenCredential implements TokenCredential {
  readonly #tokenEndpoint: string;
  readonly #timeoutInMs: number | undefined;
  readonly #clientId: string;
  readonly #options: RefreshTokenCredentialOptions;
  #refreshToken: string;
  readonly #caches = new AccessTokenCachesByScope((scope) => this.#requestToken(scope));

  /**
   * @param tenantId The tenant to get tokens in: the partner's own (GUID or domain), or a customer's for GDAP calls to Graph.
   * @param clientId The application (client) id the refresh token was issued to.
   * @param refreshToken The refresh token from the consent sign-in.
   */
  constructor(tenantId: string, clientId: string, refreshToken: string, options: RefreshTokenCredentialOptions = {}) {
    if (typeof clientId !== 'string' || clientId.trim() === '') throw new TypeError('RefreshTokenCredential: clientId is required');
    if (typeof refreshToken !== 'string' || refreshToken === '') throw new TypeError('RefreshTokenCredential: refreshToken is required');
    if (options.clientSecret !== undefined && (typeof options.clientSecret !== 'string' || options.clientSecret === '')) {
      throw new TypeError('RefreshTokenCredential: clientSecret, when given, must be a non-empty string');
    }
    this.#tokenEndpoint = tokenEndpointOf('RefreshTokenCredential', tenantId, options);
    this.#timeoutInMs = options.tokenRequestTimeoutInMs;
    this.#clientId = clientId.trim();
    this.#refreshToken = refreshToken;
    this.#options = options;
  }

  /** The newest refresh token: the one to store. */
  get refreshToken(): string {
    return this.#refreshToken;
  }

  getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken> {
    return this.#caches.getToken(scopes, options.abortSignal);
  }

  async #requestToken(scope: string): Promise<AccessToken> {
    const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: this.#clientId, refresh_token: this.#refreshToken, scope: `${scope} offline_access` });
    if (this.#options.clientSecret !== undefined) form.set('client_secret', this.#options.clientSecret);
    const { token, expiresOnTimestamp, refreshToken } = await requestToken('RefreshTokenCredential', this.#tokenEndpoint, form, `client ${this.#clientId}`, this.#timeoutInMs);
    if (refreshToken && refreshToken !== this.#refreshToken) {
      this.#refreshToken = refreshToken;
      await this.#options.onRefreshTokenRotated?.(refreshToken);
    }
    return { token, expiresOnTimestamp };
  }
}
