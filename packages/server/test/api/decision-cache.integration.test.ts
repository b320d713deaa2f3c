/**
 * Cached access decisions never outlive the data they came from: an import by another connection
 * (another process) is seen within the SQLite poll interval (real time: that is the mechanism under
 * test, against a real listening server and a SQLite file).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseSeedText } from '../../src/seed/validate-seed.js';
import { importSeedDocument } from '../../src/seed/import-seed.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { DEMO, startTestServer } from '../helpers/test-server.js';

type Seed = { partners: { customers?: { tenantId: string; gdapRelationships?: Record<string, unknown>[] }[] }[] };
const demoText = readFileSync(new URL('../../seeds/demo.seed.json', import.meta.url), 'utf8');

function contosoRelationship(seed: Seed): Record<string, unknown> {
  return seed.partners[0]!.customers!.find((customer) => customer.tenantId === DEMO.contoso)!.gdapRelationships![0]!;
}

async function statusOf(pcapi: Awaited<ReturnType<typeof startTestServer>>, token: string): Promise<number> {
  const response = await pcapi.getOrganization(DEMO.contoso, { token });
  await response.arrayBuffer();
  return response.status;
}

test('an import by another connection clears the cached decision within the poll interval', async (t) => {
  const pcapi = await startTestServer(t, { decisionCacheTtl: '3600' });
  const token = await pcapi.tokenFor(DEMO.fabrikamAutomation);
  assert.equal(await statusOf(pcapi, token), 200);
  assert.equal(await statusOf(pcapi, token), 200, 'now served from the cache');

  const seed = JSON.parse(demoText) as Seed;
  contosoRelationship(seed).status = 'terminated';
  const other = new SqliteStore(join(pcapi.dataDir, 'pcapi.db'));
  await other.init();
  t.after(() => other.close());
  await importSeedDocument(other, parseSeedText(JSON.stringify(seed), 'terminate.json'), 'terminate.json');

  const started = Date.now();
  let status = 200;
  while (status === 200 && Date.now() - started < 2000) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    status = await statusOf(pcapi, token);
  }
  assert.equal(status, 403);
  assert.ok(Date.now() - started < 500, `seen after ${Date.now() - started} ms`);
});
