/** Parses and schema-checks a seed file; every error names the JSON path and the problem. */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { GUID_PATTERN } from '@pcapi/contracts';
import { SEED_SCHEMA_FILE } from '../package-paths.js';
import { unstorableCharacter } from '../domain/storable-text.js';
import { LOOPBACK_HOST_NAMES } from '../loopback.js';
import { readAtMost } from '../read-at-most.js';
import { describeInvalidUtf8, describeJsonSyntaxError } from './json-syntax.js';
import type { SkippedParts } from './plan-seed.js';
import type { SeedDocument, SeedPartner } from './seed-document.js';
import { SeedError } from './seed-error.js';

export const SEED_SCHEMA_PATH = SEED_SCHEMA_FILE;

/**
 * The compiled schema validators, built on first use: compiling takes a good part of a second, and a
 * server that imports no seed file (the common restart) should not pay it at start-up.
 *
 * A document is checked a level at a time (its top level, each partner without its customers, each
 * customer): with allErrors, Ajv appends a referenced schema's errors to all the errors so far by
 * copying them (`concat`), so one validator over a whole document takes quadratic time in the number of
 * errors (30,000 bad customers: 10 s; 10,000: 0.2 s). The levels are the seed schema itself, with the
 * lists below a level left to the next one.
 */
const validators = (() => {
  let compiled: ReturnType<typeof compile> | undefined;
  function compile() {
    const ajv = new Ajv({ allErrors: true, strict: true });
    const seedSchema = JSON.parse(readFileSync(SEED_SCHEMA_PATH, 'utf8')) as SchemaDocument;
    const levels = structuredClone(seedSchema);
    levels.$id = seedSchema.$id.replace(/\.schema\.json$/, '.levels.schema.json');
    levels.properties.partners = { type: 'array' };
    levels.definitions.partner.properties.customers = { type: 'array' };
    ajv.addSchema(seedSchema);
    return {
      /** The document's top level: partners checked one by one (`partner`). */
      documentLevel: ajv.compile(levels),
      /** One partner of a document, its customers checked one by one (`customerLine`). */
      partnerLevel: ajv.compile({ $ref: `${levels.$id}#/definitions/partner` }),
      /** The lines of a streamed (JSON Lines) seed: one partner, or one customer. */
      partnerLine: ajv.compile({ $ref: `${seedSchema.$id}#/definitions/partner` }),
      customerLine: ajv.compile({ $ref: `${seedSchema.$id}#/definitions/customer` }),
    };
  }
  return () => (compiled ??= compile());
})();

/** The parts of the seed schema that validators() derives its levels from. */
interface SchemaDocument {
  $id: string;
  properties: Record<string, unknown>;
  definitions: { partner: { properties: Record<string, unknown> } };
}

/** `validate`'s errors for `value`, their paths under `prefix` (a JSON pointer). */
function errorsAt(validate: ValidateFunction, value: unknown, prefix: string): ErrorObject[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => ({ ...error, instancePath: `${prefix}${error.instancePath}` }));
}

/** Every schema error of a seed document, a level at a time (validators()). */
function* documentErrors(value: unknown): Generator<ErrorObject> {
  const { documentLevel, partnerLevel, customerLine } = validators();
  yield* errorsAt(documentLevel, value, '');
  const partners = (value as { partners?: unknown } | null)?.partners;
  if (!Array.isArray(partners)) return;
  for (const [p, partner] of partners.entries()) {
    yield* errorsAt(partnerLevel, partner, `/partners/${p}`);
    const customers = (partner as { customers?: unknown } | null)?.customers;
    if (!Array.isArray(customers)) continue;
    for (const [c, customer] of customers.entries()) yield* errorsAt(customerLine, customer, `/partners/${p}/customers/${c}`);
  }
}

