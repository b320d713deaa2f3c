/**
 * Drives pcapi's sign-in pages the way a browser without script would: GET /authorize, then post
 * each form it is shown. For inject tests (fetch over app.inject) and real servers alike.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';

export type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface SignInOptions {
  tenant?: string;
  clientId: string;
  redirectUri: string;
  scope?: string;
  /** v1 /oauth2/authorize with `resource` instead of `scope`. */
  resource?: string;
  /** v1 /oauth2/authorize even without `resource` (the SAM samples' OpenID Connect sign-in). */
  v1?: boolean;
  responseType?: 'code' | 'code id_token';
  amrValues?: string;
  state?: string;
  nonce?: string;
  prompt?: string;
  responseMode?: 'query' | 'form_post' | 'fragment';
  pkce?: boolean;
  username: string;
  password: string;
  /** What to answer on the MFA page if shown. */
  mfa?: 'approve' | 'deny';
  /** What to answer on the consent page if shown. */
  consent?: 'accept' | 'cancel';
}

export interface SignInResult {
  /** The pages shown, in order: password, mfa, consent. */
  pages: string[];
  /** The final response: a redirect (302), a form_post page, or an error page. */
  response: Response;
  html: string;
  /** The parameters handed to the redirect URI (query, fragment or posted form). */
  params: URLSearchParams | undefined;
  verifier: string | undefined;
}

export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The value of a hidden or named input in a page. */
export function inputValue(html: string, name: string): string | undefined {
  const match = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html);
  return match?.[1]?.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function pageKind(html: string): string {
  if (html.includes('name="step" value="password"')) return 'password';
  if (html.includes('name="step" value="mfa"')) return 'mfa';
  if (html.includes('name="step" value="consent"')) return 'consent';
  return 'other';
}

export function authorizeUrl(options: SignInOptions & { challenge?: string }): string {
  const tenant = options.tenant ?? 'fabrikam.example';
  const params = new URLSearchParams({ client_id: options.clientId, response_type: options.responseType ?? 'code', redirect_uri: options.redirectUri });
  if (options.amrValues) params.set('amr_values', options.amrValues);
  if (options.resource) params.set('resource', options.resource);
  else params.set('scope', options.scope ?? 'https://api.partnercenter.microsoft.com/user_impersonation openid profile offline_access');
  if (options.state) params.set('state', options.state);
  if (options.nonce) params.set('nonce', options.nonce);
  if (options.prompt) params.set('prompt', options.prompt);
  if (options.responseMode) params.set('response_mode', options.responseMode);
  if (options.challenge) {
    params.set('code_challenge', options.challenge);
    params.set('code_challenge_method', 'S256');
  }
  params.set('client_info', '1');
  return `/${tenant}/oauth2/${options.resource || options.v1 ? '' : 'v2.0/'}authorize?${params}`;
}

const post = (fetch: Fetch, url: string, fields: Record<string, string>) =>
  fetch(url, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });

/** Signs in through every page; returns what the redirect URI receives. */
export async function signIn(fetch: Fetch, options: SignInOptions): Promise<SignInResult> {
  const pkce = options.pkce === false ? undefined : pkcePair();
  let response = await fetch(authorizeUrl({ ...options, ...(pkce ? { challenge: pkce.challenge } : {}) }), { redirect: 'manual' });
  let html = response.status === 302 ? '' : await response.text();
  const pages: string[] = [];
  const action = () => /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&') ?? '';
  for (let step = 0; step < 5 && response.status === 200; step++) {
    const kind = pageKind(html);
    if (kind === 'other') break;
    pages.push(kind);
    const flow = inputValue(html, 'flow')!;
    const fields: Record<string, string> =
      kind === 'password' ? { flow, step: kind, login: options.username, passwd: options.password }
      : kind === 'mfa' ? { flow, step: kind, action: options.mfa ?? 'approve' }
      : { flow, step: kind, action: options.consent ?? 'accept' };
    const before = html;
    response = await post(fetch, action(), fields);
    html = response.status === 302 ? '' : await response.text();
    // A password page shown again (wrong password) ends the walk.
    if (kind === 'password' && pageKind(html) === 'password' && before !== html) break;
  }
  let params: URLSearchParams | undefined;
  if (response.status === 302) {
    const location = new URL(response.headers.get('location')!);
    params = new URLSearchParams(location.hash ? location.hash.slice(1) : location.search);
  } else if (html.includes('<noscript>')) {
    params = new URLSearchParams();
    for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) params.set(match[1]!, inputValue(html, match[1]!)!);
  }
  return { pages, response, html, params, verifier: pkce?.verifier };
}

/** POSTs a form to the token endpoint; returns status and JSON body. */
export async function tokenRequest(fetch: Fetch, path: string, fields: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(path, { method: 'POST', body: new URLSearchParams(fields) });
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, body };
}

export const claimsOf = (jwt: unknown) => {
  assert.equal(typeof jwt, 'string');
  return JSON.parse(Buffer.from((jwt as string).split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
};
