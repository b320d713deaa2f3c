/** OutageLog alone: two lines per outage whatever the number of failures, timed by the Clock. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { OutageLog, type OutageLogger } from '../../src/outage-log.js';

function recording() {
  const lines: Array<{ level: 'warn' | 'info'; fields: Record<string, unknown>; message: string }> = [];
  const logger: OutageLogger = {
    warn: (fields, message) => lines.push({ level: 'warn', fields: fields as Record<string, unknown>, message }),
    info: (fields, message) => lines.push({ level: 'info', fields: fields as Record<string, unknown>, message }),
  };
  return { logger, lines };
}

const words = {
  started: (error: unknown) => ({ fields: { err: (error as Error).message }, message: 'the thing is down' }),
  ended: (failedCalls: number) => ({ fields: { failedCalls }, message: `the thing is back; ${failedCalls} calls failed` }),
};

test('a thousand failures make one warning, and the end one line with their count and the duration', () => {
  const clock = new ManualClock(0);
  const { logger, lines } = recording();
  const outage = new OutageLog(logger, clock, words);
  for (let call = 0; call < 1000; call++) {
    outage.failed(new Error(`refused ${call}`), { fields: { requestId: `r${call}` } });
    clock.advance(9);
  }
  assert.equal(outage.active, true);
  outage.recovered();
  outage.recovered();
  assert.deepEqual(lines, [
    { level: 'warn', fields: { err: 'refused 0', requestId: 'r0' }, message: 'the thing is down' },
    { level: 'info', fields: { failedCalls: 1000, outageMs: 9000 }, message: 'the thing is back; 1000 calls failed' },
  ]);
  assert.equal(outage.active, false);
});

test('failures no caller saw (reconnection attempts) start an outage but are not counted; the next outage counts from zero', () => {
  const clock = new ManualClock(0);
  const { logger, lines } = recording();
  const outage = new OutageLog(logger, clock, words);
  outage.failed(new Error('connection closed'), { call: false });
  outage.failed(new Error('reconnect failed'), { call: false });
  outage.failed(new Error('command failed'));
  clock.advance(250);
  outage.recovered();
  outage.failed(new Error('again'));
  clock.advance(10);
  outage.recovered();
  assert.deepEqual(lines.map((line) => [line.level, line.fields.failedCalls ?? line.fields.err, line.fields.outageMs]), [
    ['warn', 'connection closed', undefined],
    ['info', 1, 250],
    ['warn', 'again', undefined],
    ['info', 1, 10],
  ]);
});

test('recovered() without an outage logs nothing', () => {
  const { logger, lines } = recording();
  new OutageLog(logger, new ManualClock(0), words).recovered();
  assert.deepEqual(lines, []);
});
