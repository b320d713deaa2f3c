/**
 * The local issuer's RS256 keys. They live in the store (key-ring.ts), each with a self-signed
 * certificate: the JWKS publishes it in `x5c` and its thumbprint as `x5t`, and a new key's kid is
 * that thumbprint, as Entra's are. Earlier versions kept one key in `<data-dir>/signing-key.json`;
 * a store without keys imports that file, keeping its kid.
 */
import { createPrivateKey, generateKeyPair, randomUUID, type JsonWebKey as NodeJwk } from 'node:crypto';
import { existsSync, linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, exportJWK, generateKeyPair as generateJoseKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { makeDirectory } from '../make-directory.js';
import type { StoredSigningKey } from '../store/store.js';
import { CERTIFICATE_VALIDITY_MS, certificateThumbprint, selfSignedCertificate } from './self-signed-certificate.js';

export interface SigningKey {
  kid: string;
  /** The base64url SHA-1 thumbprint of the key's certificate (the `x5t` header of v1 tokens); absent for a bare key. */
  x5t?: string;
  privateKey: CryptoKey;
  /** The public half as published in the JWKS. */
  publicJwk: JWK;
  privateJwk: JWK;
}

/** Where the issuer takes the key to sign with, at each token (the key ring). */
export interface SigningKeySource {
  signingKey(): Promise<SigningKey>;
}

export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

/** The key file of pcapi versions before keys lived in the store. */
export const SIGNING_KEY_FILE = 'signing-key.json';

/** The private JWK of `<dataDir>/signing-key.json`; undefined when there is none. Never writes. */
export function readSigningKeyFile(dataDir: string): JWK | undefined {
  const file = join(dataDir, SIGNING_KEY_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
    if (jwk.kty !== 'RSA' || !jwk.d || !jwk.kid) throw new Error('not an RSA private JWK with a kid');
    return jwk;
  } catch (error) {
    throw new SigningKeyError(`signing key ${file} is unreadable (${(error as Error).message}); move it away to create a new one`);
  }
}

/**
 * A key file in the data folder, created when absent: for tools that mint tokens without a server
 * (the benchmarks). A server imports this file only into a store that has no key yet.
 */
export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const file = join(dataDir, SIGNING_KEY_FILE);
  if (!existsSync(file)) {
    makeDirectory(dataDir);
    const { privateKey } = await generateJoseKeyPair('RS256', { modulusLength: 2048, extractable: true });
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
  return importSigningKey(readSigningKeyFile(dataDir)!);
}

/** A bare signing key (no certificate) from its private JWK (RSA, with a kid). */
export async function importSigningKey(jwk: JWK): Promise<SigningKey> {
  const privateKey = (await importJWK(jwk, 'RS256')) as CryptoKey;
  const { kty, n, e, kid } = jwk;
  return { kid: kid!, privateKey, publicJwk: { kty, n, e, kid, alg: 'RS256', use: 'sig' } as JWK, privateJwk: jwk };
}

/**
 * A key row for the store, with a self-signed certificate valid five years from `nowMs`: a fresh
 * 2048-bit RSA key whose kid is the certificate's thumbprint, or the given private JWK keeping its kid.
 */
export async function createStoredSigningKey(options: { nowMs: number; signsFromMs: number; privateJwk?: JWK }): Promise<StoredSigningKey> {
  const privateKey = options.privateJwk
    ? createPrivateKey({ key: options.privateJwk as NodeJwk, format: 'jwk' })
    : (await promisify(generateKeyPair)('rsa', { modulusLength: 2048 })).privateKey;
  const certificate = selfSignedCertificate(privateKey, { notBefore: new Date(options.nowMs), notAfter: new Date(options.nowMs + CERTIFICATE_VALIDITY_MS) });
  const { kty, n, e, d, p, q, dp, dq, qi } = privateKey.export({ format: 'jwk' });
  return {
    kid: options.privateJwk?.kid ?? certificateThumbprint(certificate),
    privateJwk: { kty, n, e, d, p, q, dp, dq, qi },
    certificate: certificate.toString('base64'),
    createdAtMs: options.nowMs,
    signsFromMs: options.signsFromMs,
    publishedUntilMs: null,
  };
}

/** A stored key ready to sign and verify, with its JWKS entry (Entra's fields: kty, use, kid, x5t, n, e, x5c). */
export async function loadStoredSigningKey(stored: StoredSigningKey): Promise<SigningKey & { publicKey: CryptoKey }> {
  const jwk = { ...stored.privateJwk, kid: stored.kid } as JWK;
  if (jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string' || typeof jwk.d !== 'string') {
    throw new SigningKeyError(`signing key ${stored.kid} in the store is not an RSA private key`);
  }
  let privateKey: CryptoKey;
  let publicKey: CryptoKey;
  try {
    privateKey = (await importJWK(jwk, 'RS256')) as CryptoKey;
    publicKey = (await importJWK({ kty: 'RSA', n: jwk.n, e: jwk.e }, 'RS256')) as CryptoKey;
  } catch (error) {
    throw new SigningKeyError(`signing key ${stored.kid} in the store is unusable: ${(error as Error).message}`);
  }
  const x5t = certificateThumbprint(Buffer.from(stored.certificate, 'base64'));
  const publicJwk: JWK = { kty: 'RSA', use: 'sig', kid: stored.kid, x5t, n: jwk.n, e: jwk.e, x5c: [stored.certificate] };
  return { kid: stored.kid, x5t, privateKey, publicKey, publicJwk, privateJwk: jwk };
}
