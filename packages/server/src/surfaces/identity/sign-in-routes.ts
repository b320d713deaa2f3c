/**
 * The interactive endpoints: /authorize (v2 and v1), the sign-in pages' posts, /devicecode and
 * /devicelogin. Thin adapters over SignInFlow: read the request, render what it decides.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import { OAuthError, sendOAuthErrorBody } from './oauth-errors.js';
import { consentPage, deviceCodePage, deviceDonePage, errorPage, formPostPage, mfaPage, passwordPage, signedOutPage, type Page } from './sign-in-pages.js';
import { signOutRedirect } from './sign-out.js';
import type { Store } from '../../store/store.js';
import type { FlowView, SignInFlow } from './sign-in-flow.js';
import { repeatedParameterIn, signInErrors } from './sign-in-errors.js';

type TenantRoute = { Params: { tenant: string }; Querystring: Record<string, unknown>; Body: Record<string, string | undefined> };
type TenantRequest = FastifyRequest<TenantRoute>;

export interface SignInRouteDeps {
  flow: SignInFlow;
  store: Store;
  publicUrl: () => string;
  clock: Clock;
}

const DEVICE_CODE_LIFETIME_SECONDS = 900;
const DEVICE_POLL_INTERVAL_SECONDS = 5;

function sendPage(reply: FastifyReply, built: Page) {
  return reply
    .code(built.status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', built.csp)
    .send(built.html);
}

/** Appends the response to the redirect URI as its mode says: query, fragment, or a posted form. */
function respondToClient(reply: FastifyReply, view: Extract<FlowView, { view: 'respond' }>) {
  if (view.mode === 'form_post') return sendPage(reply, formPostPage(view.redirectUri, view.params));
  const encoded = new URLSearchParams(view.params).toString();
  const separator = view.mode === 'fragment' ? '#' : view.redirectUri.includes('?') ? '&' : '?';
  return reply.code(302).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').header('location', `${view.redirectUri}${separator}${encoded}`).send();
}

/**
 * A posted form's text fields. Fastify also parses JSON bodies, whose values need not be strings (an
 * array, an object): those are dropped, as a form could not have sent them.
 */
function formOf(request: TenantRequest): Record<string, string | undefined> {
  const body: unknown = request.body;
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(Object.entries(body).filter(([, value]) => typeof value === 'string')) as Record<string, string>;
}

export function registerSignInRoutes(app: FastifyInstance, deps: SignInRouteDeps): void {
  const { flow } = deps;
  const loginAction = (tenant: string) => `/${encodeURIComponent(tenant)}/login`;

  const render = (request: FastifyRequest, reply: FastifyReply, tenant: string, view: FlowView) => {
    switch (view.view) {
      case 'password': return sendPage(reply, passwordPage(loginAction(tenant), view));
      case 'mfa': return sendPage(reply, mfaPage(loginAction(tenant), view));
      case 'consent': return sendPage(reply, consentPage(loginAction(tenant), view));
      case 'device-code': return sendPage(reply, deviceCodePage('/devicelogin', view.error));
      case 'device-done': return sendPage(reply, deviceDonePage(view.client));
      case 'error': return sendPage(reply, errorPage(view.error, request.correlationId));
      case 'respond': return respondToClient(reply, view);
    }
  };

  const authorize = (v1: boolean) => async (request: TenantRequest, reply: FastifyReply) => {
    const view = await flow.start(request.params.tenant, request.query ?? {}, v1);
    return render(request, reply, request.params.tenant, view);
  };
  app.get('/:tenant/oauth2/v2.0/authorize', authorize(false));
  app.get('/:tenant/oauth2/authorize', authorize(true));

  const signOut = async (request: TenantRequest, reply: FastifyReply) => {
    const target = await signOutRedirect(deps.store, request.params.tenant, request.query ?? {});
    return target ? reply.code(302).header('location', target).header('cache-control', 'no-store').send() : sendPage(reply, signedOutPage());
  };
  app.get('/:tenant/oauth2/v2.0/logout', signOut);
  app.get('/:tenant/oauth2/logout', signOut);

  // Every sign-in page posts here; `step` says which, and the sign-in's own state must agree.
  app.post('/:tenant/login', async (request: TenantRequest, reply) => {
    const form = formOf(request);
    let view: FlowView;
    if (form.step === 'password') view = await flow.submitPassword(form.flow, form.login, form.passwd);
    else if (form.step === 'mfa') view = await flow.submitMfa(form.flow, form.action === 'approve');
    else if (form.step === 'consent') view = await flow.submitConsent(form.flow, form.action === 'accept');
    else view = { view: 'error', error: signInErrors.missingParameter('step') };
    return render(request, reply, request.params.tenant, view);
  });

  app.get('/devicelogin', async (request, reply) => render(request, reply, 'common', { view: 'device-code' }));
  app.post('/devicelogin', async (request: TenantRequest, reply) => {
    const form = formOf(request);
    const view = await flow.enterUserCode(form.otc);
    // The sign-in that follows belongs to the tenant the device code was requested for.
    return render(request, reply, 'common', view);
  });

  const deviceCode = (v1: boolean) => async (request: TenantRequest, reply: FastifyReply) => {
    try {
      if (!request.headers['content-type']?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
        throw new OAuthError(400, 'invalid_request', 900144, 'The request body must be application/x-www-form-urlencoded.');
      }
      const repeated = repeatedParameterIn((request.body ?? {}) as Record<string, unknown>);
      if (repeated !== undefined) throw signInErrors.repeatedParameter(repeated);
      const form = formOf(request);
      if (!form.client_id) throw signInErrors.missingParameter('client_id');
      if (v1 && !form.resource) throw signInErrors.missingParameter('resource');
      const { deviceCode: code, userCode } = await flow.startDevice(request.params.tenant, form.client_id, form.scope ?? null, v1 ? form.resource! : null, v1);
      const uri = `${deps.publicUrl()}/devicelogin`;
      const message = `To sign in, use a web browser to open the page ${uri} and enter the code ${userCode} to authenticate.`;
      reply.header('cache-control', 'no-store');
      // v1 says verification_url and sends numbers as strings; MSAL (v2) needs numbers.
      return v1
        ? { user_code: userCode, device_code: code, verification_url: uri, expires_in: String(DEVICE_CODE_LIFETIME_SECONDS), interval: String(DEVICE_POLL_INTERVAL_SECONDS), message }
        : { user_code: userCode, device_code: code, verification_uri: uri, expires_in: DEVICE_CODE_LIFETIME_SECONDS, interval: DEVICE_POLL_INTERVAL_SECONDS, message };
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      return sendOAuthErrorBody(error, request, reply, deps.clock.now());
    }
  };
  app.post<TenantRoute>('/:tenant/oauth2/v2.0/devicecode', deviceCode(false));
  app.post<TenantRoute>('/:tenant/oauth2/devicecode', deviceCode(true));
}
