/**
 * `pcapi login`: the Secure Application Model's one interactive step from a terminal, as
 * New-PartnerAccessToken does it: sign a user in (device code, or the browser on a loopback redirect
 * with PKCE) against a pcapi or any Entra-style authority, and print or store the tokens, above all
 * the refresh token the app then exchanges without a user (the SDK's RefreshTokenCredential).
 */
import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Option, type Command } from 'commander';
import { systemClock } from '../clock.js';
import { FIRST_PARTY_CLIENTS } from '../identity/sign-in/clients.js';

/** The Azure CLI's public client: the default of @azure/identity and the Partner Center PowerShell module. */
export const DEFAULT_LOGIN_CLIENT = FIRST_PARTY_CLIENTS[0]!.clientId;
const DEFAULT_SCOPE = 'https://api.partnercenter.microsoft.com/user_impersonation';

export class LoginError extends Error {
  override name = 'LoginError';
  constructor(message: string, readonly exitCode: 1 | 2 = 1) {
    super(message);
  }
}

interface LoginOptions {
  authority: string;
  tenant: string;
  clientId: string;
  clientSecret?: string;
  scope: string;
  deviceCode?: boolean;
  open: boolean;
  out?: string;
  timeout: string;
}

interface TokenBody {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  expires_in: number | string;
  scope?: string;
  client_info?: string;
}

/** What `pcapi login` prints (or writes to --out): New-PartnerAccessToken's fields, in JSON. */
export interface LoginResult {
  accessToken: string;
  refreshToken: string | null;
  idToken: string | null;
  expiresOn: string;
  scope: string | null;
  account: { username: string | null; tenantId: string | null; objectId: string | null };
  clientId: string;
  tenant: string;
}

const isOAuthError = (body: unknown): body is { error: string; error_description?: string } => typeof (body as { error?: unknown })?.error === 'string';

async function postForm(url: string, fields: Record<string, string>): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams(fields) });
  } catch (error) {
    throw new LoginError(`cannot reach ${url}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`);
  }
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    throw new LoginError(`${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
}

function describe(body: { error: string; error_description?: string }): string {
  return `${body.error}: ${(body.error_description ?? '').split(/\s*Trace ID:/)[0]}`;
}

function toResult(body: TokenBody, options: LoginOptions, requestedAt: number): LoginResult {
  const claims = body.id_token ? (JSON.parse(Buffer.from(body.id_token.split('.')[1] ?? '', 'base64url').toString('utf8') || '{}') as Record<string, unknown>) : {};
  return {
    accessToken: body.access_token,
    refreshToken: body.refresh_token ?? null,
    idToken: body.id_token ?? null,
    expiresOn: new Date(requestedAt + Number(body.expires_in) * 1000).toISOString(),
    scope: body.scope ?? null,
    account: {
      username: typeof claims.preferred_username === 'string' ? claims.preferred_username : null,
      tenantId: typeof claims.tid === 'string' ? claims.tid : null,
      objectId: typeof claims.oid === 'string' ? claims.oid : null,
    },
    clientId: options.clientId,
    tenant: options.tenant,
  };
}

async function deviceCodeLogin(options: LoginOptions, base: string, deadline: number): Promise<LoginResult> {
  const scope = `${options.scope} openid profile offline_access`;
  const started = await postForm(`${base}/oauth2/v2.0/devicecode`, { client_id: options.clientId, scope });
  if (isOAuthError(started.body)) throw new LoginError(`the device code was refused: ${describe(started.body)}`);
  const device = started.body as { device_code: string; user_code: string; message: string; interval: number; expires_in: number };
  process.stderr.write(`${device.message}\n`);
  const interval = Math.max(1, Number(device.interval) || 5) * 1000;
  const end = Math.min(deadline, systemClock.now() + Number(device.expires_in) * 1000);
  while (systemClock.now() < end) {
    await sleep(interval);
    const requestedAt = systemClock.now();
    const fields: Record<string, string> = { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: options.clientId, device_code: device.device_code, client_info: '1' };
    if (options.clientSecret) fields.client_secret = options.clientSecret;
    const polled = await postForm(`${base}/oauth2/v2.0/token`, fields);
    if (!isOAuthError(polled.body)) return toResult(polled.body as TokenBody, options, requestedAt);
    if (polled.body.error !== 'authorization_pending' && polled.body.error !== 'slow_down') throw new LoginError(`sign-in failed: ${describe(polled.body)}`);
  }
  throw new LoginError('sign-in timed out: nobody entered the code in time');
}

/** Opens `url` in the desktop's browser, if there is one; the URL is printed either way. */
function openBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    spawn(command, [url], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
  } catch {
    // No browser here: the printed URL is the way.
  }
}

async function browserLogin(options: LoginOptions, base: string, deadline: number): Promise<LoginResult> {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  let server: Server | undefined;
  // The wait for the browser ends with the login: a pending timer would keep the process alive until the deadline.
  const stopWaiting = new AbortController();
  try {
    const redirected = new Promise<URLSearchParams>((resolve) => {
      server = createServer((request, response) => {
        const url = new URL(request.url ?? '/', 'http://localhost');
        if (url.pathname !== '/' || (!url.searchParams.has('code') && !url.searchParams.has('error'))) {
          response.writeHead(404).end();
          return;
        }
        const ok = url.searchParams.has('code') && url.searchParams.get('state') === state;
        response.writeHead(ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8' });
        response.end(ok ? '<!doctype html><title>pcapi login</title><p>Signed in. You can close this window and return to the terminal.</p>' : '<!doctype html><title>pcapi login</title><p>Sign-in failed; see the terminal.</p>');
        resolve(url.searchParams);
      });
    });
    await new Promise<void>((resolve, reject) => server!.listen(0, '127.0.0.1', resolve).once('error', reject));
    const redirectUri = `http://localhost:${(server!.address() as AddressInfo).port}`;
    const authorize = new URL(`${base}/oauth2/v2.0/authorize`);
    for (const [name, value] of Object.entries({
      client_id: options.clientId, response_type: 'code', redirect_uri: redirectUri, scope: `${options.scope} openid profile offline_access`,
      state, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', client_info: '1',
    })) authorize.searchParams.set(name, value);
    process.stderr.write(`To sign in, open this page in a browser:\n${authorize.href}\n`);
    if (options.open) openBrowser(authorize.href);

    const timeout = sleep(Math.max(0, deadline - systemClock.now()), undefined, { signal: stopWaiting.signal }).then(() => undefined, () => undefined);
    const params = await Promise.race([redirected, timeout]);
    if (!params) throw new LoginError('sign-in timed out: the browser never came back');
    if (params.get('state') !== state) throw new LoginError('the sign-in answer does not carry this login\u2019s state; ignored');
    if (params.has('error')) throw new LoginError(`sign-in failed: ${params.get('error')}: ${params.get('error_description') ?? ''}`);
    const requestedAt = systemClock.now();
    const fields: Record<string, string> = {
      grant_type: 'authorization_code', client_id: options.clientId, code: params.get('code')!, redirect_uri: redirectUri, code_verifier: verifier,
      scope: `${options.scope} openid profile offline_access`, client_info: '1',
    };
    if (options.clientSecret) fields.client_secret = options.clientSecret;
    const redeemed = await postForm(`${base}/oauth2/v2.0/token`, fields);
    if (isOAuthError(redeemed.body)) throw new LoginError(`the code was refused: ${describe(redeemed.body)}`);
    return toResult(redeemed.body as TokenBody, options, requestedAt);
  } finally {
    stopWaiting.abort();
    // The browser may hold a keep-alive connection open; it must not keep the process alive either.
    server?.closeAllConnections();
    server?.close();
  }
}

