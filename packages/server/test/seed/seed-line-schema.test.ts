/**
 * The JSON Lines seed format's schema (schemas/seed-line.schema.json) and the generator: every line
 * `pcapi generate-seed` writes validates against it, it refuses what the importer refuses, it follows
 * the document schema's customer (no drift), and the generator's kinds and guide tell the truth.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { SEED_SCHEMA_FILE } from '../../src/package-paths.js';
import {
  customerKindOf, customerLine, customerTenantIdOf, generateSeedFile, generateSeedGuide, partnerLine, type CustomerKind, type GenerateOptions,
} from '../../src/seed/generate-seed.js';

const LINE_SCHEMA_FILE = join(SEED_SCHEMA_FILE, '..', 'seed-line.schema.json');
const seedSchema = JSON.parse(readFileSync(SEED_SCHEMA_FILE, 'utf8')) as { definitions: { customer: { properties: object; required: string[] } } };
const lineSchema = JSON.parse(readFileSync(LINE_SCHEMA_FILE, 'utf8')) as { oneOf: { properties: { customer?: { properties: object; required: string[] } } }[] };
const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addSchema(seedSchema);
const validateLine = ajv.compile(lineSchema);

async function generatedLines(options: GenerateOptions): Promise<unknown[]> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await generateSeedFile(out, options);
  return text.trim().split('\n').map((line) => JSON.parse(line) as unknown);
}

type Customer = { dap?: boolean; gdapRelationships?: { status: string; roles: string[]; accessAssignments: { securityGroup: string }[] }[] };

/** The kind a generated customer line holds, read from the line itself. */
function kindOfLine(line: unknown): CustomerKind {
  const customer = (line as { customer: Customer }).customer;
  if (customer.dap) return 'dapOnly';
  const relationship = customer.gdapRelationships![0]!;
  if (relationship.status === 'expired') return 'expired';
  return relationship.roles.includes('Global Reader') ? 'allowed' : 'wrongRoles';
}

describe('seed-line.schema.json', () => {
  test('every line generate-seed writes is valid (2,000 customers of 7 partners)', async () => {
    const lines = await generatedLines({ customers: 2000, partners: 7, usersPerPartner: 3 });
    assert.equal(lines.length, 2007);
    for (const [index, line] of lines.entries()) assert.ok(validateLine(line), `line ${index + 1}: ${ajv.errorsText(validateLine.errors)}`);
  });

  test('refuses what the importer refuses: customers in a partner line, a customer without its partner, two keys, another key', () => {
    const partner = partnerLine(0, 1) as { partner: object };
    const customer = customerLine(200, 1) as { customer: { partnerTenantId: string } };
    const { partnerTenantId: _, ...orphan } = customer.customer;
    const bad = [
      { partner: { ...partner.partner, customers: [] } },
      { customer: orphan },
      { ...partner, ...customer },
      { tenant: partner.partner },
      { customer: { ...customer.customer, partnerTenantId: 'not-a-guid' } },
      { customer: { ...customer.customer, colour: 'blue' } },
    ];
    for (const line of bad) assert.equal(validateLine(line), false, JSON.stringify(line).slice(0, 120));
    assert.ok(validateLine(partner) && validateLine(customer));
  });

  test("a customer line has the document schema's customer properties, plus partnerTenantId (no drift)", () => {
    const customerLineSchema = lineSchema.oneOf.map((branch) => branch.properties.customer).find(Boolean)!;
    assert.deepEqual(Object.keys(customerLineSchema.properties).sort(), ['partnerTenantId', ...Object.keys(seedSchema.definitions.customer.properties)].sort());
    assert.deepEqual(customerLineSchema.required.sort(), ['partnerTenantId', ...seedSchema.definitions.customer.required].sort());
  });
});

describe('generate-seed: kinds and guide', () => {
  test('customerKindOf says what each line holds; 15% denied, 5% of each kind; index % 1000 >= 150 is allowed (the load harness counts on it)', () => {
    for (const partners of [1, 3, 10, 100]) {
      const counts: Record<CustomerKind, number> = { allowed: 0, dapOnly: 0, expired: 0, wrongRoles: 0 };
      for (let index = 0; index < 3000; index++) {
        const kind = customerKindOf(index, partners);
        assert.equal(kindOfLine(customerLine(index, partners)), kind, `customer ${index} of ${partners} partners`);
        if (index % 1000 >= 150) assert.equal(kind, 'allowed');
        counts[kind]++;
      }
      assert.equal(counts.allowed, 2550, `${partners} partners`);
      for (const kind of ['dapOnly', 'expired', 'wrongRoles'] as const) assert.ok(Math.abs(counts[kind] - 150) <= 2 * partners, `${partners} partners: ${JSON.stringify(counts)}`);
    }
  });

  test('with the default sizes the guide names partner 0 and a customer of each kind, each of partner 0 and of that kind', () => {
    const options = { customers: 1000, partners: 10, usersPerPartner: 5 };
    const guide = generateSeedGuide(options);
    assert.equal(guide.partner.index, 0);
    assert.deepEqual(guide.customers.map((c) => c.kind), ['allowed', 'dapOnly', 'expired', 'wrongRoles']);
    assert.deepEqual(guide.missing, []);
    for (const customer of guide.customers) {
      assert.equal(customer.index % options.partners, 0);
      assert.equal(customer.tenantId, customerTenantIdOf(customer.index));
      assert.equal(kindOfLine(customerLine(customer.index, options.partners)), customer.kind);
      assert.equal(customer.status, customer.kind === 'allowed' ? 200 : 403);
    }
  });

  test('a small file: the guide says which kinds are missing, and the --customers it names gives them', () => {
    for (const [customers, partners] of [[5, 3], [20, 2], [1, 1], [149, 1], [400, 200]] as const) {
      const guide = generateSeedGuide({ customers, partners, usersPerPartner: 1 });
      assert.equal(guide.customers.length + guide.missing.length, 4);
      for (const { kind, hint } of guide.missing) {
        const needed = Number(/--customers (\d+) or more/.exec(hint)?.[1]);
        assert.ok(needed > customers, hint);
        const bigger = generateSeedGuide({ customers: needed, partners, usersPerPartner: 1 });
        assert.ok(bigger.customers.some((c) => c.kind === kind), `${customers}/${partners}: ${hint}`);
      }
    }
  });
});
