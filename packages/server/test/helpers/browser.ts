/**
 * Debian's Chromium driven by playwright-core (no browser download is possible here), and what a
 * user does on pcapi's sign-in pages.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium is needed at ${CHROMIUM_PATH} (Debian: apt-get install chromium; .ci/run installs it)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
}

/**
 * Signs in on the page it is on: name and password, then approve the MFA prompt and accept consent
 * when they are shown. Returns the pages seen: password, mfa, consent.
 */
export async function signInAsUser(page: Page, username: string, password = 'pcapi-demo'): Promise<string[]> {
  const seen = ['password'];
  await page.waitForSelector('#login');
  await page.fill('#login', username);
  await page.fill('#passwd', password);
  await Promise.all([page.waitForLoadState(), page.click('#next')]);
  for (const [selector, name] of [['#approve', 'mfa'], ['#accept', 'consent']] as const) {
    if (await page.locator(selector).count()) {
      seen.push(name);
      await Promise.all([page.waitForLoadState(), page.click(selector)]);
    }
  }
  return seen;
}

/** Types a device-login code on /devicelogin, then signs in. */
export async function enterDeviceCode(page: Page, verificationUri: string, userCode: string, username: string): Promise<string[]> {
  await page.goto(verificationUri);
  await page.fill('#otc', userCode);
  await Promise.all([page.waitForLoadState(), page.click('#next')]);
  return signInAsUser(page, username);
}
