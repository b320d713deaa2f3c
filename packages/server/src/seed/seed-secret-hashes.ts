/**
 * The credential hash of a seed secret, without paying scrypt (~35 ms each) again for a secret this
 * process has already hashed or checked. Importing the same seed repeatedly is the normal case: every
 * start imports `--seed`, a test suite builds a fresh store per test, a reset reloads the data. Each
 * principal keeps its own salt; the secret itself is never kept, only a SHA-256 of (principal, secret)
 * as the key. Seed secrets are test credentials written in clear in the seed file; sign-ins at the
 * token endpoint never go through this.
 */
import { createHash } from 'node:crypto';
import { hashSecret, verifySecret } from '../identity/secrets.js';

/** Entries kept; the oldest go first. Seeds hold a handful of principals with secrets, a large one a few thousand. */
const MAX_ENTRIES = 10_000;
const known = new Map<string, string>();

function keyOf(objectId: string, secret: string): string {
  return createHash('sha256').update(objectId).update('\0').update(secret).digest('base64');
}

function remember(key: string, hash: string): void {
  known.delete(key);
  known.set(key, hash);
  if (known.size > MAX_ENTRIES) known.delete(known.keys().next().value!);
}

/** The stored hash when it still matches `secret`, else this process's hash of it, else a new one. */
export async function seedCredentialHash(objectId: string, secret: string, stored: string | undefined): Promise<string> {
  const key = keyOf(objectId, secret);
  const remembered = known.get(key);
  if (stored !== undefined) {
    if (stored === remembered) return stored;
    if (await verifySecret(secret, stored)) {
      remember(key, stored);
      return stored;
    }
  } else if (remembered !== undefined) {
    return remembered;
  }
  const hash = await hashSecret(secret);
  remember(key, hash);
  return hash;
}
