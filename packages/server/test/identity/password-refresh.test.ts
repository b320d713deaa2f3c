/**
 * The password grant's refresh token (inject()): it renews Partner Center tokens without a consent,
 * as the grant itself does, and keeps doing so after it was used for another resource (which needs
 * its own consent), since MSAL keeps only the newest refresh token.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEMO_SEED_FILE, importSeedDocument } from '../../src/seed/import-seed.js';
import { parseSeedText } from '../../src/seed/validate-seed.js';
import { buildInjectApp, DEMO } from '../helpers/inject-app.js';

const PC = 'https://api.partnercenter.microsoft.com';
const GRAPH_USER_READ = 'https://graph.microsoft.com/User.Read';

test("a refresh for Graph (consented) hands on a refresh token that still renews Partner Center without a consent", async (t) => {
  const pcapi = await buildInjectApp(t);
  // The admin consents to Graph's User.Read for Fabrikam Automation; nobody to Partner Center.
  const seed = JSON.parse(readFileSync(DEMO_SEED_FILE, 'utf8'));
  const fabrikam = seed.partners.find((p: { tenantId: string }) => p.tenantId === DEMO.fabrikam);
  fabrikam.consents = [{ clientId: DEMO.fabrikamAutomation, user: 'admin@fabrikam.example', scopes: [GRAPH_USER_READ] }];
  await importSeedDocument(pcapi.store, parseSeedText(JSON.stringify(seed), 'consent.json'), 'consent.json');

  const token = async (form: Record<string, string>) => {
    const response = await pcapi.fetch(`/${DEMO.fabrikam}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret, ...form }) });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };
  const first = await token({ grant_type: 'password', username: 'admin@fabrikam.example', password: DEMO.secret, scope: `${PC}/user_impersonation offline_access` });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const graph = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token!, scope: `${GRAPH_USER_READ} offline_access` });
  assert.equal(graph.status, 200, JSON.stringify(graph.body));
  const partnerCenter = await token({ grant_type: 'refresh_token', refresh_token: graph.body.refresh_token!, scope: `${PC}/.default offline_access` });
  assert.equal(partnerCenter.status, 200, JSON.stringify(partnerCenter.body));
  assert.equal((await pcapi.getOrganization(DEMO.contoso, { token: partnerCenter.body.access_token! })).status, 200);
});
