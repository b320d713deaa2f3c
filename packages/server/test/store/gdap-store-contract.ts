/**
 * The Graph surface's store contract (GDAP writes, directory reads, emulator settings, replacing
 * imports), run against both stores by their backend test files. Rows only: the rules are tested
 * in domain/gdap-lifecycle.test.ts and the Graph surface's tests.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENTRA_ROLES } from '@pcapi/contracts';
import type { StoredAssignment, StoredGroup, StoredRelationship } from '../../src/store/gdap-rows.js';
import { DEMO, demoDocument, demoStore, planFor, type OpenStore } from './store-contract.js';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const GLOBAL_READER = ENTRA_ROLES['Global Reader']!;
const RELATIONSHIP_ID = '7d5a3f0e-1111-4c2b-9d6e-000000000001-2c01706f-53f9-43ed-a5e3-50fe9b93e511';

function newRelationship(overrides: Partial<StoredRelationship> = {}): StoredRelationship {
  return {
    id: RELATIONSHIP_ID, partnerTenantId: DEMO.fabrikam, customerTenantId: DEMO.litware, customerDisplayName: 'Litware',
    displayName: 'Graph-made', status: 'created', statusSinceMs: T0, roleIds: [GLOBAL_READER], duration: 'P730D', autoExtendDuration: 'PT0S',
    createdMs: T0, lastModifiedMs: T0, activatedMs: null, endMs: null, version: 1, ...overrides,
  };
}

export function gdapStoreContract(name: string, open: OpenStore): void {
  describe(`${name} store: Graph surface rows`, () => {
    test('a relationship is inserted once, linking its customer to the partner; the listeners hear it', async (t) => {
      const { store } = await demoStore(open, t);
      let changes = 0;
      store.onDataChanged(() => changes++);
      await store.hearingOthers();
      changes = 0;
      assert.equal(await store.writeGdap({ kind: 'insertRelationship', relationship: newRelationship() }), 'ok');
      assert.ok(changes >= 1, 'told at once');
      // PostgreSQL also delivers its own NOTIFY back to this process a moment later.
      await new Promise((resolve) => setTimeout(resolve, 300));
      changes = 0;
      const [stored] = await store.gdapRelationships(DEMO.fabrikam, { id: RELATIONSHIP_ID });
      assert.deepEqual(stored, { ...newRelationship(), customerDisplayName: stored!.customerDisplayName });
      assert.ok(stored!.customerDisplayName.length > 0, 'the partner-customer link has a name');
      assert.equal(await store.writeGdap({ kind: 'insertRelationship', relationship: newRelationship({ displayName: 'again' }) }), 'exists');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(changes, 0, 'a write that did not apply tells nobody');
      assert.equal((await store.gdapRelationships(DEMO.fabrikam, { id: RELATIONSHIP_ID }))[0]!.displayName, 'Graph-made');
      assert.deepEqual(await store.gdapRelationships(DEMO.adatum, { id: RELATIONSHIP_ID }), [], 'another partner does not see it');
      // Narrowed in the store by customer: Litware's only (the demo's Fabrikam has none there).
      assert.deepEqual((await store.gdapRelationships(DEMO.fabrikam, { customerTenantId: DEMO.litware.toUpperCase() })).map((r) => r.id), [RELATIONSHIP_ID]);
      assert.deepEqual(await store.gdapRelationships(DEMO.fabrikam, { id: RELATIONSHIP_ID, customerTenantId: DEMO.contoso }), []);
    });

    test('updates apply at the version read, with their request, and never over a newer write', async (t) => {
      const { store } = await demoStore(open, t);
      await store.writeGdap({ kind: 'insertRelationship', relationship: newRelationship() });
      const locked = newRelationship({ status: 'approvalPending', statusSinceMs: T0 + 1000, lastModifiedMs: T0 + 1000 });
      const request = { id: 'a1b2c3d4-0000-4000-8000-000000000001', relationshipId: RELATIONSHIP_ID, action: 'lockForApproval' as const, status: 'succeeded' as const, createdMs: T0 + 1000, lastModifiedMs: T0 + 1000 };
      assert.equal(await store.writeGdap({ kind: 'updateRelationship', relationship: locked, expectedVersion: 1, request }), 'ok');
      const [after] = await store.gdapRelationships(DEMO.fabrikam, { id: RELATIONSHIP_ID });
      assert.equal(after!.version, 2);
      assert.equal(after!.status, 'approvalPending');
      assert.equal(after!.statusSinceMs, T0 + 1000);
      assert.deepEqual(await store.relationshipRequests(RELATIONSHIP_ID), [request]);

      assert.equal(await store.writeGdap({ kind: 'updateRelationship', relationship: newRelationship({ displayName: 'stale' }), expectedVersion: 1 }), 'stale');
      assert.equal((await store.gdapRelationships(DEMO.fabrikam, { id: RELATIONSHIP_ID }))[0]!.displayName, 'Graph-made');
      assert.equal(await store.writeGdap({ kind: 'updateRelationship', relationship: newRelationship({ id: 'nope' }), expectedVersion: 1 }), 'missing');
      assert.equal(await store.writeGdap({ kind: 'updateRelationship', relationship: newRelationship({ partnerTenantId: DEMO.adatum }), expectedVersion: 2 }), 'missing', 'another partner cannot update it');
    });

    test('a delete applies at the version read and takes the requests with it', async (t) => {
      const { store } = await demoStore(open, t);
      await store.writeGdap({ kind: 'insertRelationship', relationship: newRelationship() });
      const request = { id: 'a1b2c3d4-0000-4000-8000-000000000002', relationshipId: RELATIONSHIP_ID, action: 'lockForApproval' as const, status: 'succeeded' as const, createdMs: T0, lastModifiedMs: T0 };
      await store.writeGdap({ kind: 'updateRelationship', relationship: newRelationship(), expectedVersion: 1, request });
      assert.equal(await store.writeGdap({ kind: 'deleteRelationship', partnerTenantId: DEMO.fabrikam, id: RELATIONSHIP_ID, expectedVersion: 1 }), 'stale');
      assert.equal(await store.writeGdap({ kind: 'deleteRelationship', partnerTenantId: DEMO.adatum, id: RELATIONSHIP_ID, expectedVersion: 2 }), 'missing');
      assert.equal(await store.writeGdap({ kind: 'deleteRelationship', partnerTenantId: DEMO.fabrikam, id: RELATIONSHIP_ID, expectedVersion: 2 }), 'ok');
      assert.deepEqual(await store.gdapRelationships(DEMO.fabrikam, { id: RELATIONSHIP_ID }), []);
      assert.deepEqual(await store.relationshipRequests(RELATIONSHIP_ID), []);
    });

    test('groups, members and access assignments; a write naming a missing row changes nothing', async (t) => {
      const { store } = await demoStore(open, t);
      await store.writeGdap({ kind: 'insertRelationship', relationship: newRelationship({ status: 'active', activatedMs: T0, endMs: T0 + 730 * 86_400_000 }) });
      const group: StoredGroup = { groupId: '0e6c1b7a-2222-4a3b-8c9d-000000000001', tenantId: DEMO.fabrikam, displayName: 'GDAP Graph Readers', description: 'made through Graph', mailNickname: 'gdapgraphreaders', agentRole: null, createdMs: T0 };
      assert.equal(await store.writeGdap({ kind: 'insertGroup', group }), 'ok');
      assert.equal(await store.writeGdap({ kind: 'insertGroup', group }), 'exists');
      assert.deepEqual((await store.directoryGroups(DEMO.fabrikam)).find((g) => g.groupId === group.groupId), group);
      const member = { groupId: group.groupId, memberId: DEMO.fabrikamAutomation, kind: 'app' as const };
      assert.equal(await store.writeGdap({ kind: 'addGroupMember', member }), 'ok');
      assert.equal(await store.writeGdap({ kind: 'addGroupMember', member }), 'exists');
      assert.equal(await store.writeGdap({ kind: 'addGroupMember', member: { ...member, groupId: 'ffffffff-0000-4000-8000-000000000000' } }), 'missing');
      assert.deepEqual(await store.groupMembers(group.groupId), [member]);

      const assignment: StoredAssignment = { id: 'c0ffee00-0000-4000-8000-000000000001', relationshipId: RELATIONSHIP_ID, groupId: group.groupId, status: 'pending', statusSinceMs: T0, roleIds: [GLOBAL_READER], createdMs: T0, lastModifiedMs: T0, version: 1 };
      assert.equal(await store.writeGdap({ kind: 'insertAssignment', assignment }), 'ok');
      assert.equal(await store.writeGdap({ kind: 'insertAssignment', assignment: { ...assignment, id: 'c0ffee00-0000-4000-8000-000000000002', groupId: 'ffffffff-0000-4000-8000-000000000000' } }), 'missing');
      assert.equal(await store.writeGdap({ kind: 'updateAssignment', assignment: { ...assignment, status: 'deleting' }, expectedVersion: 1 }), 'ok');
      assert.equal(await store.writeGdap({ kind: 'updateAssignment', assignment: { ...assignment, status: 'active' }, expectedVersion: 1 }), 'stale');
      assert.deepEqual(await store.accessAssignments(RELATIONSHIP_ID), [{ ...assignment, status: 'deleting', version: 2 }]);

      assert.equal(await store.writeGdap({ kind: 'removeGroupMember', groupId: group.groupId, memberId: DEMO.fabrikamAutomation }), 'ok');
      assert.equal(await store.writeGdap({ kind: 'removeGroupMember', groupId: group.groupId, memberId: DEMO.fabrikamAutomation }), 'missing');
      assert.ok((await store.directoryPrincipals(DEMO.fabrikam)).some((p) => p.clientId === DEMO.fabrikamAutomation && p.kind === 'app'));
    });

    test('emulator settings are shared JSON values', async (t) => {
      const { store } = await demoStore(open, t);
      assert.equal(await store.emulatorSetting('clock'), undefined);
      await store.writeGdap({ kind: 'setEmulatorSetting', name: 'clock', value: { offsetMs: 5000, frozenAtMs: null } });
      assert.deepEqual(await store.emulatorSetting('clock'), { offsetMs: 5000, frozenAtMs: null });
    });

    test('an import with replace makes the store its seed again, in one transaction', async (t) => {
      const { store } = await demoStore(open, t);
      await store.writeGdap({ kind: 'insertRelationship', relationship: newRelationship() });
      await store.writeGdap({ kind: 'setEmulatorSetting', name: 'clock', value: { offsetMs: 1, frozenAtMs: null } });
      const before = await store.gdapRelationships(DEMO.fabrikam);
      const summary = await store.importSeed(await planFor(store, demoDocument()), { replace: true });
      assert.ok(summary.inserted > 0, 'the rows were written again');
      const after = await store.gdapRelationships(DEMO.fabrikam);
      assert.equal(after.length, before.length - 1, 'the Graph-made relationship is gone');
      assert.ok(!after.some((r) => r.id === RELATIONSHIP_ID));
      assert.deepEqual(await store.emulatorSetting('clock'), { offsetMs: 1, frozenAtMs: null }, 'emulator settings stay');
    });

    test('a seed that changes a relationship gives it a new version', async (t) => {
      const { store } = await demoStore(open, t);
      const [first] = await store.gdapRelationships(DEMO.fabrikam);
      const document = demoDocument();
      const relationship = document.partners!.flatMap((p) => p.customers ?? []).flatMap((c) => c.gdapRelationships ?? []).find((r) => r.displayName === first!.displayName)!;
      relationship.duration = relationship.duration === 'P365D' ? 'P730D' : 'P365D';
      await store.importSeed(await planFor(store, document));
      const [changed] = await store.gdapRelationships(DEMO.fabrikam, { id: first!.id });
      assert.equal(changed!.duration, relationship.duration);
      assert.equal(changed!.version, first!.version + 1);
      assert.equal(changed!.statusSinceMs, null);
    });
  });
}
