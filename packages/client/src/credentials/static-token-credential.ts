/** A credential for a token obtained elsewhere (`pcapi token`, a CI secret, another library). */
import type { AccessToken, TokenCredential } from './token-credential.js';

export class StaticTokenCredential implements TokenCredential {
  readonly #accessToken: AccessToken;

  /**
   * @param token The bearer token, without the `Bearer ` prefix.
   * @param expiresOnTimestamp When it expires (ms since the epoch), if known; it is never refreshed.
   */
  constructor(token: string, expiresOnTimestamp = Number.MAX_SAFE_INTEGER) {
    if (typeof token !== 'string' || token.trim() === '') throw new TypeError('StaticTokenCredential needs a non-empty token');
    this.#accessToken = { token: token.replace(/^Bearer\s+/i, '').trim(), expiresOnTimestamp };
  }

  async getToken(): Promise<AccessToken> {
    return this.#accessToken;
  }
}
