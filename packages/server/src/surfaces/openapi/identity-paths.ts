/**
 * The token issuer, at Entra's paths (identity-routes.ts, sign-in-routes.ts): discovery, keys, the
 * token and device-code endpoints (v2 and v1), and the sign-in pages. docs/api.md#token-issuer-entra-compatible
 * and docs/sign-in.md describe the flows.
 */
import { jsonContent, PARAMETER, ref, response, responses, schemaRef, type Json } from './openapi-common.js';

const TAG = ['Token issuer'];
const NO_STORE = { 'Cache-Control': ref('headers/Cache-Control-no-store') };
const html = (description: string, status = 200): Json =>
  response(description, { content: { 'text/html': { schema: { type: 'string' } } }, headers: status === 200 ? NO_STORE : {} });
const redirect = (description: string): Json => response(description, { headers: { Location: ref('headers/Location'), ...NO_STORE } });
const formBody = (schema: string): Json => ({ required: true, content: { 'application/x-www-form-urlencoded': { schema: schemaRef(schema) } } });

function get(operationId: string, summary: string, own: Record<number, Json>, errors: number[] = []): Json {
  return { get: { operationId, tags: TAG, summary, parameters: [PARAMETER.tenant], responses: responses('oauth', own, errors) } };
}

function discovery(v1: boolean): Json {
  return get(v1 ? 'getOpenIdConfigurationV1' : 'getOpenIdConfiguration',
    `OpenID Connect discovery${v1 ? ' (v1, as OWIN middleware reads it)' : ''}: a partner tenant by id or domain, a customer tenant by id, or \`common\` / \`organizations\` (Entra's \`{tenantid}\` template in the issuer).`,
    { 200: response('The discovery document.', { content: jsonContent(schemaRef(v1 ? 'OpenIdConfigurationV1' : 'OpenIdConfiguration')) }) }, [400]);
}

function keys(v1: boolean): Json {
  return get(v1 ? 'getSigningKeysV1' : 'getSigningKeys', 'The issuer\'s published signing keys (JWKS), the same for every tenant path.',
    { 200: response('Every published RS256 key.', { content: jsonContent(schemaRef('JsonWebKeySet')) }) });
}

function authorize(v1: boolean): Json {
  return {
    get: {
      operationId: v1 ? 'authorizeV1' : 'authorize',
      tags: TAG,
      summary: `Starts an interactive sign-in${v1 ? ' (v1: `resource=`)' : ''}: the password page, then MFA and consent as needed, then the code to the redirect URI.`,
      description: 'Query parameters as Entra\'s: client_id, redirect_uri, response_type (code, code id_token), response_mode, scope (v2) or resource (v1), state, nonce, prompt, login_hint, code_challenge, code_challenge_method, amr_values. See docs/sign-in.md.',
      parameters: [PARAMETER.tenant],
      responses: {
        200: html('A sign-in page (or, with response_mode=form_post, the page posting the answer to the redirect URI).'),
        302: redirect('The answer (a code, or an error after the client and redirect URI were known) appended to the redirect URI.'),
        400: html('An error page: an unknown client or tenant, or a redirect URI not registered (never redirected).', 400),
      },
    },
  };
}

function signOut(v1: boolean): Json {
  return {
    get: {
      operationId: v1 ? 'signOutV1' : 'signOut',
      tags: TAG,
      summary: 'The end-session endpoint discovery names: pcapi keeps no session, so it only sends the browser back.',
      description: 'Query: post_logout_redirect_uri, client_id or id_token_hint (which app), state. The browser goes back only to a redirect URI that app registered.',
      parameters: [PARAMETER.tenant],
      responses: {
        200: html('The signed-out page (no registered URI to go back to).'),
        302: redirect('post_logout_redirect_uri, with state.'),
      },
    },
  };
}

function deviceCode(v1: boolean): Json {
  return {
    post: {
      operationId: v1 ? 'requestDeviceCodeV1' : 'requestDeviceCode',
      tags: TAG,
      summary: `A device code and the user code to enter at /devicelogin${v1 ? ' (v1: `resource=`, numbers as strings, `verification_url`)' : ''}.`,
      parameters: [PARAMETER.tenant],
      requestBody: formBody('DeviceCodeRequest'),
      responses: responses('oauth', {
        200: response('The device code.', { content: jsonContent(schemaRef(v1 ? 'DeviceCodeResponseV1' : 'DeviceCodeResponse')), headers: NO_STORE }),
      }, [400, 401]),
    },
  };
}