/** Schema problems of one streamed line's entity, with paths under `$.partner` or `$.customer`. */
export function lineProblems(kind: 'partner' | 'customer', value: unknown): string[] {
  const validate = kind === 'partner' ? validators().partnerLine : validators().customerLine;
  if (validate(value)) return [...unstorableText(value, `$.${kind}`), ...(kind === 'partner' ? partnerValueProblems(value as SeedPartner, '$.partner') : [])];
  return [...new Set((validate.errors ?? []).map((error) => describe({ ...error, instancePath: `/${kind}${error.instancePath}` })))];
}

/** The pattern of a consent's scopes in the schema: `<resource>/<permission>`, no spaces. */
export const SCOPE_PATTERN = '^[^\\s/]\\S*/[^\\s/]+$';
/** Schemes that run or read something instead of reaching an app: never a redirect target. */
const UNSAFE_SCHEMES = new Set(['javascript', 'data', 'vbscript', 'file', 'blob', 'about']);

/**
 * Why a redirect URI cannot be registered, or undefined when it can: an absolute https URL, http only
 * for localhost, 127.0.0.1 or [::1], or a custom scheme (`ms-appx-web://...`, `myapp://auth`,
 * `urn:ietf:wg:oauth:2.0:oob`); never a fragment (RFC 6749 3.1.2).
 */
