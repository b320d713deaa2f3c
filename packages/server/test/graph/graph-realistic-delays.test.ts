/**
 * With Partner Center-like delays (--gdap-delays realistic), every transition a Graph client sees
 * takes its time, and the Partner Center endpoint follows each step, as the clock moves (no sleep).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REALISTIC_DELAYS } from '../../src/domain/gdap-lifecycle.js';
import { buildInjectApp, DEMO } from '../helpers/inject-app.js';

const RELS = '/v1.0/tenantRelationships/delegatedAdminRelationships';
const GLOBAL_READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';
const SECOND = 1000;

test('realistic delays: approved → activating → active, pending → active assignment, then expiring → expired; Partner Center follows', async (t) => {
  const pcapi = await buildInjectApp(t, {}, { gdapDelays: REALISTIC_DELAYS });
  const app = (await pcapi.store.findAppByClientId(DEMO.fabrikam, DEMO.fabrikamAutomation))!;
  const { token } = await pcapi.issuer.mintAccessToken(app, { audience: 'https://graph.microsoft.com', roles: ['DelegatedAdminRelationship.ReadWrite.All'], lifetimeSeconds: 10 * 86_400 });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await pcapi.fetch(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return JSON.parse(await response.text()) as any;
  };
  const status = async (id: string) => (await call('GET', `${RELS}/${id}`)).status as string;
  const organization = async () => (await pcapi.getOrganization(DEMO.litware, { token: await pcapi.tokenFor(DEMO.fabrikamAutomation) })).status;

  const created = await call('POST', RELS, { displayName: 'Slow one', duration: 'P1D', customer: { tenantId: DEMO.litware }, accessDetails: { unifiedRoles: [{ roleDefinitionId: GLOBAL_READER }] } });
  await call('POST', `${RELS}/${created.id}/requests`, { action: 'lockForApproval' });
  // The customer's approval, written as a customer's token would write it.
  const [row] = await pcapi.store.gdapRelationships(DEMO.fabrikam, { id: created.id });
  await pcapi.store.writeGdap({ kind: 'updateRelationship', relationship: { ...row!, status: 'approved', statusSinceMs: pcapi.clock.now() }, expectedVersion: row!.version });

  assert.equal(await status(created.id), 'approved');
  pcapi.clock.advance(REALISTIC_DELAYS.approved);
  assert.equal(await status(created.id), 'activating');
  pcapi.clock.advance(REALISTIC_DELAYS.activating);
  const active = await call('GET', `${RELS}/${created.id}`);
  assert.equal(active.status, 'active');
  assert.equal(Date.parse(active.endDateTime) - Date.parse(active.activatedDateTime), 86_400_000, 'P1D from activation');

  const groupId = (await pcapi.store.directoryGroups(DEMO.fabrikam)).find((g) => g.displayName === 'GDAP Readers')!.groupId;
  const assignment = await call('POST', `${RELS}/${created.id}/accessAssignments`, {
    accessContainer: { accessContainerId: groupId, accessContainerType: 'securityGroup' }, accessDetails: { unifiedRoles: [{ roleDefinitionId: GLOBAL_READER }] },
  });
  assert.equal(assignment.status, 'pending');
  assert.equal(await organization(), 403, 'a pending assignment grants nothing yet');
  pcapi.clock.advance(REALISTIC_DELAYS.assignmentPending - SECOND);
  assert.equal(await organization(), 403, 'still pending a second before');
  pcapi.clock.advance(SECOND);
  assert.equal((await call('GET', `${RELS}/${created.id}/accessAssignments/${assignment.id}`)).status, 'active');
  assert.equal(await organization(), 200);

  pcapi.clock.set(Date.parse(active.endDateTime));
  assert.equal(await status(created.id), 'expiring');
  assert.equal(await organization(), 403, 'no access from the end date on');
  pcapi.clock.advance(REALISTIC_DELAYS.expiring);
  assert.equal(await status(created.id), 'expired');
});
