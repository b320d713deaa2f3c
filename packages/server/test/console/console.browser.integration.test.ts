/**
 * The web console in real Chromium (Debian's, driven by playwright-core) against a real pcapi with
 * the emulator on: every page loads without a console error and passes an axe-core scan (no serious
 * or critical violation); the decision view shows Tailspin's denial and why; a call made with curl is
 * in the live view within a second; a relationship approved on the partner page allows, and
 * advancing the clock on the Act page past its end denies again. Screenshots of each page go to
 * packages/server/test-artifacts/console/.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildConsole } from '../../../../scripts/build-console.mjs';
import { CONSOLE_DIST } from '../../src/package-paths.js';
import { launchChromium } from '../helpers/browser.js';
import { DEMO, startTestServer, type TestServer } from '../helpers/test-server.js';

const ARTIFACTS = new URL('../../test-artifacts/console/', import.meta.url).pathname;
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const run = promisify(execFile);

const PAGES = [
  { name: 'browse', hash: '#/', ready: 'text=Contoso' },
  { name: 'partner', hash: `#/partners/${DEMO.fabrikam}`, ready: 'text=GDAP relationships' },
  { name: 'customer', hash: `#/customers/${DEMO.contoso}`, ready: 'text=1 Microsoft Way' },
  { name: 'why', hash: `#/why?principal=admin%40fabrikam.example&customer=${DEMO.tailspin}`, ready: '[data-testid=decision]' },
  // Ready once the calls made in before() are listed.
  { name: 'watch', hash: '#/watch', ready: 'text=/Live: [1-9]\\d* calls shown/' },
  { name: 'act', hash: '#/act', ready: '[data-testid=clock-now]' },
] as const;
/** Pages that keep a long poll open (the live view): the network is never idle there, by design. */
const LONG_POLLING: ReadonlySet<string> = new Set(['watch']);

