/**
 * The SQLite audit file's WAL is checkpointed by a worker thread, not by the serving thread: after
 * every tenth append the worker copies the WAL into the file; closing the store stops the worker.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditEventColumns } from '../../src/domain/audit-event-columns.js';
import type { AuditSubject } from '../../src/domain/audit.js';
import { openSqliteFileStore } from '../helpers/sqlite-file-store.js';

const subject: AuditSubject = {
  surface: 'partner-center', operation: 'GET organization', status: 200, outcome: 'allowed', code: null, partnerTenantId: null,
  principalId: null, principalName: null, principalKind: null, customerTenantId: null, reasons: [],
};

function batch(size: number, first: number): AuditEventColumns {
  const columns = new AuditEventColumns();
  for (let index = 0; index < size; index++) columns.push(first + index, subject, crypto.randomUUID(), null);
  return columns;
}

test('the worker checkpoints the audit WAL every tenth append; the writer only far later', async (t) => {
  const { store, dir } = await openSqliteFileStore(t);
  const checkpoints = store.auditCheckpoints!;
  assert.ok(checkpoints, 'a file store has a checkpointer');
  const last = () => checkpoints.last;

  for (let index = 0; index < 9; index++) await store.appendAudit(batch(500, index * 500));
  await sleep(200);
  assert.equal(last(), undefined, 'no checkpoint before the tenth append');
  await store.appendAudit(batch(500, 9 * 500));
  for (let waited = 0; last() === undefined && waited < 5000; waited += 20) await sleep(20);
  const result = last();
  assert.ok(result && 'log' in result, `a checkpoint result: ${JSON.stringify(result)}`);
  assert.ok(result.log > 10, `the WAL held the batches (${result.log} frames)`);
  assert.equal(result.checkpointed, result.log, 'all of it copied into the file');
  assert.ok(statSync(join(dir, 'pcapi.db-audit')).size > 10 * 500 * 86, 'the events are in the audit file itself');
  assert.equal((await store.auditEvents({ limit: 10_000 })).length, 5000, 'and readable');
});

test('closing the store stops the worker; a checkpoint asked for afterwards says so', async (t) => {
  const { store } = await openSqliteFileStore(t);
  const checkpoints = store.auditCheckpoints!;
  await store.appendAudit(batch(10, 0));
  const answer = await checkpoints.checkpoint();
  assert.ok('log' in answer && answer.checkpointed === answer.log, JSON.stringify(answer));
  await store.close();
  assert.deepEqual(await checkpoints.checkpoint(), { error: 'the checkpoint worker has stopped' });
});

test('a store that records nothing starts no thread, and closes at once', async (t) => {
  const { store } = await openSqliteFileStore(t);
  const checkpoints = store.auditCheckpoints!;
  assert.equal(checkpoints.workerStarted, false, 'opening the store starts no worker');
  await store.auditEvents({ limit: 10 });
  assert.equal(checkpoints.workerStarted, false, 'nor does reading the trail');
  await store.appendAudit(batch(10, 0));
  assert.equal(checkpoints.workerStarted, true, 'the first append does');
  await store.close();
  const idle = await openSqliteFileStore(t);
  await idle.store.close();
  assert.equal(idle.store.auditCheckpoints!.workerStarted, false);
  assert.deepEqual(await idle.store.auditCheckpoints!.checkpoint(), { error: 'the checkpoint worker has stopped' }, 'closed: no worker is started afterwards');
});
