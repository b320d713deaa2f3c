import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { ClaimFilter } from '../../src/store/claim-filter.js';

test('a key added again is a suspect, however many keys came between (the table grows many times)', () => {
  const filter = new ClaimFilter();
  const keys = Array.from({ length: 300_000 }, (_, i) => `customer:${randomUUID()}:${i}`);
  assert.deepEqual(filter.addAll(keys), [], 'distinct keys raise no suspicion');
  assert.deepEqual(filter.addAll([keys[0]!, 'fresh', keys.at(-1)!, keys[123_456]!]), [keys[0], keys.at(-1), keys[123_456]]);
  assert.deepEqual(filter.addAll(['fresh', 'fresher']), ['fresh']);
});

test('suspects are exactly the repeated keys, for any sequence of chunks', () => {
  fc.assert(fc.property(fc.array(fc.array(fc.string({ maxLength: 6 }), { maxLength: 30 }), { maxLength: 10 }), (chunks) => {
    const filter = new ClaimFilter();
    const seen = new Set<string>();
    for (const chunk of chunks) {
      const expected = chunk.filter((key) => (seen.has(key) ? true : (seen.add(key), false)));
      assert.deepEqual(filter.addAll(chunk), expected);
    }
  }));
});
