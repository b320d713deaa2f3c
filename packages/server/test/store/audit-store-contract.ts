/**
 * The audit trail's store contract, run against both stores by their backend test files: a batch
 * appended whole, every filter, paging both ways, pruning by time, and that the trail survives a
 * reset of the data and never notifies the caches.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditEvent, StoredAuditEvent } from '../../src/domain/audit.js';
import { AuditEventColumns } from '../../src/domain/audit-event-columns.js';
import { DEMO, demoStore, type OpenStore } from './store-contract.js';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');

type FlatEvent = Omit<StoredAuditEvent, 'id'>;

const flatOf = (stored: AuditEvent): FlatEvent => ({ at: stored.at, ...stored.subject, requestId: stored.requestId, correlationId: stored.correlationId });

function flat(overrides: Partial<FlatEvent> = {}): FlatEvent {
  return {
    at: T0, surface: 'partner-center', operation: 'GET organization', status: 200, outcome: 'allowed', code: null,
    partnerTenantId: DEMO.fabrikam, principalId: '0d7b4c1e-1111-4a4a-8b8b-000000000001', principalName: 'admin@fabrikam.example',
    principalKind: 'user', customerTenantId: DEMO.contoso, reasons: [], requestId: 'req-1', correlationId: 'corr-1', ...overrides,
  };
}

/** An event as stores take it: its subject apart (a new object each time, as a new trail would make). */
function event(overrides: Partial<FlatEvent> = {}): AuditEvent {
  const { at, requestId, correlationId, ...subject } = flat(overrides);
  return { at, requestId, correlationId, subject };
}