function token(v1: boolean): Json {
  return {
    post: {
      operationId: v1 ? 'requestTokenV1' : 'requestToken',
      tags: TAG,
      summary: `The token endpoint${v1 ? ' (v1: `resource=`, numbers as strings, `expires_on`, `not_before`, `resource`)' : ''}.`,
      description: 'Grants: client_credentials, password, authorization_code, refresh_token, device_code. A confidential client authenticates with client_secret in the body or HTTP Basic (one of them). Errors are Entra\'s (docs/errors.md#the-token-endpoints-errors); a body the framework cannot read gets a Partner Center error like any other.',
      security: [{ clientSecretBasic: [] }, {}],
      parameters: [PARAMETER.tenant],
      requestBody: formBody('TokenRequest'),
      responses: responses('oauth', {
        200: response('The tokens.', {
          content: jsonContent(schemaRef(v1 ? 'TokenResponseV1' : 'TokenResponse')),
          headers: { ...NO_STORE, Pragma: ref('headers/Pragma-no-cache') },
        }),
        400: response('An OAuth error (`invalid_request`, `invalid_grant`, `invalid_scope`, `unsupported_grant_type`, `invalid_tenant`, …), or Partner Center\'s `badRequest` for a body the framework cannot read.', {
          content: jsonContent({ oneOf: [schemaRef('OAuthError'), schemaRef('PartnerCenterError')] }),
        }),
        413: ref('responses/PartnerCenter413'),
        415: ref('responses/PartnerCenter415'),
        // The store cannot be reached, or an unexpected fault: the app-wide handler answers (Partner Center's body).
        500: ref('responses/PartnerCenter500'),
        503: ref('responses/PartnerCenter503'),
      }, [401]),
    },
  };
}

export function identityPaths(): Json {
  return {
    '/{tenant}/v2.0/.well-known/openid-configuration': discovery(false),
    '/{tenant}/.well-known/openid-configuration': discovery(true),
    '/common/discovery/instance': {
      get: {
        operationId: 'getInstanceDiscovery', tags: TAG,
        summary: 'Instance discovery, as MSAL asks it: this server is its own cloud.',
        responses: { 200: response('This host, its aliases, and the discovery endpoint template.', { content: jsonContent(schemaRef('InstanceDiscovery')) }) },
      },
    },
    '/{tenant}/discovery/v2.0/keys': keys(false),
    '/{tenant}/discovery/keys': keys(true),
    '/{tenant}/oauth2/v2.0/authorize': authorize(false),
    '/{tenant}/oauth2/authorize': authorize(true),
    '/{tenant}/oauth2/v2.0/logout': signOut(false),
    '/{tenant}/oauth2/logout': signOut(true),
    '/{tenant}/login': {
      post: {
        operationId: 'submitSignInPage', tags: TAG,
        summary: 'Where every sign-in page posts (`step`: password, mfa, consent).',
        parameters: [PARAMETER.tenant],
        requestBody: formBody('SignInForm'),
        responses: {
          200: html('The next page (MFA, consent, the password page again after a wrong password), or the form posting the answer.'),
          302: redirect('The answer appended to the redirect URI.'),
          400: html('An error page: no `step`, or a sign-in that is unknown or expired.', 400),
        },
      },
    },
    '/devicelogin': {
      get: {
        operationId: 'showDeviceLogin', tags: TAG, summary: 'The page where a user enters a device\'s user code.',
        responses: { 200: html('The page.') },
      },
      post: {
        operationId: 'submitDeviceLogin', tags: TAG, summary: 'Enters a user code (`otc`); the sign-in follows.',
        requestBody: formBody('DeviceLoginForm'),
        responses: { 200: html('The sign-in page for the device code\'s tenant, or the code page again naming the problem.'), 400: html('An error page.', 400) },
      },
    },
    '/{tenant}/oauth2/v2.0/devicecode': deviceCode(false),
    '/{tenant}/oauth2/devicecode': deviceCode(true),
    '/{tenant}/oauth2/v2.0/token': token(false),
    '/{tenant}/oauth2/token': token(true),
  };
}
