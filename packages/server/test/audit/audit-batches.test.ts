/** The audit trail's batch format and pruning plan, as pure functions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packColumns, packEvents, planPruning, trimEvents, unpackEvents, type PackedEvent, type PackScratch } from '../../src/store/audit-batches.js';
import { AuditEventColumns, ID_SLOT_BYTES } from '../../src/domain/audit-event-columns.js';
import type { AuditSubject } from '../../src/domain/audit.js';

const guid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

test('events pack and unpack as they were, odd ids included', () => {
  const events: PackedEvent[] = [
    { at: 1_700_000_000_123, subjectId: 7, index: 0, requestId: guid(1), correlationId: guid(2) },
    { at: 1_700_000_000_124, subjectId: 4_000_000_000, index: 1, requestId: guid(3), correlationId: null },
    { at: -5, subjectId: 7, index: 2, requestId: 'req-short', correlationId: 'ünïcode-correlation' },
    { at: 1_700_000_000_125, subjectId: 9, index: 65_535, requestId: guid(4), correlationId: `${guid(5).slice(0, 35)}é` },
  ];
  const batch = packEvents(events);
  assert.equal(batch.count, 4);
  assert.equal(batch.minAt, -5);
  assert.equal(batch.maxAt, 1_700_000_000_125);
  assert.deepEqual(JSON.parse(batch.subjectIds).sort(), [4_000_000_000, 7, 9].sort());
  assert.ok(batch.oddIds, 'ids that are not 36 ASCII characters are kept aside');
  assert.deepEqual(unpackEvents(batch), events);
});

test('pruning plan: whole batches by age or beyond the count, the edge batch trimmed', () => {
  const meta = [
    { id: 1, minAt: 100, maxAt: 199, count: 10 },
    { id: 2, minAt: 200, maxAt: 299, count: 10 },
    { id: 3, minAt: 300, maxAt: 399, count: 10 },
  ];
  assert.deepEqual(planPruning(meta, { recordedBefore: 200 }), { deleteIds: [1], trims: [] });
  assert.deepEqual(planPruning(meta, { recordedBefore: 250 }), { deleteIds: [1], trims: [{ id: 2, from: 250, keep: 10 }] });
  assert.deepEqual(planPruning(meta, { keepNewest: 15 }), { deleteIds: [1], trims: [{ id: 2, from: undefined, keep: 5 }] });
  assert.deepEqual(planPruning(meta, { keepNewest: 30 }), { deleteIds: [], trims: [] });
  // Whole batches only (the trail's pruning at every flush): the batch holding the limit is kept whole.
  assert.deepEqual(planPruning(meta, { keepNewest: 15, wholeBatches: true }), { deleteIds: [1], trims: [] });
  assert.deepEqual(planPruning(meta, { keepNewest: 20, wholeBatches: true }), { deleteIds: [1], trims: [] });
  assert.deepEqual(planPruning(meta, { keepNewest: 0, wholeBatches: true }), { deleteIds: [3, 2, 1], trims: [] });
  assert.deepEqual(planPruning(meta, { recordedBefore: 250, keepNewest: 15, wholeBatches: true }), { deleteIds: [1], trims: [{ id: 2, from: 250, keep: 5 }] }, 'an age cut still trims');
  assert.deepEqual(planPruning(meta, { keepNewest: 0 }), { deleteIds: [3, 2, 1], trims: [] });
  // The clock moved back: a newer batch holds older times.
  assert.deepEqual(planPruning([...meta, { id: 4, minAt: 50, maxAt: 450, count: 2 }], { recordedBefore: 200 }).trims, [{ id: 4, from: 200, keep: 2 }]);
});

test('trimming keeps the newest young events with their indexes (ids stay the same)', () => {
  const events = [5, 1, 9, 7].map((at, index) => ({ at, subjectId: 1, index, requestId: guid(index), correlationId: null }));
  const kept = trimEvents(packEvents(events), { from: 5, keep: 2 });
  assert.deepEqual(kept.map((event) => [event.at, event.index]), [[9, 2], [7, 3]]);
});

test('columns reused after a flush, and packing memory reused between batches, carry nothing of earlier events', () => {
  const subject = { surface: 'partner-center', operation: 'GET organization', status: 200, outcome: 'allowed', code: null, partnerTenantId: null, principalId: null, principalName: null, principalKind: null, customerTenantId: null, reasons: [] } as AuditSubject;
  const columns = new AuditEventColumns(16);
  columns.push(1, subject, guid(1), guid(2));
  columns.push(2, subject, guid(3), 'an odd correlation id');
  const scratch: PackScratch = { memory: new ArrayBuffer(0) };
  const first = packColumns(columns, 0, columns.length, () => 7, scratch);
  assert.deepEqual(unpackEvents(first).map((event) => [event.at, event.requestId, event.correlationId]), [[1, guid(1), guid(2)], [2, guid(3), 'an odd correlation id']]);
  const firstBytes = Buffer.from(first.events);

  columns.clear();
  assert.equal(columns.length, 0);
  columns.push(3, subject, guid(4), null);
  assert.ok(columns.ids.subarray(ID_SLOT_BYTES / 2 + 1, ID_SLOT_BYTES).every((byte) => byte === 0), 'the slot of the earlier correlation id is zeroed');
  const second = packColumns(columns, 0, columns.length, () => 9, scratch);
  assert.equal(second.events.buffer, first.events.buffer, 'the same memory');
  assert.deepEqual(unpackEvents(second), [{ at: 3, subjectId: 9, index: 0, requestId: guid(4), correlationId: null }]);
  assert.equal(second.oddIds, null, 'the earlier odd ids are gone');
  assert.ok(second.events.subarray(14 + ID_SLOT_BYTES / 2 + 1).every((byte) => byte === 0), 'no byte of the earlier batch');
  assert.notDeepEqual(firstBytes, Buffer.from(second.events));
});
