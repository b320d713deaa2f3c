/**
 * Dates and instants typed by users (--clock-start, explain --at, audit --from/--to, the emulator's
 * clock): read strictly, every place alike. Date.parse alone rolled 2027-02-30 over to 2 March.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveServeConfig } from '../../src/config.js';
import { parseAuditQuery } from '../../src/domain/audit-query.js';
import { parseIsoInstant } from '../../src/domain/iso-instant.js';

test('dates and instants that exist are read; a date alone is midnight UTC', () => {
  assert.equal(parseIsoInstant('2027-01-01'), Date.UTC(2027, 0, 1));
  assert.equal(parseIsoInstant('2028-02-29'), Date.UTC(2028, 1, 29));
  assert.equal(parseIsoInstant('2027-01-01T09:30Z'), Date.UTC(2027, 0, 1, 9, 30));
  assert.equal(parseIsoInstant('2027-01-01T09:30:15.5+02:00'), Date.UTC(2027, 0, 1, 7, 30, 15, 500));
});

test('dates that do not exist, times without an offset and other text are refused', () => {
  for (const text of ['2027-02-30', '2027-02-29', '2027-13-01', '2027-04-31', '2027-01-01T24:00Z', '2027-01-01T10:60Z', '2027-01-01T10:00:60Z',
    '2027-01-01T10:00:00', '2027-01-01T10:00+25:00', 'tomorrow', '', '2027-1-1']) {
    assert.ok(Number.isNaN(parseIsoInstant(text)), text);
  }
  assert.ok(Number.isNaN(parseIsoInstant('2027-01-01', { instantOnly: true })), 'instantOnly wants a time and offset');
});

test('--clock-start and audit --from/--to use the same reading', () => {
  assert.throws(() => resolveServeConfig({ clockStart: '2027-02-30' }), /--clock-start[\s\S]*"2027-02-30" is not an ISO 8601 date or instant with its offset that exists/);
  const query = parseAuditQuery({ from: '2027-02-31', to: '2027-01-01T00:00:00' });
  assert.ok('problems' in query);
  assert.equal(query.problems.length, 2);
});

test('audit filters: partner and customer are tenant ids, so a domain is a problem, not an empty listing', () => {
  const query = parseAuditQuery({ partner: 'fabrikam.example', customer: 'not-a-guid' });
  assert.ok('problems' in query);
  assert.deepEqual(query.problems, ['partner: a tenant id (GUID), not "fabrikam.example"', 'customer: a tenant id (GUID), not "not-a-guid"']);
});
