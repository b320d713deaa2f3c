import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addIsoDuration, isoDurationDays, resolveSeedDate } from '../../src/seed/relative-date.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const DAY = 86_400_000;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();

describe('resolveSeedDate', () => {
  test('"now" is the import time, in any case and with surrounding spaces', () => {
    assert.equal(resolveSeedDate('now', NOW), '2026-03-01T12:00:00.000Z');
    assert.equal(resolveSeedDate('  NOW ', NOW), '2026-03-01T12:00:00.000Z');
  });

  test('"in N days" is in the future', () => {
    assert.equal(resolveSeedDate('in 300 days', NOW), at(300 * DAY));
    assert.equal(resolveSeedDate('in 1 day', NOW), at(DAY));
  });

  test('"N days ago" is in the past', () => {
    assert.equal(resolveSeedDate('10 days ago', NOW), at(-10 * DAY));
    assert.equal(resolveSeedDate('10 days ago', NOW), '2026-02-19T12:00:00.000Z');
  });

  test('other units: minutes, hours, weeks, years (365 days)', () => {
    assert.equal(resolveSeedDate('in 2 hours', NOW), '2026-03-01T14:00:00.000Z');
    assert.equal(resolveSeedDate('30 minutes ago', NOW), '2026-03-01T11:30:00.000Z');
    assert.equal(resolveSeedDate('in 2 weeks', NOW), at(14 * DAY));
    assert.equal(resolveSeedDate('1 year ago', NOW), at(-365 * DAY));
    assert.equal(resolveSeedDate('In 3 Days', NOW), at(3 * DAY));
  });

  test('ISO 8601 with Z', () => {
    assert.equal(resolveSeedDate('2026-01-31T00:00:00Z', NOW), '2026-01-31T00:00:00.000Z');
    assert.equal(resolveSeedDate('2026-01-31T00:00Z', NOW), '2026-01-31T00:00:00.000Z');
    assert.equal(resolveSeedDate('2026-01-31T00:00:00.250Z', NOW), '2026-01-31T00:00:00.250Z');
  });

  test('ISO 8601 with an offset is converted to UTC', () => {
    assert.equal(resolveSeedDate('2026-01-31T02:00:00+02:00', NOW), '2026-01-31T00:00:00.000Z');
    assert.equal(resolveSeedDate('2026-01-30T19:00:00-05:00', NOW), '2026-01-31T00:00:00.000Z');
  });

  test('does not depend on the import time for absolute dates', () => {
    assert.equal(resolveSeedDate('2026-01-31T00:00:00Z', new Date(0)), resolveSeedDate('2026-01-31T00:00:00Z', NOW));
  });

  for (const text of ['tomorrow', 'yesterday', '', 'in days', 'in -3 days', '-3 days ago', 'in 3 fortnights', 'in 3.5 days', '3 days', 'in 3 days ago']) {
    test(`rejects ${JSON.stringify(text)}`, () => {
      assert.equal(resolveSeedDate(text, NOW), undefined);
    });
  }

  test('rejects ISO dates without a time zone or without a time', () => {
    assert.equal(resolveSeedDate('2026-01-31T00:00:00', NOW), undefined);
    assert.equal(resolveSeedDate('2026-01-31', NOW), undefined);
    assert.equal(resolveSeedDate('2026-01-31 00:00:00Z', NOW), undefined);
  });

  test('rejects impossible calendar values', () => {
    assert.equal(resolveSeedDate('2026-13-01T00:00:00Z', NOW), undefined);
    assert.equal(resolveSeedDate('2026-01-01T25:00:00Z', NOW), undefined);
  });

  test('rejects dates outside the years 0001-9999 (which every store accepts) instead of failing on them', () => {
    assert.equal(resolveSeedDate('in 999999 years', NOW), undefined);
    assert.equal(resolveSeedDate('999999 weeks ago', NOW), undefined);
    assert.equal(resolveSeedDate('in 7972 years', NOW), at(7972 * 365 * DAY));
    assert.equal(resolveSeedDate('9999-12-31T23:59:59Z', NOW), '9999-12-31T23:59:59.000Z');
    assert.equal(resolveSeedDate('9999-12-31T23:59:59-01:00', NOW), undefined);
  });

  test('rejects a day that does not exist in its month instead of rolling over', () => {
    // new Date('2026-02-30T00:00:00Z') is 2026-03-02 in V8; a seed date must not silently move.
    assert.equal(resolveSeedDate('2026-02-30T00:00:00Z', NOW), undefined);
    assert.equal(resolveSeedDate('2025-02-29T00:00:00Z', NOW), undefined);
    assert.equal(resolveSeedDate('2024-02-29T00:00:00Z', NOW), '2024-02-29T00:00:00.000Z');
  });
});