export function auditStoreContract(name: string, open: OpenStore): void {
  describe(`${name} store: audit trail`, () => {
    test('a batch is appended whole and read back newest first, with every field', async (t) => {
      const { store } = await demoStore(open, t);
      let changes = 0;
      store.onDataChanged(() => changes++);
      await store.hearingOthers();
      changes = 0;
      const denied = event({ at: T0 + 1, status: 403, outcome: 'denied', code: 'noRelationship', customerTenantId: DEMO.tailspin, reasons: ['passed: agent', 'failed: no relationship'], requestId: 'req-2', correlationId: null });
      await store.appendAudit(AuditEventColumns.of([event(), denied]));
      await store.appendAudit(AuditEventColumns.of([]));
      const stored = await store.auditEvents({ limit: 10 });
      assert.equal(stored.length, 2);
      assert.ok(stored[0]!.id > stored[1]!.id, 'ids grow with insertion');
      assert.deepEqual(stored.map(({ id: _id, ...rest }) => rest), [flatOf(denied), flat()]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(changes, 0, 'the trail changes nothing a cache depends on');
    });

    test('a large batch (rows written a hundred at a time) keeps its order, one subject shared by many events', async (t) => {
      const { store } = await demoStore(open, t);
      const shared = event().subject;
      const batch = Array.from({ length: 257 }, (_, index) => index % 3 === 0
        ? event({ requestId: `r${index}`, customerTenantId: DEMO.tailspin, status: 403, outcome: 'denied' })
        : { at: T0 + index, subject: shared, requestId: `r${index}`, correlationId: null });
      await store.appendAudit(AuditEventColumns.of(batch));
      const stored = await store.auditEvents({ limit: 1000 });
      assert.deepEqual(stored.map((found) => found.requestId), batch.map((found) => found.requestId).reverse());
      assert.equal(stored.filter((found) => found.customerTenantId === DEMO.tailspin).length, 86);
      assert.deepEqual(stored.at(-2)!, { id: stored.at(-2)!.id, at: T0 + 1, ...shared, requestId: 'r1', correlationId: null });
    });

    test('filters: partner, customer, principal by id or name, outcome, surface, time, request or correlation id', async (t) => {
      const { store } = await demoStore(open, t);
      await store.appendAudit(AuditEventColumns.of([
        event({ requestId: 'a' }),
        event({ at: T0 + 1000, requestId: 'b', correlationId: 'shared', customerTenantId: DEMO.tailspin, status: 403, outcome: 'denied' }),
        event({ at: T0 + 2000, requestId: 'c', partnerTenantId: DEMO.adatum, principalId: DEMO.adatumAutomation, principalName: 'Adatum Automation', principalKind: 'app', surface: 'identity', operation: 'token client_credentials' }),
      ]));
      const ids = async (query: Parameters<typeof store.auditEvents>[0]) => (await store.auditEvents(query)).map((found) => found.requestId);
      assert.deepEqual(await ids({ limit: 10, partnerTenantId: DEMO.fabrikam.toUpperCase() }), ['b', 'a']);
      assert.deepEqual(await ids({ limit: 10, customerTenantId: DEMO.tailspin }), ['b']);
      assert.deepEqual(await ids({ limit: 10, principal: 'ADMIN@fabrikam.example' }), ['b', 'a']);
      assert.deepEqual(await ids({ limit: 10, principal: DEMO.adatumAutomation }), ['c']);
      assert.deepEqual(await ids({ limit: 10, principal: 'adatum automation' }), ['c']);
      assert.deepEqual(await ids({ limit: 10, outcome: 'denied' }), ['b']);
      assert.deepEqual(await ids({ limit: 10, surface: 'identity' }), ['c']);
      assert.deepEqual(await ids({ limit: 10, from: T0 + 1000, to: T0 + 2000 }), ['b'], 'from inclusive, to exclusive');
      assert.deepEqual(await ids({ limit: 10, requestId: 'shared' }), ['b'], 'a correlation id finds its requests');
      assert.deepEqual(await ids({ limit: 10, requestId: 'c' }), ['c']);
      assert.deepEqual(await ids({ limit: 1 }), ['c']);
      const [newest] = await store.auditEvents({ limit: 1 });
      assert.deepEqual(await ids({ limit: 10, beforeId: newest!.id }), ['b', 'a'], 'paging back');
      assert.deepEqual(await ids({ limit: 10, afterId: newest!.id - 2 }), ['b', 'c'], 'following forward, oldest first');
    });

    test('pruning deletes what was recorded before the cut, whatever the order of insertion', async (t) => {
      const { store } = await demoStore(open, t);
      // The clock can move back under the emulator: times are not in id order.
      await store.appendAudit(AuditEventColumns.of([event({ at: T0 + 5000, requestId: 'late' }), event({ at: T0, requestId: 'early' }), event({ at: T0 + 10_000, requestId: 'latest' })]));
      assert.equal(await store.pruneAudit({ recordedBefore: T0 + 5000 }), 1);
      assert.deepEqual((await store.auditEvents({ limit: 10 })).map((found) => found.requestId), ['latest', 'late']);
      assert.equal(await store.pruneAudit({ recordedBefore: T0 }), 0);
    });

    test('pruning by count keeps the newest; compacting keeps every subject in use, and appends go on after it', async (t) => {
      const { store } = await demoStore(open, t);
      await store.appendAudit(AuditEventColumns.of(Array.from({ length: 10 }, (_, index) => event({ requestId: `r${index}`, customerTenantId: index < 5 ? DEMO.tailspin : DEMO.contoso }))));
      assert.equal(await store.pruneAudit({ keepNewest: 4 }), 6);
      assert.deepEqual((await store.auditEvents({ limit: 10 })).map((found) => found.requestId), ['r9', 'r8', 'r7', 'r6']);
      // The Tailspin subject is used by no event now: compacting removes it; appending it again recreates it.
      await store.pruneAudit({ compact: true });
      await store.appendAudit(AuditEventColumns.of([event({ requestId: 'again', customerTenantId: DEMO.tailspin }), event({ requestId: 'contoso' })]));
      assert.deepEqual((await store.auditEvents({ limit: 10, customerTenantId: DEMO.tailspin })).map((found) => found.requestId), ['again']);
      assert.deepEqual((await store.auditEvents({ limit: 2 })).map((found) => found.customerTenantId), [DEMO.contoso, DEMO.tailspin]);
    });

    test('a subject removed by another process while this one remembered its id is created again', async (t) => {
      const { store } = await demoStore(open, t);
      const other = await open(t);
      await other.init();
      await store.appendAudit(AuditEventColumns.of([event({ requestId: 'first' })]));
      await store.pruneAudit({ keepNewest: 0 });
      // The other store compacts: the subject `store` remembers is gone.
      await other.pruneAudit({ compact: true });
      await store.appendAudit(AuditEventColumns.of([event({ requestId: 'second' })]));
      const [stored] = await store.auditEvents({ limit: 10 });
      assert.equal(stored?.requestId, 'second');
      assert.equal(stored?.principalName, 'admin@fabrikam.example', 'joined to its subject');
    });

    test('a replacing import (the emulator\'s reset) keeps the trail', async (t) => {
      const { store, plan } = await demoStore(open, t);
      await store.appendAudit(AuditEventColumns.of([event()]));
      await store.importSeed(plan, { replace: true });
      assert.equal((await store.auditEvents({ limit: 10 })).length, 1);
    });
  });
}
