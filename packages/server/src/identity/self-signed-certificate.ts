/**
 * A self-signed X.509 v3 certificate for an RSA key, DER-encoded with node:crypto alone: the JWKS
 * carries one per key in `x5c`, and its SHA-1 thumbprint is the key's `x5t`, as Entra's keys do.
 * Only what such a certificate needs is encoded (RFC 5280 §4.1): version 3, a random positive
 * serial, sha256WithRSAEncryption, issuer = subject = one common name, a validity period, the key's
 * SubjectPublicKeyInfo, and a subject key identifier.
 */
import { createHash, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';

const SHA256_WITH_RSA_ENCRYPTION = '1.2.840.113549.1.1.11';
const COMMON_NAME = '2.5.4.3';
const SUBJECT_KEY_IDENTIFIER = '2.5.29.14';

export const CERTIFICATE_COMMON_NAME = 'pcapi token signing';
/** Entra's signing certificates are valid about five years. */
export const CERTIFICATE_VALIDITY_MS = 5 * 365 * 86_400_000;

export interface CertificateOptions {
  notBefore: Date;
  notAfter: Date;
  commonName?: string;
  /** Positive, at most 20 bytes; 16 random bytes unless given. */
  serialNumber?: Buffer;
}

/** The certificate, DER-encoded. */
export function selfSignedCertificate(privateKey: KeyObject, options: CertificateOptions): Buffer {
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const algorithm = sequence(objectId(SHA256_WITH_RSA_ENCRYPTION), Buffer.from([0x05, 0x00]));
  const name = sequence(set(sequence(objectId(COMMON_NAME), tlv(0x0c, Buffer.from(options.commonName ?? CERTIFICATE_COMMON_NAME, 'utf8')))));
  // RFC 5280 §4.2.1.2 allows any method that gives a unique value; a hash of the whole SPKI is one.
  const keyIdentifier = createHash('sha1').update(spki).digest();
  const extensions = explicit(3, sequence(sequence(objectId(SUBJECT_KEY_IDENTIFIER), tlv(0x04, tlv(0x04, keyIdentifier)))));
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(options.serialNumber ?? randomSerial()),
    algorithm,
    name,
    sequence(time(options.notBefore), time(options.notAfter)),
    name,
    spki,
    extensions,
  );
  return sequence(tbs, algorithm, tlv(0x03, Buffer.from([0]), sign('sha256', tbs, privateKey)));
}

/** The base64url SHA-1 thumbprint of a DER certificate: the JWK `x5t`. */
export function certificateThumbprint(der: Buffer): string {
  return createHash('sha1').update(der).digest('base64url');
}

function randomSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40; // positive, and no leading zero byte to strip
  return serial;
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, ...items);
const set = (...items: Buffer[]) => tlv(0x31, ...items);
const explicit = (tagNumber: number, content: Buffer) => tlv(0xa0 + tagNumber, content);

/** A non-negative INTEGER from big-endian bytes: minimal, with a 0x00 first when the high bit is set. */
function integer(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function objectId(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
  const bytes: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const groups: number[] = [];
    for (let value = arc; ; value = Math.floor(value / 128)) {
      groups.unshift(value & 0x7f);
      if (value < 128) break;
    }
    bytes.push(...groups.map((group, index) => (index < groups.length - 1 ? group | 0x80 : group)));
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime for 1950-2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5), to the second. */
function time(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) throw new RangeError(`a certificate time must fall in years 0001-9999, got ${year}`);
  const digits = date.toISOString().slice(0, 19).replace(/[-:T]/g, '') + 'Z';
  return year >= 1950 && year < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii')) : tlv(0x18, Buffer.from(digits, 'ascii'));
}
