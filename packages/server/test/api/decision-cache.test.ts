/**
 * A cached access decision ends when the granting relationship does, whatever the cache's TTL (the
 * server's clock, moved by the test). Changes by another process: decision-cache.integration.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseSeedText } from '../../src/seed/validate-seed.js';
import { importSeedDocument } from '../../src/seed/import-seed.js';
import { buildInjectApp } from '../helpers/inject-app.js';
import { DEMO } from '../helpers/test-server.js';

type Seed = { partners: { customers?: { tenantId: string; gdapRelationships?: Record<string, unknown>[] }[] }[] };
const demoText = readFileSync(new URL('../../seeds/demo.seed.json', import.meta.url), 'utf8');

function contosoRelationship(seed: Seed): Record<string, unknown> {
  return seed.partners[0]!.customers!.find((customer) => customer.tenantId === DEMO.contoso)!.gdapRelationships![0]!;
}

test('an allowed decision is not served past the end of the relationship that granted it', async (t) => {
  const pcapi = await buildInjectApp(t, { decisionCacheTtl: '3600' });
  const token = await pcapi.tokenFor(DEMO.fabrikamAutomation, { lifetimeSeconds: 86_400 });
  const seed = JSON.parse(demoText) as Seed;
  const end = pcapi.clock.now() + 1500;
  contosoRelationship(seed).endDateTime = new Date(end).toISOString();
  // Without auto-extend: the relationship ends there (with it, Global Reader would extend by 180 days).
  contosoRelationship(seed).autoExtendDuration = 'PT0S';
  await importSeedDocument(pcapi.store, parseSeedText(JSON.stringify(seed), 'ending.json'), 'ending.json', new Date(pcapi.clock.now()));
  assert.equal((await pcapi.getOrganization(DEMO.contoso, { token })).status, 200);
  pcapi.clock.set(end - 1);
  assert.equal((await pcapi.getOrganization(DEMO.contoso, { token })).status, 200, 'cached until the last millisecond');
  pcapi.clock.set(end);
  const denied = await pcapi.getOrganization(DEMO.contoso, { token });
  assert.equal(denied.status, 403);
  assert.match(await denied.text(), /expired on/);
});
