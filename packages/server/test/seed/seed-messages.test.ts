/**
 * Seed messages point at what the user wrote (JSON path, or line and column), name role ids with
 * their roles, and never echo raw bytes or control characters to a terminal.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { ENTRA_ROLES } from '@pcapi/contracts';
import { importSeedFile } from '../../src/seed/import-seed.js';
import { describeJsonSyntaxError, findJsonSyntaxError, firstInvalidUtf8 } from '../../src/seed/json-syntax.js';
import { planSeed } from '../../src/seed/plan-seed.js';
import { SeedError } from '../../src/seed/seed-error.js';
import { parseSeedText, readSeedFile } from '../../src/seed/validate-seed.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const PARTNER = '2c01706f-53f9-43ed-a5e3-50fe9b93e511';
const CUSTOMER = '13bba13f-49f8-49aa-8a22-1fe70d695fcb';
const PNG_HEADER = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x1b, 0x5b, 0x33, 0x31, 0x6d]);
/** What a terminal must never receive from a file: control characters other than the line breaks of the message itself. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffd]/;

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-messages-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function seedErrorOf(run: () => unknown): SeedError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof SeedError, `expected a SeedError, got ${String(error)}`);
    return error;
  }
  assert.fail('accepted');
}

async function streamedProblems(t: TestContext, content: string | Buffer): Promise<string[]> {
  const dir = tempDir(t);
  const file = join(dir, 'seed.jsonl');
  writeFileSync(file, content);
  const store = new SqliteStore(':memory:');
  await store.init();
  t.after(() => store.close());
  const error = await importSeedFile(store, file, NOW).then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof SeedError, `expected a SeedError, got ${String(error)}`);
  assert.doesNotMatch(error.message, RAW_CONTROL, 'raw control characters in the message');
  return error.problems;
}

const plan = (document: unknown) =>
  planSeed(parseSeedText(JSON.stringify(document), 'test.seed.json'), { now: NOW, source: 'test.seed.json', existing: { credentialHashes: async () => new Map(), relationshipDates: async () => new Map() } });

describe('binary and broken input is described, not echoed', () => {
  test('a binary file (a PNG) is "not valid JSON: unexpected byte 0x89 at line 1, column 1"', (t) => {
    const file = join(tempDir(t), 'picture.json');
    writeFileSync(file, PNG_HEADER);
    const error = seedErrorOf(() => readSeedFile(file));
    assert.deepEqual(error.problems, ['$: not valid JSON: unexpected byte 0x89 at line 1, column 1 (not UTF-8 text); is this a seed file?']);
    assert.doesNotMatch(error.message, RAW_CONTROL);
  });

  test('a stray byte inside an otherwise valid document is placed by line and column, and not read as U+FFFD', (t) => {
    const file = join(tempDir(t), 'seed.json');
    writeFileSync(file, Buffer.concat([Buffer.from(`{\n  "partners": [\n    { "tenantId": "${PARTNER}", "displayName": "Fabr`), Buffer.from([0xe9]), Buffer.from('kam" }\n  ]\n}\n')]));
    assert.deepEqual(seedErrorOf(() => readSeedFile(file)).problems, ['$: not valid JSON: unexpected byte 0xE9 at line 3, column 79 (not UTF-8 text); is this a seed file?']);
  });

  test('a control character where JSON allows none is named by its code, with line and column', () => {
    const error = seedErrorOf(() => parseSeedText(`{"partners": [{"tenantId": "${PARTNER}", "displayName": "\u001b[31mred"}]}`, 'x.json'));
    assert.deepEqual(error.problems, ['$: not valid JSON: unexpected control character U+001B at line 1, column 84 (expected an escape such as \\n in a string); is this a seed file?']);
    assert.doesNotMatch(error.message, RAW_CONTROL);
  });

  test('syntax errors name the position and what was expected, without quoting the input', () => {
    const cases: [string, string][] = [
      ['{"partners": [', 'unexpected end of file at line 1, column 15 (expected a value)'],
      ['{"partners": [}', "unexpected character '}' at line 1, column 15 (expected a value)"],
      ['{\n  "partners": []\n  "x": 1\n}', `unexpected character '"' at line 3, column 3 (expected ',' or '}')`],
      ['{"partners": [01]}', "unexpected character '1' at line 1, column 16 (expected a number (RFC 8259: no leading zeros, digits after \".\" and \"e\"))"],
      ['{"partners": tru}', "unexpected character '}' at line 1, column 17 (expected true)"],
      ['{"partners": []} x', "unexpected character 'x' at line 1, column 18 (expected the end of the JSON text)"],
      ['PK\u0003\u0004', "unexpected character 'P' at line 1, column 1 (expected a value); is this a seed file?"],
      ['', 'unexpected end of file at line 1, column 1 (expected a value); is this a seed file?'],
    ];
    for (const [text, expected] of cases) assert.equal(describeJsonSyntaxError(text), `not valid JSON: ${expected}`, JSON.stringify(text));
  });

  test('values from the file in messages are escaped: a property or group name with control characters cannot drive a terminal', async () => {
    const seed = { partners: [{ tenantId: PARTNER, displayName: 'F', users: [{ userPrincipalName: 'a@b.example', memberOf: ['\u001b]0;owned\u0007'] }], '\u001b[2J': 1 }] };
    const schema = seedErrorOf(() => parseSeedText(JSON.stringify(seed), 'x.json'));
    assert.ok(schema.problems.includes('$.partners[0]: unknown property "\\u001b[2J"'), schema.problems.join('\n'));
    assert.doesNotMatch(schema.message, RAW_CONTROL);
    delete (seed.partners[0] as Record<string, unknown>)['\u001b[2J'];
    const error = await plan(seed).then(() => undefined, (caught: unknown) => caught);
    assert.ok(error instanceof SeedError);
    assert.deepEqual(error.problems, ['$.partners[0].users[0].memberOf[0]: no security group named "\\u001b]0;owned\\u0007" in partner "F"']);
    assert.doesNotMatch(error.message, RAW_CONTROL);
  });

  test('a message shows at most 20 problems and counts the rest', () => {
    const error = new SeedError('big.json', Array.from({ length: 25 }, (_, i) => `$.partners[${i}]: problem`));
    assert.equal(error.problems.length, 25);
    assert.match(error.message, /\$\.partners\[19\]: problem\n {2}\.\.\. and 5 more problems$/);
  });
});

describe('JSON Lines messages name the line', () => {
  test('binary garbage on line 3 is described with its column', async (t) => {
    const line = JSON.stringify({ partner: { tenantId: PARTNER, displayName: 'Fabrikam' } });
    const problems = await streamedProblems(t, Buffer.concat([Buffer.from(`${line}\n\n`), Buffer.from('{"cu'), Buffer.from([0xff, 0x1b, 0x00]), Buffer.from('\n')]));
    assert.deepEqual(problems, ['line 3: not valid JSON: unexpected byte 0xFF at column 5 (not UTF-8 text); is this a seed file?']);
  });

  test('a syntax error is placed by line and column', async (t) => {
    const problems = await streamedProblems(t, `${JSON.stringify({ partner: { tenantId: PARTNER, displayName: 'Fabrikam' } })}\n{"customer": {"tenantId": }}\n`);
    assert.deepEqual(problems, ["line 2: not valid JSON: unexpected character '}' at column 27 (expected a value)"]);
  });

  test('problems of a customer line, including the other copy of a duplicate, carry line numbers', async (t) => {
    const partner = JSON.stringify({ partner: { tenantId: PARTNER, displayName: 'Fabrikam', securityGroups: [{ displayName: 'Readers' }] } });
    const customer = (roles: string[]) => JSON.stringify({ customer: {
      partnerTenantId: PARTNER, tenantId: CUSTOMER, displayName: 'Contoso',
      gdapRelationships: [{ displayName: 'R', status: 'active', roles: ['Global Reader'], accessAssignments: [{ securityGroup: 'Readers', roles }] }],
    } });
    const problems = await streamedProblems(t, [partner, customer(['Global Reader']), '', customer(['Helpdesk Administrator'])].join('\n'));
    assert.deepEqual(problems, [
      'line 4: $.customer.tenantId: duplicate customer of this partner (also at line 2)',
      'line 4: $.customer.gdapRelationships[0].id: duplicate relationship id (also at line 2)',
      `line 4: $.customer.gdapRelationships[0].accessAssignments[0].roles: roles must be a subset of the relationship's; not in it: Helpdesk Administrator (${ENTRA_ROLES['Helpdesk Administrator']})`,
      'line 4: $.customer.gdapRelationships[0].accessAssignments[0].id: duplicate access assignment id (also at line 2)',
    ]);
  });
});

describe('text every store can hold', () => {
  test('U+0000 and unpaired surrogates (valid JSON escapes) are refused with their paths: PostgreSQL cannot store them, SQLite would alter them', async (t) => {
    const seed = { partners: [{ tenantId: PARTNER, displayName: 'Fab\u0000rikam', customers: [{ tenantId: CUSTOMER, displayName: 'C', organization: { city: 'Red\ud800mond' } }] }] };
    assert.deepEqual(seedErrorOf(() => parseSeedText(JSON.stringify(seed), 'x.json')).problems, [
      '$.partners[0].displayName: contains U+0000 (a NUL character), which is not text a store can hold',
      '$.partners[0].customers[0].organization.city: contains an unpaired surrogate (U+D800), which is not text a store can hold',
    ]);
    const { customers, ...partner } = seed.partners[0]!;
    const problems = await streamedProblems(t, [JSON.stringify({ partner: { ...partner, displayName: 'Fabrikam' } }), JSON.stringify({ customer: { partnerTenantId: PARTNER, ...customers[0] } })].join('\n'));
    assert.deepEqual(problems, ['line 2: $.customer.organization.city: contains an unpaired surrogate (U+D800), which is not text a store can hold']);
    // A surrogate pair is ordinary text.
    assert.doesNotThrow(() => parseSeedText(JSON.stringify({ partners: [{ tenantId: PARTNER, displayName: 'Fabrikam \ud83d\ude00' }] }), 'x.json'));
  });
});

describe('role ids come with their names', () => {
  test('roles outside the relationship are listed by name and id; an unknown role id by its id', async () => {
    const unknownRole = '00000000-1111-4222-8333-444444444444';
    const seed = { partners: [{ tenantId: PARTNER, displayName: 'F', securityGroups: [{ displayName: 'G' }], customers: [{ tenantId: CUSTOMER, displayName: 'C', gdapRelationships: [{
      displayName: 'R', status: 'active', roles: ['Global Reader'], accessAssignments: [{ securityGroup: 'G', roles: ['Global Reader', 'User Administrator', unknownRole] }],
    }] }] }] };
    const error = await plan(seed).then(() => undefined, (caught: unknown) => caught);
    assert.ok(error instanceof SeedError);
    assert.deepEqual(error.problems, [
      `$.partners[0].customers[0].gdapRelationships[0].accessAssignments[0].roles: roles must be a subset of the relationship's; not in it: User Administrator (${ENTRA_ROLES['User Administrator']}), ${unknownRole}`,
    ]);
  });
});

describe('the JSON and UTF-8 checkers agree with the platform', () => {
  /** JSON texts, and the same texts cut, spliced or with a character replaced. */
  const jsonish = fc.oneof(
    fc.json(),
    fc.tuple(fc.json(), fc.nat(), fc.nat({ max: 5 }), fc.string({ maxLength: 3 })).map(([text, at, cut, insert]) => {
      const i = text.length === 0 ? 0 : at % text.length;
      return text.slice(0, i) + insert + text.slice(i + cut);
    }),
    fc.string({ unit: 'binary', maxLength: 30 }),
  );

  test('findJsonSyntaxError finds an error exactly when JSON.parse refuses the text, at an offset inside it', () => {
    fc.assert(fc.property(jsonish, (text) => {
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      const error = findJsonSyntaxError(text);
      assert.equal(error === undefined, valid, `${JSON.stringify(text)}: ${JSON.stringify(error)}`);
      if (error) assert.ok(error.offset >= 0 && error.offset <= text.length);
      assert.doesNotMatch(describeJsonSyntaxError(text), RAW_CONTROL);
    }), { numRuns: 2000 });
  });

  test('firstInvalidUtf8 finds a bad byte exactly when a strict decoder refuses the bytes, and everything before it decodes', () => {
    const strict = new TextDecoder('utf-8', { fatal: true });
    const decodes = (bytes: Uint8Array) => {
      try {
        strict.decode(bytes);
        return true;
      } catch {
        return false;
      }
    };
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 8 }).map((text) => new Uint8Array(Buffer.from(text))));
    fc.assert(fc.property(bytes, (input) => {
      const offset = firstInvalidUtf8(input);
      assert.equal(offset === -1, decodes(input), Buffer.from(input).toString('hex'));
      if (offset >= 0) assert.ok(decodes(input.subarray(0, offset)), `prefix of ${Buffer.from(input).toString('hex')} up to ${offset}`);
    }), { numRuns: 3000 });
  });
});
