/** Parses and schema-checks a seed file; every error names the JSON path and the problem. */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { GUID_PATTERN } from '@pcapi/contracts';
import { SEED_SCHEMA_FILE } from '../package-paths.js';
import type { SeedDocument } from './seed-document.js';

export class SeedError extends Error {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`seed file ${source} is not valid:\n  ${problems.join('\n  ')}`);
    this.name = 'SeedError';
  }
}

export const SEED_SCHEMA_PATH = SEED_SCHEMA_FILE;

const ajv = new Ajv({ allErrors: true, strict: true });
const seedSchema = JSON.parse(readFileSync(SEED_SCHEMA_PATH, 'utf8')) as { $id: string };
const validateSchema = ajv.compile<SeedDocument>(seedSchema);
/** Validators for the lines of a streamed (JSON Lines) seed: one partner, or one customer. */
const validatePartnerLine = ajv.compile({ $ref: `${seedSchema.$id}#/definitions/partner` });
const validateCustomerLine = ajv.compile({ $ref: `${seedSchema.$id}#/definitions/customer` });

/** Schema problems of one streamed line's entity, with paths under `$.partner` or `$.customer`. */
export function lineProblems(kind: 'partner' | 'customer', value: unknown): string[] {
  const validate = kind === 'partner' ? validatePartnerLine : validateCustomerLine;
  if (validate(value)) return [];
  return [...new Set((validate.errors ?? []).map((error) => describe({ ...error, instancePath: `/${kind}${error.instancePath}` })))];
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
      return `${path}: unknown property "${(error.params as { additionalProperty: string }).additionalProperty}"`;
    case 'required':
      return `${path}: missing required property "${(error.params as { missingProperty: string }).missingProperty}"`;
    case 'enum':
      return `${path}: must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern': {
      const pattern = (error.params as { pattern: string }).pattern;
      if (pattern === GUID_PATTERN) return `${path}: must be a GUID (8-4-4-4-12 hexadecimal digits)`;
      if (pattern === '^[A-Za-z0-9-]+$') return `${path}: may hold only letters, digits and hyphens`;
      return `${path}: does not match ${pattern}`;
    }
    default:
      return `${path}: ${error.message ?? error.keyword}`;
  }
}

export function parseSeedText(text: string, source: string): SeedDocument {
  let document: unknown;
  try {
    document = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new SeedError(source, [`$: not valid JSON (${(error as Error).message})`]);
  }
  if (!validateSchema(document)) {
    const problems = [...new Set((validateSchema.errors ?? []).map(describe))];
    throw new SeedError(source, problems.slice(0, 20).concat(problems.length > 20 ? [`... and ${problems.length - 20} more`] : []));
  }
  return document;
}

export function readSeedFile(file: string): SeedDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SeedError(file, [`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`]);
  }
  return parseSeedText(text, file);
}