export async function runLogin(options: LoginOptions): Promise<LoginResult> {
  let authority: URL;
  try {
    authority = new URL(options.authority);
  } catch {
    throw new LoginError(`--authority "${options.authority}" is not a URL`, 2);
  }
  if (!/^[A-Za-z0-9.-]+$/.test(options.tenant)) throw new LoginError(`--tenant "${options.tenant}" is not a tenant id, domain, organizations or common`, 2);
  const timeoutSeconds = Number(options.timeout);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds <= 0) throw new LoginError('--timeout must be whole seconds above 0', 2);
  const base = `${authority.origin}${authority.pathname.replace(/\/+$/, '')}/${options.tenant}`;
  const deadline = systemClock.now() + timeoutSeconds * 1000;
  return options.deviceCode ? deviceCodeLogin(options, base, deadline) : browserLogin(options, base, deadline);
}

export function registerLoginCommand(program: Command): void {
  program
    .command('login')
    .description('sign a user in (browser or device code) and print the tokens, refresh token included, as New-PartnerAccessToken does')
    .addOption(new Option('--authority <url>', 'pcapi\u2019s URL (or any Entra-style authority host)').env('PCAPI_URL').default('http://127.0.0.1:8080'))
    .option('--tenant <tenant>', 'the tenant to sign in to: a partner tenant id or domain, or organizations', 'organizations')
    .option('--client-id <id>', 'the app to sign in to (a public client, or give --client-secret)', DEFAULT_LOGIN_CLIENT)
    .addOption(new Option('--client-secret <secret>', 'the app\u2019s secret, for a confidential app').env('PCAPI_CLIENT_SECRET'))
    .option('--scope <scope>', 'the resource permission to ask for', DEFAULT_SCOPE)
    .option('--device-code', 'sign in on another device: print a code to enter on /devicelogin')
    .option('--no-open', 'print the sign-in URL without opening a browser')
    .option('--out <file>', 'write the result (JSON, mode 0600) to this file instead of standard output')
    .option('--timeout <seconds>', 'give up after this long', '900')
    .action(async (options: LoginOptions) => {
      const result = await runLogin(options);
      const json = JSON.stringify(result, null, 2) + '\n';
      if (options.out) {
        writeFileSync(options.out, json, { mode: 0o600 });
        process.stderr.write(`signed in as ${result.account.username ?? 'unknown'}; tokens written to ${options.out}\n`);
      } else process.stdout.write(json);
    });
}
