/**
 * App-only tokens with a client secret (OAuth 2.0 client credentials grant), from Microsoft Entra or
 * from any issuer at Entra's paths, such as pcapi's (`authorityHost` = the pcapi URL).
 */
import { AccessTokenCachesByScope } from './access-token-cache.js';
import type { AccessToken, GetTokenOptions, TokenCredential } from './token-credential.js';
import { requestToken, tokenEndpointOf, type AuthorityOptions } from './token-endpoint-request.js';

export { DEFAULT_AUTHORITY_HOST } from './token-endpoint-request.js';

export type ClientSecretCredentialOptions = AuthorityOptions;

export class ClientSecretCredential implements TokenCredential {
  readonly #tokenEndpoint: string;
  readonly #timeoutInMs: number | undefined;
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #caches = new AccessTokenCachesByScope((scope) => this.#requestToken(scope));

  /**
   * @param tenantId The app's tenant: a GUID or a verified domain (`fabrikam.example`).
   * @param clientId The application (client) id.
   * @param clientSecret One of the app's client secrets.
   */
  constructor(tenantId: string, clientId: string, clientSecret: string, options: ClientSecretCredentialOptions = {}) {
    if (typeof clientId !== 'string' || clientId.trim() === '') throw new TypeError('ClientSecretCredential: clientId is required');
    if (typeof clientSecret !== 'string' || clientSecret === '') throw new TypeError('ClientSecretCredential: clientSecret is required');
    this.#tokenEndpoint = tokenEndpointOf('ClientSecretCredential', tenantId, options);
    this.#timeoutInMs = options.tokenRequestTimeoutInMs;
    this.#clientId = clientId.trim();
    this.#clientSecret = clientSecret;
  }

  getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken> {
    return this.#caches.getToken(scopes, options.abortSignal);
  }

  async #requestToken(scope: string): Promise<AccessToken> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.#clientId, client_secret: this.#clientSecret, scope });
    const { token, expiresOnTimestamp } = await requestToken('ClientSecretCredential', this.#tokenEndpoint, form, `client ${this.#clientId}`, this.#timeoutInMs);
    return { token, expiresOnTimestamp };
  }
}
