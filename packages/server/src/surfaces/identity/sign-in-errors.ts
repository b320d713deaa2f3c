/**
 * The Entra errors of the sign-in flows (authorize, code, refresh token, device code, consent), one
 * place for their codes and texts. AADSTS numbers as in ../shared/docs/entra-flows-facts.md §7.
 */
import { ScopeError } from '../../identity/sign-in/resources.js';
import { echoed, OAuthError } from './oauth-errors.js';

/** A scope or resource the pure parser refused, as Entra words it. */
export function scopeRefusal(error: ScopeError): OAuthError {
  return error.kind === 'unknown_resource' ? signInErrors.unknownResource(error.value) : signInErrors.invalidScope(error.value);
}

export const signInErrors = {
  unknownClient: (clientId: string, directory: string) =>
    new OAuthError(400, 'unauthorized_client', 700016, `Application with identifier '${echoed(clientId)}' was not found in the directory '${echoed(directory)}'.`),
  redirectUriMismatch: (redirectUri: string, clientId: string) =>
    new OAuthError(400, 'invalid_request', 50011, `The redirect URI '${echoed(redirectUri)}' specified in the request does not match the redirect URIs configured for the application '${echoed(clientId)}'.`),
  unknownTenant: (tenant: string) => new OAuthError(400, 'invalid_tenant', 90002, `Tenant '${echoed(tenant)}' not found.`),
  signInExpired: () => new OAuthError(400, 'invalid_request', 50058, 'This sign-in expired or was already completed. Start again from the app.'),
  missingParameter: (name: string) => new OAuthError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  unsupportedResponseType: (value: string) =>
    new OAuthError(400, 'unsupported_response_type', 700054, `response_type '${echoed(value)}' is not supported; use 'code' or 'code id_token'.`),
  hybridNeedsNonce: () => new OAuthError(400, 'invalid_request', 90014, "The request must contain a 'nonce' when response_type includes id_token."),
  repeatedParameter: (name: string) => new OAuthError(400, 'invalid_request', 9002313, `Invalid request. Request is malformed or invalid: the parameter '${echoed(name)}' appears more than once.`),
  tokenInQuery: () => new OAuthError(400, 'invalid_request', 70007, "response_mode 'query' is not allowed when the response holds an id_token: use fragment or form_post, so that the token is not written in the URL's query."),
  unsupportedResponseMode: (value: string) => new OAuthError(400, 'invalid_request', 90014, `response_mode '${echoed(value)}' is not supported; use query, fragment or form_post.`),
  badChallengeMethod: (value: string) => new OAuthError(400, 'invalid_request', 501491, `Invalid code_challenge_method '${echoed(value)}': use S256 or plain.`),
  badChallenge: () => new OAuthError(400, 'invalid_request', 50147, 'The code_challenge must be 43 to 128 characters of [A-Z] [a-z] [0-9] - . _ ~.'),
  invalidScope: (scope: string) => new OAuthError(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${echoed(scope)} is not valid.`),
  unknownResource: (resource: string) =>
    new OAuthError(400, 'invalid_resource', 500011, `The resource principal named ${echoed(resource)} was not found in the tenant.`),
  oneResourceOnly: () => new OAuthError(400, 'invalid_scope', 700022, 'The provided value for the input parameter scope is not valid because it contains more than one resource.'),
  loginRequired: () => new OAuthError(400, 'login_required', 50058, 'A silent sign-in request was sent but no user is signed in (this server keeps no sign-in session).'),
  userDeclinedConsent: () => new OAuthError(400, 'access_denied', 65004, 'User declined to consent to access the app.'),
  mfaDenied: () => new OAuthError(400, 'access_denied', 500121, 'Authentication failed during strong authentication request: the sign-in was denied.'),
  mfaRegistrationRequired: () =>
    new OAuthError(400, 'interaction_required', 50079, 'Due to a configuration change made by your administrator, you must enroll in multi-factor authentication to access this resource.'),
  userDisabled: () => new OAuthError(400, 'invalid_grant', 50057, 'The user account is disabled.'),
  grantOfAnotherTenant: (tenant: string) =>
    new OAuthError(400, 'invalid_grant', 50020, `The grant was issued to a user of another tenant than '${echoed(tenant)}': redeem it at the user's own tenant, or at /organizations or /common.`),
  pkceUnexpected: () => new OAuthError(400, 'invalid_grant', 50148, 'A code_verifier was sent, but the authorization request had no code_challenge (PKCE): the code cannot be redeemed with one.'),
  userNotInTenant: (user: string, tenant: string) =>
    new OAuthError(400, 'invalid_grant', 50020, `User account '${echoed(user)}' does not exist in tenant '${echoed(tenant)}'.`),
  publicClientNotAllowed: (clientId: string) =>
    new OAuthError(401, 'invalid_client', 7000218, `The request body must contain the following parameter: 'client_assertion' or 'client_secret'. Application '${echoed(clientId)}' is not a public client.`),
  secretFromPublicClient: () => new OAuthError(401, 'invalid_client', 700025, 'Client is public so neither client_assertion nor client_secret should be presented.'),

  codeUnknown: () => new OAuthError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity or is not valid. Send a new interactive authorization request.'),
  codeRedeemed: () => new OAuthError(400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.'),
  codeOtherClient: () => new OAuthError(400, 'invalid_grant', 700007, 'The authorization code was issued for a different client id.'),
  codeRedirectMismatch: () => new OAuthError(400, 'invalid_grant', 70000, "The provided value for 'redirect_uri' does not match the one used in the authorization request."),
  pkceMissing: () => new OAuthError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request (no code_verifier was sent).'),
  pkceMismatch: () => new OAuthError(400, 'invalid_grant', 50148, 'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.'),

  refreshTokenMalformed: () => new OAuthError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid: the refresh token is not one this server issued.', 'bad_token'),
  refreshTokenInactive: () =>
    new OAuthError(400, 'invalid_grant', 700082, 'The refresh token has expired due to inactivity. The token was issued more than 90 days ago and was not used since.', 'bad_token'),
  refreshTokenRevoked: (why: string) =>
    new OAuthError(400, 'invalid_grant', 50173, `The provided grant has expired due to it being revoked (${why}), a fresh auth token is needed. The user might have changed or reset their password.`, 'bad_token'),
  refreshTokenOtherClient: () => new OAuthError(400, 'invalid_grant', 700007, 'The refresh token was issued for a different client id.'),
  consentRequired: (clientId: string, scopes: string[]) =>
    new OAuthError(400, 'invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${echoed(clientId)}'. Send an interactive authorization request for this user and resource. Missing: ${scopes.map(echoed).join(', ')}.`, 'consent_required'),

  consentWithdrawn: (clientId: string) =>
    new OAuthError(400, 'invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${echoed(clientId)}': the consent this refresh token was issued under was withdrawn. Send an interactive authorization request for this user and resource.`, 'consent_required'),

  authorizationPending: () => new OAuthError(400, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.'),
  authorizationDeclined: () => new OAuthError(400, 'authorization_declined', 70018, 'The end user denied the authorization request.'),
  deviceCodeExpired: () => new OAuthError(400, 'expired_token', 70019, 'Verification code expired.'),
  deviceCodeUnknown: () => new OAuthError(400, 'bad_verification_code', 70018, 'The device_code is not one this server issued.'),
} as const;

/** The first parameter a form or query gives more than once (parsed as an array); RFC 6749 §3.1 forbids it. */
export function repeatedParameterIn(fields: Record<string, unknown>): string | undefined {
  return Object.keys(fields).find((name) => Array.isArray(fields[name]));
}
