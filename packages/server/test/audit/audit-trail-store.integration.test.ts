/**
 * The AuditTrail service against real stores: events held in memory while PostgreSQL is cut off (one
 * warning, one line when it takes them again) and none lost; the count cap applied as flushes go by.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import type { AuditRecord } from '../../src/services/audit-trail.js';
import { AuditTrail } from '../../src/services/audit-trail.js';
import { openStore } from '../../src/store/open-store.js';
import { createTestDatabase, databaseUrl, PostgresProxy } from '../helpers/postgres.js';

const record = (requestId: string): AuditRecord => ({
  surface: 'partner-center', operation: 'GET organization', status: 200, code: null, partnerTenantId: null, principalId: null,
  principalName: null, principalKind: null, customerTenantId: null, reasons: [], requestId, correlationId: null,
});

function logLines() {
  const lines: { level: string; message: string; details: Record<string, unknown> }[] = [];
  return {
    lines,
    log: {
      warn: (details: object, message: string) => lines.push({ level: 'warn', message, details: details as Record<string, unknown> }),
      info: (details: object, message: string) => lines.push({ level: 'info', message, details: details as Record<string, unknown> }),
    },
  };
}

test('PostgreSQL cut off: events are held, one warning, then all written when it answers again', async (t) => {
  const database = await createTestDatabase(t);
  const proxy = new PostgresProxy();
  await proxy.start();
  t.after(() => proxy.cut());
  const store = await openStore({ kind: 'postgres', url: databaseUrl(database.name, proxy.port) });
  t.after(() => store.close());
  const clock = new ManualClock(Date.parse('2026-06-01T00:00:00Z'));
  const { lines, log } = logLines();
  const trail = new AuditTrail({ store, clock, retentionDays: 30, flushIntervalMs: 3_600_000, log });
  t.after(() => trail.close());

  trail.record(record('before'));
  await trail.flush();
  await proxy.cut();
  for (const id of ['during-1', 'during-2', 'during-3']) {
    trail.record(record(id));
    await trail.flush();
  }
  assert.deepEqual(lines.map((line) => line.level), ['warn'], 'one warning for the whole outage');
  await proxy.restore();
  trail.record(record('after'));
  await trail.flush();
  assert.deepEqual(lines.map((line) => line.level), ['warn', 'info']);
  assert.match(lines[1]!.message, /takes events again/);
  assert.equal(lines[1]!.details.dropped, 0);
  const stored = await store.auditEvents({ limit: 10 });
  assert.deepEqual(stored.map((event) => event.requestId), ['after', 'during-3', 'during-2', 'during-1', 'before'], 'none lost, in order');
});

test('the count cap: about the newest N are kept as flushes go by (SQLite file)', async (t) => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-audit-cap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = await openStore({ kind: 'sqlite', file: join(dir, 'pcapi.db') });
  t.after(() => store.close());
  const trail = new AuditTrail({ store, clock: new ManualClock(0), retentionDays: 1, maxEvents: 20, flushIntervalMs: 3_600_000, log: logLines().log });
  t.after(() => trail.close());
  for (let flush = 0; flush < 60; flush++) {
    trail.record(record(`r${flush}`));
    await trail.flush();
  }
  const kept = await store.auditEvents({ limit: 1000 });
  assert.ok(kept.length <= 20 + 50, `at most the cap plus what came since the last check: ${kept.length}`);
  assert.ok(kept.length < 60, 'older events went');
  assert.equal(kept[0]!.requestId, 'r59', 'the newest stays');
});
