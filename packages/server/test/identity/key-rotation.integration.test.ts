/**
 * A key rotation while a client validates pcapi's tokens the way a resource server does, with jose's
 * createRemoteJWKSet + jwtVerify: a real pcapi (listening, SQLite file, ManualClock), tokens from its
 * token endpoint, `pcapi keys rotate` run through the real CLI on the same data folder. No request is
 * refused across the switch; once the old key's publication ends, it is gone from the JWKS and a
 * token it signs is refused.
 *
 * Time: pcapi runs on a ManualClock the test moves by hours; jose counts its cache and cool-down in
 * real time, which here passes in milliseconds. Its cool-down (30 s by default: no refetch sooner
 * after a fetch) is scaled down in proportion; its cache age (10 min) is left alone, so the only
 * way it learns the new key is the refetch on an unknown kid.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRemoteJWKSet, customFetch, decodeJwt, decodeProtectedHeader, errors, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ManualClock } from '../../src/clock.js';
import { resolveServeConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { runPcapi } from '../helpers/run-cli.js';
import { CONTOSO_BODY, DEMO } from '../helpers/test-server.js';

const PC = 'https://api.partnercenter.microsoft.com';
const TOLERANCE_MS = 60_000;

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test('a rotation while a client validates with createRemoteJWKSet: no request refused, the new kid after the switch, the old key gone after its publication', { timeout: 120_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pcapi-rotation-'));
  const clock = new ManualClock();
  const config = resolveServeConfig({ port: '0', logLevel: 'silent', dataDir, throttleTenant: '0', throttleTenantCustomer: '0' });
  const server = await startServer(config, { clock });
  t.after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const discovery = (await (await fetch(`${server.url}/${DEMO.fabrikam}/v2.0/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
  const publishedKids = async (path = 'discovery/v2.0/keys') =>
    ((await (await fetch(`${server.url}/${DEMO.fabrikam}/${path}`)).json()) as { keys: JWK[] }).keys.map((key) => key.kid!).sort();
  let jwksFetches = 0;
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri), {
    cooldownDuration: 100,
    [customFetch]: (...args: Parameters<typeof fetch>) => {
      jwksFetches++;
      return fetch(...args);
    },
  });
  const [oldKid] = await publishedKids();

  const mint = async (): Promise<string> => {
    const response = await fetch(`${server.url}/${DEMO.fabrikam}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret, scope: `${PC}/.default` }),
    });
    const body = (await response.json()) as { access_token?: string };
    if (response.status !== 200 || !body.access_token) throw new Error(`token endpoint: ${response.status} ${JSON.stringify(body)}`);
    return body.access_token;
  };
  const refusals: string[] = [];
  /** Validates as the client does, then calls pcapi's API with the token; any refusal is recorded. */
  const use = async (token: string): Promise<void> => {
    try {
      await jwtVerify(token, jwks, { algorithms: ['RS256'], issuer: discovery.issuer, audience: PC, currentDate: new Date(clock.now()) });
    } catch (error) {
      refusals.push(`client (kid ${decodeProtectedHeader(token).kid}): ${(error as Error).message}`);
    }
    const response = await fetch(`${server.url}/v1/customers/${DEMO.contoso}/organization`, { headers: { authorization: `Bearer ${token}` } });
    const text = await response.text();
    if (response.status !== 200 || text !== CONTOSO_BODY) refusals.push(`API (kid ${decodeProtectedHeader(token).kid}): ${response.status} ${text}`);
  };

  // The client's loop: mint, validate, call. The clock moves only between iterations.
  const minted: { iat: number; kid: string }[] = [];
  let stopping = false;
  let hold: Promise<void> | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const loop = (async () => {
    while (!stopping) {
      if (hold) await hold;
      inFlight = (async () => {
        const token = await mint();
        minted.push({ iat: decodeJwt(token).iat!, kid: decodeProtectedHeader(token).kid! });
        await use(token);
      })();
      await inFlight;
    }
  })();
  const paused = async (work: () => Promise<void>) => {
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    await inFlight;
    try {
      await work();
    } finally {
      hold = undefined;
      release();
    }
  };
  const count = (kid: string) => minted.filter((token) => token.kid === kid).length;

  try {
    await waitFor('tokens of the first key', () => count(oldKid!) >= 5);

    // The operator rotates, through the CLI, on the same data folder; this server hears of it through the file.
    const rotate = await runPcapi(['keys', 'rotate', '--data-dir', dataDir]);
    assert.equal(rotate.code, 0, rotate.stderr);
    const [, newKid, signsFromText] = /^new signing key (\S+): published now, signs from (\S+)$/m.exec(rotate.stdout) ?? [];
    const [, retiredKid, publishedUntilText] = /^key (\S+): published until (\S+) /m.exec(rotate.stdout) ?? [];
    assert.ok(newKid && retiredKid, rotate.stdout);
    assert.equal(retiredKid, oldKid);
    const signsFrom = Date.parse(signsFromText!);
    const publishedUntil = Date.parse(publishedUntilText!);
    // The default publish-ahead (2 h, on the CLI's clock), and the end: the switch + the longest token lifetime + the tolerance.
    assert.ok(Math.abs(signsFrom - (clock.now() + 2 * 3_600_000)) < 5 * 60_000, `signs from ${signsFromText}`);
    assert.equal(publishedUntil, signsFrom + 3_600_000 + TOLERANCE_MS);

    const list = await runPcapi(['keys', 'list', '--data-dir', dataDir, '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual((JSON.parse(list.stdout) as { kid: string; state: string }[]).map(({ kid, state }) => [kid, state]), [[oldKid, 'current'], [newKid, 'next']]);

    // Published before it signs: the JWKS (both paths) shows it while tokens still carry the old kid.
    await waitFor('the new key in the JWKS', async () => (await publishedKids()).includes(newKid!));
    assert.deepEqual(await publishedKids(), [oldKid, newKid].sort());
    assert.deepEqual(await publishedKids('discovery/keys'), [oldKid, newKid].sort());
    const oldBefore = count(oldKid!);
    await waitFor('more tokens of the first key after the new one was published', () => count(oldKid!) >= oldBefore + 3);
    assert.equal(count(newKid!), 0);

    // The last token of the old key, a second before the switch, is still used after it.
    let lastOld = '';
    await paused(async () => {
      clock.set(signsFrom - 1000);
      lastOld = await mint();
      clock.set(signsFrom);
    });
    assert.equal(decodeProtectedHeader(lastOld).kid, oldKid);
    const fetchesBefore = jwksFetches;
    await waitFor('tokens of the new key', () => count(newKid!) >= 5);
    await use(lastOld);
    assert.ok(jwksFetches > fetchesBefore, 'the client refetched the JWKS on the unknown kid');
    assert.deepEqual(await publishedKids(), [oldKid, newKid].sort(), 'the old key is still published while its tokens live');
  } finally {
    stopping = true;
    await loop;
  }

  assert.deepEqual(refusals, []);
  const switchAt = minted.findIndex((token) => token.kid !== oldKid);
  assert.ok(switchAt > 0);
  const afterSwitch = minted.slice(switchAt);
  assert.ok(afterSwitch.length >= 5);
  assert.ok(afterSwitch.every((token) => token.kid === afterSwitch[0]!.kid && token.kid !== oldKid), JSON.stringify(minted));
  const newKid = afterSwitch[0]!.kid;

  // Past the old key's publication (and the clock tolerance): gone from the JWKS, and refused.
  const [stored] = (await server.store.signingKeys()).filter((key) => key.kid === oldKid);
  clock.set(stored!.publishedUntilMs! + TOLERANCE_MS);
  assert.deepEqual(await publishedKids(), [newKid]);
  assert.deepEqual(await publishedKids('discovery/keys'), [newKid]);
  const claims = decodeJwt(await mint());
  const oldPrivateKey = (await importJWK(stored!.privateJwk as JWK, 'RS256')) as CryptoKey;
  const byOldKey = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: oldKid! }).sign(oldPrivateKey);
  const response = await fetch(`${server.url}/v1/customers/${DEMO.contoso}/organization`, { headers: { authorization: `Bearer ${byOldKey}` } });
  assert.equal(response.status, 401);
  assert.match(((await response.json()) as { data: string[] }).data.join(' '), /kid/);
  // A client fetching the JWKS now refuses it too.
  await assert.rejects(jwtVerify(byOldKey, createRemoteJWKSet(new URL(discovery.jwks_uri)), { currentDate: new Date(clock.now()) }), errors.JWKSNoMatchingKey);
});

