/**
 * App-only tokens with a client secret (OAuth 2.0 client credentials grant), from Microsoft Entra or
 * from any issuer at Entra's paths, such as pcapi's (`authorityHost` = the pcapi URL).
 */
import { RequestSendError } from '../errors/request-send-error.js';
import { AccessTokenCache } from './access-token-cache.js';
import { AuthenticationError, parseOAuthError } from './authentication-error.js';
import type { AccessToken, GetTokenOptions, TokenCredential } from './token-credential.js';

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/** Entra's documented default lifetime; used only if a token response leaves `expires_in` out. */
const DEFAULT_EXPIRES_IN_SECONDS = 3600;

export interface ClientSecretCredentialOptions {
  /** Default `https://login.microsoftonline.com`; `https://login.chinacloudapi.cn` for 21Vianet, or a pcapi URL. */
  authorityHost?: string;
  /** Allow an `http://` authority host, for a pcapi on localhost. The secret then travels in clear text. */
  allowInsecureConnection?: boolean;
}

export class ClientSecretCredential implements TokenCredential {
  readonly #tokenEndpoint: string;
  readonly #clientId: string;
  readonly #clientSecret: string;
  /** One cache per scope set: tokens for different resources are different tokens. */
  readonly #caches = new Map<string, AccessTokenCache>();

  /**
   * @param tenantId The app's tenant: a GUID or a verified domain (`fabrikam.example`).
   * @param clientId The application (client) id.
   * @param clientSecret One of the app's client secrets.
   */
  constructor(tenantId: string, clientId: string, clientSecret: string, options: ClientSecretCredentialOptions = {}) {
    if (typeof tenantId !== 'string' || !/^[A-Za-z0-9._-]+$/.test(tenantId)) {
      throw new TypeError('ClientSecretCredential: tenantId must be a tenant id (GUID) or domain name');
    }
    if (typeof clientId !== 'string' || clientId.trim() === '') throw new TypeError('ClientSecretCredential: clientId is required');
    if (typeof clientSecret !== 'string' || clientSecret === '') throw new TypeError('ClientSecretCredential: clientSecret is required');
    const authority = new URL(options.authorityHost ?? DEFAULT_AUTHORITY_HOST);
    if (authority.protocol !== 'https:' && !(authority.protocol === 'http:' && options.allowInsecureConnection)) {
      throw new Error(`ClientSecretCredential refuses to send a client secret to ${authority.origin} over ${authority.protocol}: use https, or set allowInsecureConnection: true for a local pcapi.`);
    }
    this.#tokenEndpoint = `${authority.origin}${authority.pathname.replace(/\/+$/, '')}/${tenantId}/oauth2/v2.0/token`;
    this.#clientId = clientId.trim();
    this.#clientSecret = clientSecret;
  }

  getToken(scopes: string | string[], options: GetTokenOptions = {}): Promise<AccessToken> {
    const scope = [scopes].flat().join(' ');
    let cache = this.#caches.get(scope);
    if (!cache) {
      cache = new AccessTokenCache(() => this.#requestToken(scope));
      this.#caches.set(scope, cache);
    }
    return cache.getToken(options.abortSignal);
  }

  async #requestToken(scope: string): Promise<AccessToken> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.#clientId, client_secret: this.#clientSecret, scope });
    const requestedAt = Date.now();
    let response: Response;
    let bodyText: string;
    try {
      response = await fetch(this.#tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form,
      });
      bodyText = await response.text();
    } catch (error) {
      const sendError = new RequestSendError('POST', this.#tokenEndpoint, error);
      throw new AuthenticationError(`ClientSecretCredential could not reach the token endpoint. ${sendError.message}`, undefined, undefined, sendError);
    }

    if (!response.ok) {
      const oauth = parseOAuthError(bodyText);
      const reason = oauth ? `${oauth.error}: ${oauth.errorDescription}` : `HTTP ${response.status} ${bodyText.slice(0, 200)}`.trim();
      throw new AuthenticationError(`ClientSecretCredential could not get a token for client ${this.#clientId} from ${this.#tokenEndpoint} (HTTP ${response.status}). ${reason}`, response.status, oauth);
    }
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(bodyText.replace(/^\uFEFF/, '')) as typeof body;
    } catch {
      throw new AuthenticationError(`ClientSecretCredential: ${this.#tokenEndpoint} answered ${response.status} with a body that is not JSON.`, response.status);
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new AuthenticationError(`ClientSecretCredential: ${this.#tokenEndpoint} answered without an access_token.`, response.status);
    }
    // Entra v1 endpoints sent expires_in as a string; v2 sends a number.
    const expiresIn = Number(body.expires_in);
    const seconds = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_EXPIRES_IN_SECONDS;
    // Measured from when the request left, so network time never makes the token look fresher than it is.
    return { token: body.access_token, expiresOnTimestamp: requestedAt + seconds * 1000 };
  }
}
