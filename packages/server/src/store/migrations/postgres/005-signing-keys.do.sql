-- The local issuer's token-signing keys, in the store so every process (on every machine) signs and
-- verifies with the same ones. Rows only: which key signs and which keys are published is decided in
-- identity/signing-key-rules.ts. private_jwk: the RSA private key as a JWK; certificate: a
-- self-signed X.509 certificate for it, base64 DER (the JWKS's x5c). Times are epoch milliseconds;
-- published_until NULL: published with no end set yet.
CREATE TABLE signing_keys (
  kid             text PRIMARY KEY,
  private_jwk     jsonb NOT NULL,
  certificate     text NOT NULL,
  created_at      bigint NOT NULL,
  signs_from      bigint NOT NULL,
  published_until bigint
);