test('pcapi keys: a bad --publish-ahead is a usage error (exit 2) naming the expected form; an empty store lists no keys', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'pcapi-keys-cli-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  for (const bad of ['soon', '2 hours', '-1h', '1.5h', '400d']) {
    const run = await runPcapi(['keys', 'rotate', '--data-dir', dataDir, '--publish-ahead', bad]);
    assert.equal(run.code, 2, `${bad}: ${run.stderr}`);
    assert.match(run.stderr, /--publish-ahead.*expected a duration such as 2h, 90m, 1h30m, 45s or 0/);
    assert.equal(run.stdout, '');
  }
  const badTolerance = await runPcapi(['keys', 'list', '--data-dir', dataDir, '--clock-tolerance', 'lots']);
  assert.equal(badTolerance.code, 2);
  assert.match(badTolerance.stderr, /--clock-tolerance \(PCAPI_CLOCK_TOLERANCE\): "lots" is not a whole number/);

  const none = await runPcapi(['keys', 'list', '--data-dir', join(dataDir, 'missing')]);
  assert.equal(none.code, 2, 'no store there');
  assert.match(none.stderr, /there is no store at .*missing\/pcapi\.db/);
  writeFileSync(join(dataDir, 'empty.seed.json'), '{"partners": []}');
  assert.equal((await runPcapi(['seed', join(dataDir, 'empty.seed.json'), '--data-dir', dataDir])).code, 0);
  const empty = await runPcapi(['keys', 'list', '--data-dir', dataDir]);
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, /^no signing keys in .*pcapi\.db yet/);

  // The first rotation of a store without keys first gives it the key pcapi serve would, then rotates at once with 0.
  const rotate = await runPcapi(['keys', 'rotate', '--data-dir', dataDir, '--publish-ahead', '0']);
  assert.equal(rotate.code, 0, rotate.stderr);
  const list = await runPcapi(['keys', 'list', '--data-dir', dataDir]);
  assert.equal(list.code, 0, list.stderr);
  const lines = list.stdout.trim().split('\n');
  assert.match(lines[0]!, /^KID\s+STATE\s+SIGNS FROM\s+PUBLISHED UNTIL$/);
  assert.deepEqual(lines.slice(1).map((line) => line.split(/\s+/)[1]), ['retiring', 'current']);
});
