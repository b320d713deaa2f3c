/**
 * The time claims, checked against the server's clock (moved by the test): iat in the future beyond
 * the clock tolerance is refused (jose alone checks iat only with a maximum age), and a missing nbf or
 * iat is reported as missing, not as "in the future".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildInjectApp, DEMO } from '../helpers/inject-app.js';

const TOLERANCE_SECONDS = 60;

async function refusal(pcapi: Awaited<ReturnType<typeof buildInjectApp>>, token: string): Promise<string> {
  const response = await pcapi.getOrganization(DEMO.contoso, { token });
  const text = await response.text();
  assert.equal(response.status, 401, text);
  return (JSON.parse(text) as { data: string[] }).data.join(' ');
}

test('iat in the future beyond the clock tolerance is refused; within it, accepted', async (t) => {
  const pcapi = await buildInjectApp(t, { clockTolerance: String(TOLERANCE_SECONDS) });
  const now = Math.floor(pcapi.clock.now() / 1000);
  const issuedAt = (iat: number) => pcapi.tokenFor(DEMO.fabrikamAutomation, { overrides: { iat, nbf: now - 10, exp: now + 3600 } });

  assert.match(await refusal(pcapi, await issuedAt(now + TOLERANCE_SECONDS + 1)), /issued in the future \(iat /);
  assert.match(await refusal(pcapi, await issuedAt(now + 86_400)), /issued in the future/);
  assert.equal((await pcapi.getOrganization(DEMO.contoso, { token: await issuedAt(now + TOLERANCE_SECONDS) })).status, 200, 'at the edge of the tolerance');
  assert.equal((await pcapi.getOrganization(DEMO.contoso, { token: await issuedAt(now - 5) })).status, 200);
});

test('a missing nbf or iat is reported as missing', async (t) => {
  const pcapi = await buildInjectApp(t);
  for (const claim of ['nbf', 'iat', 'exp']) {
    const data = await refusal(pcapi, await pcapi.tokenFor(DEMO.fabrikamAutomation, { overrides: { [claim]: null } }));
    assert.match(data, new RegExp(`the token has no ${claim} claim`));
    assert.doesNotMatch(data, /future|not valid yet/);
  }
});

test('iat that is not a number is refused as such', async (t) => {
  const pcapi = await buildInjectApp(t);
  assert.match(await refusal(pcapi, await pcapi.tokenFor(DEMO.fabrikamAutomation, { overrides: { iat: 'yesterday' } })), /iat/);
});
