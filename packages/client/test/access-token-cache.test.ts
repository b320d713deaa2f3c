/** Units for token caching: refresh before expiry, one shared refresh, failures, and abort. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccessTokenCache, DEFAULT_REFRESH_MARGIN_IN_MS } from '../src/credentials/access-token-cache.js';
import type { AccessToken } from '../src/credentials/token-credential.js';

const HOUR = 3600_000;

/** A token source whose answers the test controls, and a clock it moves by hand. */
function fixture() {
  const clock = { now: 1_000_000 };
  let issued = 0;
  const pending: { resolve: (token: AccessToken) => void; reject: (error: Error) => void }[] = [];
  const requestToken = () =>
    new Promise<AccessToken>((resolve, reject) => {
      issued++;
      pending.push({ resolve, reject });
    });
  const cache = new AccessTokenCache(requestToken, DEFAULT_REFRESH_MARGIN_IN_MS, () => clock.now);
  const settleNext = async (token: AccessToken | Error) => {
    while (pending.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const next = pending.shift()!;
    if (token instanceof Error) next.reject(token);
    else next.resolve(token);
  };
  return { clock, cache, settleNext, issued: () => issued };
}

test('concurrent callers share one token request; later callers get the cached token', async () => {
  const { clock, cache, settleNext, issued } = fixture();
  const callers = Promise.all([cache.getToken(), cache.getToken(), cache.getToken()]);
  await settleNext({ token: 'a', expiresOnTimestamp: clock.now + HOUR });
  assert.deepEqual((await callers).map((t) => t.token), ['a', 'a', 'a']);
  assert.equal((await cache.getToken()).token, 'a');
  assert.equal(issued(), 1);
});

test('a token is refreshed 5 minutes before it expires, not later', async () => {
  const { clock, cache, settleNext, issued } = fixture();
  const first = cache.getToken();
  await settleNext({ token: 'a', expiresOnTimestamp: clock.now + HOUR });
  await first;
  clock.now += HOUR - DEFAULT_REFRESH_MARGIN_IN_MS - 1;
  assert.equal((await cache.getToken()).token, 'a', 'still outside the margin');
  clock.now += 1;
  const refreshed = cache.getToken();
  await settleNext({ token: 'b', expiresOnTimestamp: clock.now + HOUR });
  assert.equal((await refreshed).token, 'b');
  assert.equal(issued(), 2);
});

test("a credential's refreshAfterTimestamp is honoured", async () => {
  const { clock, cache, settleNext, issued } = fixture();
  const first = cache.getToken();
  await settleNext({ token: 'a', expiresOnTimestamp: clock.now + HOUR, refreshAfterTimestamp: clock.now + 1000 });
  await first;
  clock.now += 1000;
  const second = cache.getToken();
  await settleNext({ token: 'b', expiresOnTimestamp: clock.now + HOUR });
  assert.equal((await second).token, 'b');
  assert.equal(issued(), 2);
});

test('a failed early refresh falls back to the still-valid token; a failure with no valid token is thrown, and the next call tries again', async () => {
  const { clock, cache, settleNext, issued } = fixture();
  const first = cache.getToken();
  await settleNext({ token: 'a', expiresOnTimestamp: clock.now + HOUR });
  await first;
  clock.now += HOUR - 60_000; // inside the margin, not yet expired
  const early = cache.getToken();
  await settleNext(new Error('token endpoint down'));
  assert.equal((await early).token, 'a');
  clock.now += 60_000; // expired
  const late = cache.getToken();
  await settleNext(new Error('token endpoint down'));
  await assert.rejects(late, /token endpoint down/);
  const again = cache.getToken();
  await settleNext({ token: 'c', expiresOnTimestamp: clock.now + HOUR });
  assert.equal((await again).token, 'c');
  assert.equal(issued(), 4);
});

test('a caller that aborts stops waiting at once; the shared refresh still serves the others', async () => {
  const { clock, cache, settleNext } = fixture();
  const controller = new AbortController();
  const impatient = cache.getToken(controller.signal);
  const patient = cache.getToken();
  controller.abort();
  await assert.rejects(impatient, { name: 'AbortError' });
  await settleNext({ token: 'a', expiresOnTimestamp: clock.now + HOUR });
  assert.equal((await patient).token, 'a');
});