describe('addIsoDuration', () => {
  test('P730D adds 730 days', () => {
    assert.equal(addIsoDuration('2026-01-01T00:00:00.000Z', 'P730D'), '2028-01-01T00:00:00.000Z');
    // 2024 is a leap year: 730 days from 2024-01-01 is 2025-12-31.
    assert.equal(addIsoDuration('2024-01-01T00:00:00.000Z', 'P730D'), '2025-12-31T00:00:00.000Z');
  });

  test('P2Y adds two calendar years', () => {
    assert.equal(addIsoDuration('2024-01-01T00:00:00.000Z', 'P2Y'), '2026-01-01T00:00:00.000Z');
    assert.equal(addIsoDuration('2026-05-17T08:30:00.000Z', 'P2Y'), '2028-05-17T08:30:00.000Z');
  });

  test('P1Y6M adds a year and six months, keeping the time of day', () => {
    assert.equal(addIsoDuration('2026-01-15T10:20:30.000Z', 'P1Y6M'), '2027-07-15T10:20:30.000Z');
  });

  test('days, months and years combine', () => {
    assert.equal(addIsoDuration('2026-01-01T00:00:00.000Z', 'P1Y1M1D'), '2027-02-02T00:00:00.000Z');
    assert.equal(addIsoDuration('2026-12-31T00:00:00.000Z', 'P1D'), '2027-01-01T00:00:00.000Z');
  });

  test('adding months clamps to the end of a shorter month (ISO 8601 / XML Schema, .NET AddMonths)', () => {
    assert.equal(addIsoDuration('2026-01-31T00:00:00.000Z', 'P1M'), '2026-02-28T00:00:00.000Z');
    assert.equal(addIsoDuration('2024-02-29T00:00:00.000Z', 'P1Y'), '2025-02-28T00:00:00.000Z');
  });

  test('gives undefined, never throws, when the end falls past 9999-12-31', () => {
    assert.equal(addIsoDuration('9999-01-01T00:00:00.000Z', 'P730D'), undefined);
    assert.equal(addIsoDuration('2026-01-01T00:00:00.000Z', 'P999999999999D'), undefined);
    assert.equal(addIsoDuration('2026-01-01T00:00:00.000Z', 'P99999999Y'), undefined);
  });

  test('rejects what is not a Y/M/D duration', () => {
    for (const text of ['P', 'PT0S', 'P1W', 'P1DT2H', '730D', 'P-1D', '', 'p1d']) {
      assert.equal(addIsoDuration('2026-01-01T00:00:00.000Z', text), undefined, text);
    }
  });
});

describe('isoDurationDays', () => {
  test('counts days, months as 30 and years as 365', () => {
    assert.equal(isoDurationDays('P1D'), 1);
    assert.equal(isoDurationDays('P730D'), 730);
    assert.equal(isoDurationDays('P2Y'), 730);
    assert.equal(isoDurationDays('P1Y6M'), 545);
    assert.equal(isoDurationDays('P3Y'), 1095);
    assert.equal(isoDurationDays('P0D'), 0);
  });

  test('rejects what is not a Y/M/D duration', () => {
    for (const text of ['P', 'PT0S', 'P180', 'P1W', '']) assert.equal(isoDurationDays(text), undefined, text);
  });
});
