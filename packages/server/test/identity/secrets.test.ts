/**
 * verifySecret does the same scrypt work whether or not there is a stored hash to compare with, so
 * a principal without a credential (or that does not exist) cannot be told apart by timing.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { hashSecret, verifySecret } from '../../src/identity/secrets.js';

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

test('right, wrong, and no usable stored hash', async () => {
  const stored = await hashSecret('s3cret');
  assert.equal(await verifySecret('s3cret', stored), true);
  assert.equal(await verifySecret('wrong', stored), false);
  for (const missing of [null, undefined, '', 'plain-text', 'scrypt$1$2$3', 'bcrypt$a$b$c$d$e']) {
    assert.equal(await verifySecret('s3cret', missing), false, String(missing));
    assert.equal(await verifySecret('', missing), false, String(missing));
  }
});

test('no stored hash takes as long as a wrong secret (medians of interleaved samples)', async () => {
  const stored = await hashSecret('s3cret');
  const wrong: number[] = [];
  const none: number[] = [];
  const garbage: number[] = [];
  for (let i = 0; i < 15; i++) {
    wrong.push(await timed(() => verifySecret('guess', stored)));
    none.push(await timed(() => verifySecret('guess', null)));
    garbage.push(await timed(() => verifySecret('guess', 'not-a-hash')));
  }
  const reference = median(wrong);
  for (const [label, samples] of [['no hash', none], ['unreadable hash', garbage]] as const) {
    const ratio = Math.max(median(samples), reference) / Math.min(median(samples), reference);
    assert.ok(ratio <= 2, `${label}: ${median(samples).toFixed(1)} ms vs wrong secret ${reference.toFixed(1)} ms (ratio ${ratio.toFixed(2)})`);
  }
});
