/** Password and client-secret hashing with scrypt (node:crypto), so no secret is stored in clear. */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const COST = 16384;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_LENGTH = 32;

interface ScryptHash {
  cost: number;
  blockSize: number;
  parallelism: number;
  salt: Buffer;
  key: Buffer;
}

/**
 * Stands in for a principal that does not exist or has no credential, so that checking a secret costs
 * the same scrypt work either way: "unknown" must not answer faster than "wrong". Same parameters as
 * hashSecret(); no secret derives to an all-zero key.
 */
const DUMMY_HASH: ScryptHash = { cost: COST, blockSize: BLOCK_SIZE, parallelism: PARALLELISM, salt: Buffer.alloc(16, 0x5a), key: Buffer.alloc(KEY_LENGTH) };

function derive(secret: string, salt: Buffer, cost: number, blockSize: number, parallelism: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LENGTH, { N: cost, r: blockSize, p: parallelism, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function parseHash(stored: string | null | undefined): ScryptHash | undefined {
  const parts = stored?.split('$');
  if (parts?.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [, cost, blockSize, parallelism, salt, key] = parts as [string, string, string, string, string, string];
  return { cost: Number(cost), blockSize: Number(blockSize), parallelism: Number(parallelism), salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') };
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, COST, BLOCK_SIZE, PARALLELISM);
  return `scrypt$${COST}$${BLOCK_SIZE}$${PARALLELISM}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/**
 * Whether `secret` matches `stored`. Without a usable stored hash (no such principal, no credential,
 * an unreadable value) the same derivation runs against a dummy hash and the answer is false, so the
 * time taken does not tell a missing principal from a wrong secret.
 */
export async function verifySecret(secret: string, stored: string | null | undefined): Promise<boolean> {
  const parsed = parseHash(stored);
  const against = parsed ?? DUMMY_HASH;
  const key = await derive(secret, against.salt, against.cost, against.blockSize, against.parallelism);
  const matches = key.length === against.key.length && timingSafeEqual(key, against.key);
  return parsed !== undefined && matches;
}
