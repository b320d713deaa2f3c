/**
 * One POST to an Entra-style token endpoint and its answer read as Entra gives it, shared by the
 * credentials: transport failures, OAuth error bodies, non-JSON bodies and v1's string numbers.
 */
import { RequestSendError } from '../errors/request-send-error.js';
import { readBodyAtMost, ResponseTooLargeError } from '../read-body-at-most.js';
import { AuthenticationError, parseOAuthError } from './authentication-error.js';
import type { AccessToken } from './token-credential.js';

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/** How long one token request may take by default, answer included; the next caller then asks again. */
export const TOKEN_REQUEST_TIMEOUT_MS = 30_000;

/** Entra's documented default lifetime; used only if a token response leaves `expires_in` out. */
const DEFAULT_EXPIRES_IN_SECONDS = 3600;

export interface AuthorityOptions {
  /** Default `https://login.microsoftonline.com`; `https://login.chinacloudapi.cn` for 21Vianet, or a pcapi URL. */
  authorityHost?: string;
  /** Allow an `http://` authority host, for a pcapi on localhost. Secrets then travel in clear text. */
  allowInsecureConnection?: boolean;
  /** How long one token request may take, its answer read (default 30 s); then the call fails and the next one asks again. */
  tokenRequestTimeoutInMs?: number;
}

/** The v2 token endpoint of `tenantId` at the authority, refusing plain http unless allowed. */
export function tokenEndpointOf(credential: string, tenantId: string, options: AuthorityOptions): string {
  if (typeof tenantId !== 'string' || !/^[A-Za-z0-9._-]+$/.test(tenantId)) {
    throw new TypeError(`${credential}: tenantId must be a tenant id (GUID) or domain name`);
  }
  const authority = new URL(options.authorityHost ?? DEFAULT_AUTHORITY_HOST);
  if (authority.protocol !== 'https:' && !(authority.protocol === 'http:' && options.allowInsecureConnection)) {
    throw new Error(`${credential} refuses to send credentials to ${authority.origin} over ${authority.protocol}: use https, or set allowInsecureConnection: true for a local pcapi.`);
  }
  return `${authority.origin}${authority.pathname.replace(/\/+$/, '')}/${tenantId}/oauth2/v2.0/token`;
}

export interface TokenEndpointAnswer extends AccessToken {
  /** Present when the endpoint issued one (refresh-token and code grants). */
  refreshToken?: string;
}

/** POSTs `form`; the token and its expiry, or an AuthenticationError that says what went wrong and where. */
export async function requestToken(credential: string, endpoint: string, form: URLSearchParams, subject: string, timeoutInMs = TOKEN_REQUEST_TIMEOUT_MS): Promise<TokenEndpointAnswer> {
  const requestedAt = Date.now();
  let response: Response;
  let bodyText: string;
  try {
    // A deadline of its own: the credentials share one token request between callers, and one that
    // never answers would hold every later call. Not redirected: the form carries the secret.
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutInMs),
    });
    bodyText = await readBodyAtMost(response, endpoint);
  } catch (error) {
    if (error instanceof ResponseTooLargeError) throw new AuthenticationError(`${credential}: ${error.message}`, error.statusCode);
    if (error instanceof Error && error.name === 'TimeoutError') {
      throw new AuthenticationError(`${credential}: the token endpoint ${endpoint} did not answer within ${timeoutInMs / 1000} s.`, undefined, undefined, error);
    }
    const sendError = new RequestSendError('POST', endpoint, error);
    throw new AuthenticationError(`${credential} could not reach the token endpoint. ${sendError.message}`, undefined, undefined, sendError);
  }

  if (!response.ok) {
    const oauth = parseOAuthError(bodyText);
    const reason = oauth ? `${oauth.error}: ${oauth.errorDescription}` : `HTTP ${response.status} ${bodyText.slice(0, 200)}`.trim();
    throw new AuthenticationError(`${credential} could not get a token for ${subject} from ${endpoint} (HTTP ${response.status}). ${reason}`, response.status, oauth);
  }
  let body: { access_token?: unknown; expires_in?: unknown; refresh_token?: unknown };
  try {
    body = JSON.parse(bodyText.replace(/^\uFEFF/, '')) as typeof body;
  } catch {
    throw new AuthenticationError(`${credential}: ${endpoint} answered ${response.status} with a body that is not JSON.`, response.status);
  }
  if (typeof body.access_token !== 'string' || body.access_token === '') {
    throw new AuthenticationError(`${credential}: ${endpoint} answered without an access_token.`, response.status);
  }
  // Entra v1 endpoints sent expires_in as a string; v2 sends a number.
  const expiresIn = Number(body.expires_in);
  const seconds = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_EXPIRES_IN_SECONDS;
  // Measured from when the request left, so network time never makes the token look fresher than it is.
  return {
    token: body.access_token,
    expiresOnTimestamp: requestedAt + seconds * 1000,
    ...(typeof body.refresh_token === 'string' && body.refresh_token !== '' ? { refreshToken: body.refresh_token } : {}),
  };
}