/** Polls a selector's text until `wanted` holds (the page updates after its calls answer). */
async function waitForText(page: Page, selector: string, wanted: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const text = await page.locator(selector).first().innerText({ timeout: timeoutMs }).catch(() => '');
    if (wanted(text)) return text;
    if (performance.now() > until) throw new Error(`${selector} never showed what was waited for; last: ${text}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the web console in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let consoleUrl: string;

  before(async () => {
    if (!existsSync(join(CONSOLE_DIST, 'index.html'))) await buildConsole();
    server = await startTestServer(undefined, { emulator: 'true' });
    consoleUrl = `${server.url}/_pcapi/console/`;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    mkdirSync(ARTIFACTS, { recursive: true });
    // A few calls, so the live view has something to show: Contoso allowed, Tailspin denied.
    const token = await server.tokenFor(DEMO.fabrikamAutomation);
    for (const customer of [DEMO.contoso, DEMO.tailspin]) assert.ok([200, 403].includes((await server.getOrganization(customer, { token })).status));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** A page of the console, with its console errors and uncaught exceptions collected. */
  async function open(hash: string, on: BrowserContext = context): Promise<{ page: Page; errors: string[] }> {
    const page = await on.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(consoleUrl + hash);
    return { page, errors };
  }

  for (const { name, hash, ready } of PAGES) {
    test(`${name}: loads with no console error, a screenshot is written`, async () => {
      const { page, errors } = await open(hash);
      await page.waitForSelector(ready, { timeout: 10_000 });
      if (!LONG_POLLING.has(name)) await page.waitForLoadState('networkidle').catch(() => undefined);
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
      assert.deepEqual(errors, [], `console errors on ${name}`);
      assert.equal(await page.locator('.error').count(), 0, `no error shown on ${name}`);
      await page.close();
    });
  }

  test('axe-core finds no serious or critical violation on any page', async () => {
    // The page's policy allows only its own scripts; the scan's script is the test's.
    const scanning = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    try {
      for (const { name, hash, ready } of PAGES) {
        const { page } = await open(hash, scanning);
        await page.waitForSelector(ready, { timeout: 10_000 });
        await page.addScriptTag({ content: AXE_SOURCE });
        const violations = await page.evaluate(async () => {
          const result = await (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; help: string; nodes: unknown[] }[] }> } }).axe.run();
          return result.violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.length }));
        });
        const grave = violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
        assert.deepEqual(grave, [], `${name}: ${JSON.stringify(grave)}`);
        await page.close();
      }
    } finally {
      await scanning.close();
    }
  });

  test("the decision view shows Tailspin's denial and the check that failed", async () => {
    const { page, errors } = await open(`#/why?principal=admin%40fabrikam.example&customer=${DEMO.tailspin}`);
    const decision = page.locator('[data-testid=decision]');
    await decision.waitFor();
    const text = await decision.innerText();
    assert.match(text, /Denied/);
    assert.match(text, /403/);
    const failed = await page.locator('.checks li.failed').allInnerTexts();
    assert.ok(failed.length >= 1, 'a failed check is listed');
    assert.match(failed.join('\n'), /expired/i, `the failed check says the relationship expired: ${failed.join(' | ')}`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a call made with curl is in the live view within a second', async (t) => {
    const { page, errors } = await open('#/watch');
    await page.waitForSelector('text=Live:');
    const token = await server.tokenFor(DEMO.fabrikamAutomation);
    const { stdout } = await run('curl', ['-s', '-D', '-', '-o', '/dev/null', '-H', `Authorization: Bearer ${token}`, `${server.url}/v1/customers/${DEMO.tailspin}/organization`]);
    const answeredAt = performance.now();
    const requestId = /^ms-requestid:\s*(\S+)/im.exec(stdout)?.[1];
    assert.ok(requestId, `curl saw an MS-RequestId: ${stdout}`);
    await page.waitForSelector(`tr[data-request-id="${requestId}"]`, { timeout: 5_000 });
    const shownAfterMs = performance.now() - answeredAt;
    t.diagnostic(`shown ${shownAfterMs.toFixed(0)} ms after curl's answer`);
    assert.ok(shownAfterMs < 1000, `shown ${shownAfterMs.toFixed(0)} ms after curl's answer`);
    const row = await page.locator(`tr[data-request-id="${requestId}"]`).innerText();
    assert.match(row, /403/);
    assert.match(row, /expired/i, 'the failed check is in the row');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test("approving Relecloud's relationship allows its readers; advancing the clock past its end denies them again", async () => {
    const why = `#/why?principal=admin%40fabrikam.example&customer=${DEMO.relecloud}`;
    const { page, errors } = await open(why);
    await waitForText(page, '[data-testid=decision] h2', (text) => /Denied/.test(text));

    // The customer's approval, from the partner page (the same code as Graph's approve request).
    await page.goto(consoleUrl + `#/partners/${DEMO.fabrikam}`);
    const row = page.locator('tr', { hasText: 'Relecloud readers' });
    await row.locator('button', { hasText: 'Approve' }).click();
    await waitForText(page, 'tr:has-text("Relecloud readers") .badge', (text) => text === 'active');
    await page.goto(consoleUrl + why);
    await waitForText(page, '[data-testid=decision] h2', (text) => /Allowed/.test(text));

    // Its duration is 180 days, without auto-extension: 200 days on, it has expired.
    await page.goto(consoleUrl + '#/act');
    const before = await waitForText(page, '[data-testid=clock-now]', (text) => text.length > 0);
    await page.fill('input[name=by]', 'P200D');
    await page.click('button:has-text("Advance")');
    await waitForText(page, '[data-testid=clock-now]', (text) => text !== before);
    await page.goto(consoleUrl + why);
    await waitForText(page, '[data-testid=decision] h2', (text) => /Denied/.test(text));
    const failed = await page.locator('.checks li.failed').allInnerTexts();
    assert.match(failed.join('\n'), /expired/i, failed.join(' | '));
    await page.screenshot({ path: join(ARTIFACTS, 'why-after-clock.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
