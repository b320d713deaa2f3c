/** The local issuer's RS256 key: created on first start, kept (mode 0600) in the data folder. */
import { randomUUID } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** The public half as published in the JWKS. */
  publicJwk: JWK;
}

export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

export const SIGNING_KEY_FILE = 'signing-key.json';

export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const file = join(dataDir, SIGNING_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const jwk = await exportJWK(privateKey);
    jwk.kid = await calculateJwkThumbprint(jwk);
    jwk.alg = 'RS256';
    jwk.use = 'sig';
    // Write a temporary file, then link it into place: a crash never leaves a half-written key, and when
    // several processes start at once the first link wins and the others read that key (link never overwrites).
    const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
    writeFileSync(temporary, JSON.stringify(jwk, null, 2) + '\n', { mode: 0o600 });
    try {
      linkSync(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(temporary);
    }
  }
  let jwk: JWK;
  try {
    jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
    if (jwk.kty !== 'RSA' || !jwk.d || !jwk.kid) throw new Error('not an RSA private JWK with a kid');
  } catch (error) {
    throw new SigningKeyError(`signing key ${file} is unreadable (${(error as Error).message}); move it away to create a new one`);
  }
  return importSigningKey(jwk);
}

/** A signing key from its private JWK (RSA, with a kid). */
export async function importSigningKey(jwk: JWK): Promise<SigningKey> {
  const privateKey = (await importJWK(jwk, 'RS256')) as CryptoKey;
  const { kty, n, e, kid } = jwk;
  return { kid: kid!, privateKey, publicJwk: { kty, n, e, kid, alg: 'RS256', use: 'sig' } as JWK };
}
