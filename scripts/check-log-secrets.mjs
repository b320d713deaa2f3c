// Scans log files for secrets: what a full test run logged (scripts/run-tests.mjs points the tests'
// apps at a folder, PCAPI_TEST_LOG_DIR, at level trace with one line per request) must hold no token,
// secret, password or code, redacted or not. Prints file:line for each hit with the secret masked,
// and exits 1 if there is any.
//
//   node scripts/check-log-secrets.mjs DIR_OR_FILE...
//
// Looked for, in every line:
//   - the secrets the suite signs in with: every password and client secret of the seeds
//     (packages/server/seeds/) and of the test fixtures, the fixed signing key's private parts, and
//     the passwords and secrets written as literals in test files (8 characters or more);
//   - any JWT (eyJ... . eyJ... .), `Bearer <token>`;
//   - form-encoded secrets (`client_secret=`, `password=`, `code=`, tokens, assertions);
//   - JSON fields named as secrets whose value is not '[redacted]'.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const REDACTED = '[redacted]';

/** Fields whose values are secrets wherever they appear in JSON (pino's redaction names them all; see logging.ts). */
const SECRET_KEYS = [
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-pcapi-admin-key',
  'access_token', 'refresh_token', 'id_token', 'assertion', 'client_assertion', 'client_secret',
  'password', 'device_code', 'user_code', 'code_verifier', 'token', 'secret',
  'accessToken', 'refreshToken', 'idToken', 'clientAssertion', 'clientSecret', 'deviceCode', 'userCode',
  'codeVerifier', 'adminKey', 'emulatorKey', 'privateKey', 'privateJwk',
];
const FORM_KEYS = ['client_secret', 'password', 'code', 'device_code', 'access_token', 'refresh_token', 'id_token', 'client_assertion', 'assertion', 'code_verifier'];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const PATTERNS = [
  { kind: 'JWT', pattern: /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g },
  { kind: 'bearer token', pattern: /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi },
  { kind: 'form secret', pattern: new RegExp(`(?:^|[?&\\s"'])(?:${FORM_KEYS.map(escape).join('|')})=(?!\\[redacted\\])[^&\\s"']+`, 'g') },
  { kind: 'secret field', pattern: new RegExp(`"(?:${SECRET_KEYS.map(escape).join('|')})":\\s*"(?!${escape(REDACTED)}")[^"]+"`, 'gi') },
  // An OAuth code under "code": random base64url, unlike error codes (ECONNREFUSED, FST_ERR_...).
  { kind: 'code field', pattern: /"code":\s*"(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{32,}"/g },
];

/** Values under secret-named keys anywhere in a JSON document. */
function secretValues(document, into) {
  if (Array.isArray(document)) for (const item of document) secretValues(item, into);
  else if (document && typeof document === 'object') {
    for (const [key, value] of Object.entries(document)) {
      if (typeof value === 'string' && /^(password|clientSecret|client_secret|secret)$/i.test(key)) into.add(value);
      else secretValues(value, into);
    }
  }
}

function filesUnder(dir, accept) {
  const found = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...filesUnder(path, accept));
    else if (accept(name)) found.push(path);
  }
  return found;
}

/**
 * The secrets the suite knows: the seeds' and fixtures' passwords and client secrets, the fixed
 * signing key's private parts, and password or secret literals in test files. Short or common words
 * ('guess', 'wrong') are left to the patterns: as plain text they would match ordinary words.
 */
export function knownSecrets(root = ROOT) {
  const secrets = new Set();
  const server = join(root, 'packages/server');
  for (const file of [...filesUnder(join(server, 'seeds'), (name) => name.endsWith('.json')), ...filesUnder(join(server, 'test/fixtures'), (name) => name.endsWith('.json'))]) {
    const document = JSON.parse(readFileSync(file, 'utf8'));
    secretValues(document, secrets);
    if (document && typeof document === 'object' && typeof document.d === 'string') {
      for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi']) if (typeof document[part] === 'string') secrets.add(document[part]);
    }
  }
  const literal = /\b(?:password|client_secret|clientSecret|secret)\b['"]?\s*[:=]\s*'([^'\n]+)'/g;
  for (const file of filesUnder(join(server, 'test'), (name) => name.endsWith('.ts'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(literal)) secrets.add(match[1]);
  }
  // Names of flags and variables are not secrets.
  return [...secrets].filter((secret) => secret.length >= 8 && !/^-|^[A-Z_]+$/.test(secret));
}

/** A secret shown without giving it away: its first two characters and its length. */
export function mask(secret) {
  return `${secret.slice(0, 2)}…[${secret.length} chars]`;
}

/** The secrets in one line, each with what found it. */
export function findSecrets(line, known = []) {
  const hits = [];
  for (const { kind, pattern } of PATTERNS) {
    for (const match of line.matchAll(pattern)) hits.push({ kind, text: match[0].trim() });
  }
  for (const secret of known) if (line.includes(secret)) hits.push({ kind: 'known secret', text: secret });
  return hits;
}

/** Every line of every file under the paths; hits as `file:line: kind: the line, secrets masked`. */
export function scanLogs(paths, known = knownSecrets()) {
  const files = paths.flatMap((path) => (statSync(path).isDirectory() ? filesUnder(path, () => true) : [path]));
  let lines = 0;
  const hits = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const fileLines = text.split('\n');
    if (fileLines.at(-1) === '') fileLines.pop();
    fileLines.forEach((line, index) => {
      lines++;
      const found = findSecrets(line, known);
      if (found.length === 0) return;
      let shown = line;
      for (const hit of found) shown = shown.split(hit.text).join(mask(hit.text));
      hits.push(`${file}:${index + 1}: ${[...new Set(found.map((hit) => hit.kind))].join(', ')}: ${shown.slice(0, 400)}`);
    });
  }
  return { files: files.length, lines, hits };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const paths = process.argv.slice(2);
  if (paths.length === 0) {
    console.error('usage: node scripts/check-log-secrets.mjs DIR_OR_FILE...');
    process.exit(2);
  }
  const { files, lines, hits } = scanLogs(paths);
  for (const hit of hits) console.error(hit);
  console.log(`log secret scan: ${lines} lines in ${files} files, ${hits.length} with a secret`);
  process.exit(hits.length > 0 ? 1 : 0);
}
