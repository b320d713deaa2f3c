-- The local issuer's token-signing keys, in the store so every process (on every machine) signs and
-- verifies with the same ones. Rows only: which key signs and which keys are published is decided in
-- identity/signing-key-rules.ts. private_jwk: the RSA private key as a JWK (JSON text); certificate:
-- a self-signed X.509 certificate for it, base64 DER (the JWKS's x5c). Times are epoch milliseconds;
-- published_until NULL: published with no end set yet.
CREATE TABLE signing_keys (
  kid             TEXT PRIMARY KEY,
  private_jwk     TEXT NOT NULL,
  certificate     TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  signs_from      INTEGER NOT NULL,
  published_until INTEGER
);