export function redirectUriProblem(uri: string): string | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]+):/.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) return 'is not an absolute URI (use https://..., http://localhost..., or a custom scheme such as ms-appx-web://... or urn:ietf:wg:oauth:2.0:oob)';
  if (/\s/.test(uri)) return 'contains white space';
  if (uri.includes('#')) return 'has a fragment (#...), which a redirect URI cannot have';
  if (UNSAFE_SCHEMES.has(scheme)) return `uses the ${scheme}: scheme, which cannot be a redirect URI`;
  if (scheme !== 'http' && scheme !== 'https') return undefined;
  let host: string;
  try {
    host = new URL(uri).hostname;
  } catch {
    host = '';
  }
  if (!/^\/\/[^/\\?#]/.test(uri.slice(scheme.length + 1)) || host === '') return `is not a URL with a host (${scheme}://host/path)`;
  // Entra allows http only for the loopback.
  if (scheme === 'http' && !LOOPBACK_HOST_NAMES.has(host)) return 'uses http, which is allowed only for localhost, 127.0.0.1 and [::1] (use https)';
  return undefined;
}

/** The pattern of passwordHash and clientSecretHash in the schema: a stored scrypt hash. */
const CREDENTIAL_HASH_PATTERN = '^scrypt\\$[1-9][0-9]{0,6}\\$[1-9][0-9]{0,2}\\$[1-9][0-9]{0,2}\\$[A-Za-z0-9+/]+={0,2}\\$[A-Za-z0-9+/]+={0,2}$';

/** Problems of a schema-valid partner that the schema cannot express (redirect URIs, a secret given twice). */
function partnerValueProblems(partner: SeedPartner, path: string): string[] {
  const problems: string[] = [];
  (partner.users ?? []).forEach((user, u) => {
    if (user.password !== undefined && user.passwordHash !== undefined) {
      problems.push(`${path}.users[${u}]: give either password or passwordHash, not both`);
    }
  });
  (partner.applications ?? []).forEach((app, a) => {
    if (app.clientSecret !== undefined && app.clientSecretHash !== undefined) {
      problems.push(`${path}.applications[${a}]: give either clientSecret or clientSecretHash, not both`);
    }
  });
  (partner.applications ?? []).forEach((app, a) => {
    (app.redirectUris ?? []).forEach((uri, u) => {
      const problem = redirectUriProblem(uri);
      if (problem) problems.push(`${path}.applications[${a}].redirectUris[${u}]: ${JSON.stringify(uri)} ${problem}`);
    });
  });
  return problems;
}

/**
 * Strings no store can hold as written: PostgreSQL refuses U+0000 in text and JSON, and a lone
 * surrogate is not UTF-8 (SQLite would store U+FFFD instead, so the file never matches the store).
 */
export function unstorableText(value: unknown, path = '$'): string[] {
  // Paths are built only where something was found: this runs on every line of a million-line file.
  return holdsSuspectText(value) ? unstorableTextAt(value, path) : [];
}

/** Whether any string in the value holds U+0000 or a surrogate (paired or not). */
function holdsSuspectText(value: unknown): boolean {
  if (typeof value === 'string') return SUSPECT.test(value);
  if (typeof value !== 'object' || value === null) return false;
  for (const item of Array.isArray(value) ? value : Object.values(value)) if (holdsSuspectText(item)) return true;
  return false;
}
const SUSPECT = /[\u0000\ud800-\udfff]/;

function unstorableTextAt(value: unknown, path: string): string[] {
  if (typeof value === 'string') {
    const found = unstorableCharacter(value);
    return found === undefined ? [] : [`${path}: contains ${found}, which is not text a store can hold`];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => unstorableTextAt(item, `${path}[${index}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => unstorableTextAt(item, jsonPath(`/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`).replace(/^\$/, path)));
  }
  return [];
}

/** `/partners/0/users/1` → `$.partners[0].users[1]`. */
export function jsonPath(pointer: string): string {
  let path = '$';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path += /^\d+$/.test(segment) ? `[${segment}]` : /^[A-Za-z_$][\w$]*$/.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
  }
  return path;
}

function describe(error: ErrorObject): string {
  const path = jsonPath(error.instancePath);
  switch (error.keyword) {
    case 'additionalProperties':
      return `${path}: unknown property ${JSON.stringify((error.params as { additionalProperty: string }).additionalProperty)}`;
    case 'required':
      return `${path}: missing required property "${(error.params as { missingProperty: string }).missingProperty}"`;
    case 'enum':
      return `${path}: must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern': {
      const pattern = (error.params as { pattern: string }).pattern;
      if (pattern === GUID_PATTERN) return `${path}: must be a GUID (8-4-4-4-12 hexadecimal digits)`;
      if (pattern === '^[A-Za-z0-9-]+$') return `${path}: may hold only letters, digits and hyphens`;
      if (pattern === CREDENTIAL_HASH_PATTERN) return `${path}: must be a credential hash as pcapi export writes it (scrypt$N$r$p$salt$key)`;
      if (pattern === SCOPE_PATTERN) return `${path}: must be a scope of the form <resource>/<permission>, e.g. "https://api.partnercenter.microsoft.com/user_impersonation"`;
      return `${path}: does not match ${pattern}`;
    }
    default:
      return `${path}: ${error.message ?? error.keyword}`;
  }
}

/**
 * A seed document checked against the schema, with every problem found and the parts the later stages
 * (references, the store) can still check: a partner whose own fields fail the schema is skipped with
 * its customers, a customer that fails it is skipped alone, and the rest goes on.
 */
export interface CheckedSeedDocument {
  document: SeedDocument;
  problems: string[];
  skipped: SkippedParts;
}

/** Far deeper than any seed document; the checks below recurse, and thousands of levels overflow the stack. */
const MAX_NESTING = 64;

/** The JSON path where `value` first nests deeper than `max` arrays and objects, or undefined; iterative. */
function nestedDeeperThan(value: unknown, max: number): string | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: '$' }];
  while (stack.length > 0) {
    const { value: node, depth, path } = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= max) return path;
    if (Array.isArray(node)) node.forEach((item, index) => stack.push({ value: item, depth: depth + 1, path: `${path}[${index}]` }));
    else for (const [key, item] of Object.entries(node)) stack.push({ value: item, depth: depth + 1, path: `${path}.${key}` });
  }
  return undefined;
}

/** `/partners/3/customers/1/...` → which part of the document an error is in. */
const PART = /^\/partners\/(\d+)(?:\/customers\/(\d+)(?=\/|$))?/;

/**
 * Parses and schema-checks a seed document, reporting every problem. Throws a SeedError only when
 * nothing can be checked further: not JSON, or not an object with a `partners` list.
 */
