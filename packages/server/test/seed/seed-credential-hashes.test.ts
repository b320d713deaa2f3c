/** passwordHash and clientSecretHash: a stored hash in a seed file (what `pcapi export` writes), used as is. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashSecret, verifySecret } from '../../src/identity/secrets.js';
import { planSeed, type ExistingRows } from '../../src/seed/plan-seed.js';
import type { SeedDocument } from '../../src/seed/seed-document.js';
import { SeedError } from '../../src/seed/seed-error.js';
import { parseSeedText } from '../../src/seed/validate-seed.js';

const TENANT = '2c01706f-53f9-43ed-a5e3-50fe9b93e511';
const CLIENT = '5cb9b94d-825a-47d7-830b-7226f428175e';
const NONE: ExistingRows = { credentialHashes: async () => new Map(), relationshipDates: async () => new Map() };

function document(user: Record<string, unknown>, app: Record<string, unknown>): string {
  return JSON.stringify({
    partners: [{
      tenantId: TENANT, displayName: 'Fabrikam',
      users: [{ userPrincipalName: 'admin@fabrikam.example', ...user }],
      applications: [{ clientId: CLIENT, displayName: 'Automation', ...app }],
    }],
  });
}

function problems(text: string): string[] {
  try {
    parseSeedText(text, 'test.json');
  } catch (error) {
    assert.ok(error instanceof SeedError);
    return error.problems;
  }
  return [];
}

test('a stored hash is imported as is, and still verifies the secret', async () => {
  const [userHash, appHash] = [await hashSecret('user-secret'), await hashSecret('app-secret')];
  const parsed: SeedDocument = parseSeedText(document({ passwordHash: userHash }, { clientSecretHash: appHash }), 'test.json');
  const plan = await planSeed(parsed, { now: new Date('2026-03-01T00:00:00Z'), source: 'test.json', existing: NONE });
  const hashes = plan.principals.map((p) => [p.kind, p.credentialHash]);
  assert.deepEqual(hashes, [['user', userHash], ['app', appHash]]);
  assert.equal(await verifySecret('user-secret', plan.principals[0]!.credentialHash), true);
});

test('a secret and its hash together are refused, naming the entity', async () => {
  const hash = await hashSecret('x');
  assert.deepEqual(problems(document({ password: 'x', passwordHash: hash }, { clientSecret: 'y', clientSecretHash: hash })), [
    '$.partners[0].users[0]: give either password or passwordHash, not both',
    '$.partners[0].applications[0]: give either clientSecret or clientSecretHash, not both',
  ]);
});

test('a hash that is not a stored scrypt hash is refused with a clear message', () => {
  assert.deepEqual(problems(document({ passwordHash: 'hunter2' }, {})), [
    '$.partners[0].users[0].passwordHash: must be a credential hash as pcapi export writes it (scrypt$N$r$p$salt$key)',
  ]);
});
