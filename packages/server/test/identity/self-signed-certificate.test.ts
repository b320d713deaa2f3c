/** The DER encoder's certificates as Node's X.509 parser (OpenSSL) reads them, and the stored keys built on them. */
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import type { JWK } from 'jose';
import { createStoredSigningKey, loadStoredSigningKey } from '../../src/identity/signing-key.js';
import { CERTIFICATE_COMMON_NAME, certificateThumbprint, selfSignedCertificate } from '../../src/identity/self-signed-certificate.js';

const NOW = Date.parse('2026-06-01T12:34:56Z');
const FIVE_YEARS = 5 * 365 * 86_400_000;

test('the certificate parses, is self-signed by its key, names pcapi, and is valid five years from the given now', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = selfSignedCertificate(privateKey, { notBefore: new Date(NOW), notAfter: new Date(NOW + FIVE_YEARS) });
  const cert = new X509Certificate(der);
  assert.equal(cert.verify(cert.publicKey), true);
  assert.equal(cert.checkPrivateKey(privateKey), true);
  assert.equal(cert.subject, `CN=${CERTIFICATE_COMMON_NAME}`);
  assert.equal(cert.issuer, cert.subject);
  assert.equal(Date.parse(cert.validFrom), NOW);
  assert.equal(Date.parse(cert.validTo), NOW + FIVE_YEARS);
  assert.deepEqual(cert.publicKey.export({ format: 'jwk' }), publicKey.export({ format: 'jwk' }));
  assert.match(cert.serialNumber, /^[0-9A-F]{32}$/);
  assert.equal(certificateThumbprint(der), createHash('sha1').update(der).digest('base64url'));
  assert.equal(cert.fingerprint.replaceAll(':', ''), createHash('sha1').update(der).digest('hex').toUpperCase());
});

test('times past 2049 are GeneralizedTime, and each certificate gets its own serial', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const until = Date.parse('2071-03-04T05:06:07Z');
  const a = new X509Certificate(selfSignedCertificate(privateKey, { notBefore: new Date(NOW), notAfter: new Date(until) }));
  const b = new X509Certificate(selfSignedCertificate(privateKey, { notBefore: new Date(NOW), notAfter: new Date(until) }));
  assert.equal(Date.parse(a.validTo), until);
  assert.notEqual(a.serialNumber, b.serialNumber);
  assert.equal(a.verify(b.publicKey), true);
});

test('a new stored key: kid = x5t = the certificate thumbprint, and its JWKS entry carries Entra\u2019s fields and the certificate of the same public key', async () => {
  const stored = await createStoredSigningKey({ nowMs: NOW, signsFromMs: NOW });
  const der = Buffer.from(stored.certificate, 'base64');
  assert.equal(stored.kid, certificateThumbprint(der));
  assert.equal(stored.publishedUntilMs, null);
  const loaded = await loadStoredSigningKey(stored);
  const jwk = loaded.publicJwk;
  assert.deepEqual(Object.keys(jwk).sort(), ['e', 'kid', 'kty', 'n', 'use', 'x5c', 'x5t']);
  assert.equal(jwk.kty, 'RSA');
  assert.equal(jwk.use, 'sig');
  assert.equal(jwk.kid, stored.kid);
  assert.equal(jwk.x5t, stored.kid);
  assert.equal(jwk.e, 'AQAB');
  assert.deepEqual(jwk.x5c, [stored.certificate]);
  const cert = new X509Certificate(der);
  assert.equal(cert.verify(cert.publicKey), true);
  assert.equal(Date.parse(cert.validFrom), Math.floor(NOW / 1000) * 1000);
  const fromCert = cert.publicKey.export({ format: 'jwk' });
  assert.deepEqual({ n: fromCert.n, e: fromCert.e }, { n: jwk.n, e: jwk.e });
  assert.deepEqual(createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ format: 'jwk' }), fromCert);
});

test('a stored key made from an existing private JWK keeps its kid; its x5t is the certificate thumbprint', async () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const legacy = { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: 'legacy-thumbprint-kid', alg: 'RS256', use: 'sig' };
  const stored = await createStoredSigningKey({ nowMs: NOW, signsFromMs: NOW, privateJwk: legacy });
  assert.equal(stored.kid, 'legacy-thumbprint-kid');
  const loaded = await loadStoredSigningKey(stored);
  assert.equal(loaded.x5t, certificateThumbprint(Buffer.from(stored.certificate, 'base64')));
  assert.notEqual(loaded.x5t, loaded.kid);
  assert.equal(loaded.publicJwk.n, legacy.n);
});