export function checkSeedText(text: string, source: string): CheckedSeedDocument {
  let value: unknown;
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    value = JSON.parse(json);
  } catch {
    throw new SeedError(source, [`$: ${describeJsonSyntaxError(json)}`]);
  }
  return checkSeedValue(value, source);
}

/** checkSeedText for a value already parsed from JSON (a request body). */
export function checkSeedValue(value: unknown, source: string): CheckedSeedDocument {
  const tooDeep = nestedDeeperThan(value, MAX_NESTING);
  if (tooDeep) {
    throw new SeedError(source, [`${tooDeep}: arrays and objects nest deeper than ${MAX_NESTING} levels there: the document nests arrays or objects too deeply to be a seed document (one nests fewer than 10)`]);
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  const partners = new Set<number>();
  const customers = new Set<string>();
  let whole = true;
  for (const error of documentErrors(value)) {
    const problem = describe(error);
    // A Set: a file with tens of thousands of errors was checked in quadratic time (50,000: 67 s).
    if (!seen.has(problem)) {
      seen.add(problem);
      problems.push(problem);
    }
    const part = PART.exec(error.instancePath);
    if (!part) {
      // Only an unknown top-level property leaves the partners checkable.
      if (!(error.instancePath === '' && error.keyword === 'additionalProperties')) whole = false;
    } else if (part[2] !== undefined) customers.add(`${part[1]}/${part[2]}`);
    else partners.add(Number(part[1]));
  }
  const partnerList = (value as { partners?: unknown } | null)?.partners;
  if (!whole || !Array.isArray(partnerList)) throw new SeedError(source, problems);
  const document = value as SeedDocument;
  problems.push(...unstorableText(document));
  document.partners.forEach((partner, p) => {
    if (!partners.has(p)) problems.push(...partnerValueProblems(partner, `$.partners[${p}]`));
  });
  return { document, problems, skipped: { partners, customers } };
}

/** parseSeedText for a value already parsed from JSON: checked as it stands, not written out and read again. */
export function parseSeedValue(value: unknown, source: string): SeedDocument {
  const { document, problems } = checkSeedValue(value, source);
  if (problems.length > 0) throw new SeedError(source, problems);
  return document;
}

/** Parses and checks a seed document against the schema; any problem is thrown, all of them in one SeedError. */
export function parseSeedText(text: string, source: string): SeedDocument {
  const { document, problems } = checkSeedText(text, source);
  if (problems.length > 0) throw new SeedError(source, problems);
  return document;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A JSON seed document is read whole, and no JavaScript string holds much more than this (V8's limit
 * is 2^29 - 24 characters): larger datasets are JSON Lines, streamed.
 */
export const MAX_DOCUMENT_BYTES = 512 * 1024 * 1024;

/** Reads and schema-checks a seed file (see checkSeedText): its problems, and the parts later stages can check. */
export function checkSeedFile(file: string, maxBytes = MAX_DOCUMENT_BYTES): CheckedSeedDocument {
  let bytes: Buffer | undefined;
  try {
    bytes = readAtMost(file, maxBytes);
  } catch (error) {
    throw new SeedError(file, [`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }
  if (bytes === undefined) {
    throw new SeedError(file, [`larger than ${maxBytes / 1024 / 1024} MiB, the most a JSON document can be read whole: give larger datasets as JSON Lines (a .jsonl file, streamed)`]);
  }
  // JSON is UTF-8 (RFC 8259): a stray byte is refused, not silently read as U+FFFD.
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new SeedError(file, [`$: ${describeInvalidUtf8(bytes) ?? 'not UTF-8 text'}`]);
  }
  return checkSeedText(text, file);
}

export function readSeedFile(file: string): SeedDocument {
  const { document, problems } = checkSeedFile(file);
  if (problems.length > 0) throw new SeedError(file, problems);
  return document;
}
