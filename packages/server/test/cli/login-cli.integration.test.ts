/**
 * `pcapi login` as a user runs it: the real CLI process against a real pcapi, with Debian's Chromium
 * doing the user's part: the browser flow (the URL printed, the answer on the CLI's loopback) and the
 * device-code flow (the code printed, typed on /devicelogin). The refresh token it prints works.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { enterDeviceCode, launchChromium, signInAsUser } from '../helpers/browser.js';
import { pcapiCommand } from '../helpers/pcapi-command.js';
import { cleanEnv } from '../helpers/run-cli.js';
import { DEMO, startTestServer, type TestServer } from '../helpers/test-server.js';

let pcapi: TestServer;
let browser: Browser;
before(async () => {
  pcapi = await startTestServer(undefined);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await pcapi?.close();
});

/** Starts `pcapi login ARGS`; `onStderr` sees its standard error as it comes (the URL, the code). */
async function login(args: string[], onStderr: (text: string) => void) {
  const [node, bundle] = await pcapiCommand();
  const child = spawn(node, [bundle, 'login', '--authority', pcapi.url, '--no-open', '--timeout', '60', ...args], { env: cleanEnv() });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    onStderr(stderr);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

test('pcapi login (browser): the printed URL signed in with Chromium; the refresh token it prints renews', async () => {
  const page = await browser.newPage();
  let signIn: Promise<string[]> | undefined;
  const startedAt = performance.now();
  const run = await login(['--tenant', 'fabrikam.example'], (stderr) => {
    const url = /https?:\/\/\S+\/oauth2\/v2\.0\/authorize\?\S+/.exec(stderr)?.[0];
    if (!url || signIn) return;
    signIn = page.goto(url).then(() => signInAsUser(page, 'admin@fabrikam.example'));
  });
  assert.equal(run.code, 0, run.stderr);
  // The command can end (it has its redirect) before the browser side has noted its last page.
  const pages = await signIn!;
  // It exits once signed in, not when its --timeout 60 would have run out (it used to linger until then).
  assert.ok(performance.now() - startedAt < 40_000, `pcapi login took ${Math.round(performance.now() - startedAt)} ms to exit`);
  assert.deepEqual(pages, ['password', 'mfa'], 'a first-party client: no consent page');
  assert.match(await page.innerText('body'), /Signed in/);
  const result = JSON.parse(run.stdout) as { refreshToken: string; accessToken: string; account: { username: string; tenantId: string } };
  assert.equal(result.account.username, 'admin@fabrikam.example');
  assert.equal(result.account.tenantId, DEMO.fabrikam);
  assert.equal((await pcapi.getOrganization(DEMO.contoso, { token: result.accessToken })).status, 200);

  const renewed = await fetch(`${pcapi.url}/${DEMO.fabrikam}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', refresh_token: result.refreshToken, scope: 'https://api.partnercenter.microsoft.com/.default' }),
  });
  assert.equal(renewed.status, 200, await renewed.clone().text());
  await page.close();
});

test('pcapi login --device-code --out: the code typed on /devicelogin; tokens written to a 0600 file', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'pcapi-login-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const out = join(work, 'tokens.json');
  const page = await browser.newPage();
  let started = false;
  const run = await login(['--tenant', DEMO.fabrikam, '--device-code', '--out', out], (stderr) => {
    const match = /open the page (\S+) and enter the code (\S+) /.exec(stderr);
    if (!match || started) return;
    started = true;
    void enterDeviceCode(page, match[1]!, match[2]!, 'nomfa@fabrikam.example');
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /signed in as nomfa@fabrikam.example; tokens written to/);
  assert.equal(run.stdout, '');
  assert.equal(statSync(out).mode & 0o777, 0o600);
  const result = JSON.parse(readFileSync(out, 'utf8')) as { refreshToken: string; account: { username: string } };
  assert.equal(result.account.username, 'nomfa@fabrikam.example');
  assert.ok(result.refreshToken.length > 20);
  await page.close();
});

test('pcapi login: a refused sign-in and bad options exit with a clear message', async () => {
  const unknownClient = await login(['--tenant', 'fabrikam.example', '--device-code', '--client-id', '11111111-2222-3333-4444-555555555555'], () => undefined);
  assert.equal(unknownClient.code, 1);
  assert.match(unknownClient.stderr, /pcapi login: the device code was refused: unauthorized_client: AADSTS700016/);
  const badTenant = await login(['--tenant', 'not a tenant'], () => undefined);
  assert.equal(badTenant.code, 2);
  assert.match(badTenant.stderr, /--tenant "not a tenant" is not a tenant id/);
});
