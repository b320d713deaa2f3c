/**
 * Conformance runner: every conformance/scenarios/*.json is validated against scenario.schema.json,
 * sent to ONE real pcapi (real listener on a random port, real SQLite, demo dataset, real token
 * issuer) and its response compared with the scenario's expectation. See conformance/README.md.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { MintOptions } from '../packages/server/src/identity/token-issuer.js';
import { startTestServer, type TestServer } from '../packages/server/test/helpers/test-server.js';

type HeaderExpectation = string | { pattern: string };

interface Scenario {
  title: string;
  provenance: { source: 'source-document' | 'facts-sheet' | 'pcapi-choice'; note: string };
  request: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    caller: { user: string } | { app: string } | { token: 'none' | 'garbage' };
    mint?: MintOptions;
  };
  expect: {
    status: number;
    headers?: Record<string, HeaderExpectation>;
    body?: unknown;
    bodyText?: string;
    bodyMatch?: unknown;
  };
}

const HERE = dirname(fileURLToPath(import.meta.url));
const SCENARIO_DIR = join(HERE, 'scenarios');
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Syntactically a bearer token (so it reaches the verifier), but not a JWT anyone signed. */
const GARBAGE_TOKEN = 'this-is-not-a-jwt.garbage.garbage';

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
const validateScenario = ajv.compile<Scenario>(JSON.parse(readFileSync(join(HERE, 'scenario.schema.json'), 'utf8')));

const files = readdirSync(SCENARIO_DIR).filter((name) => name.endsWith('.json')).sort();

let pcapi: TestServer & { close?: () => Promise<void> };
before(async () => {
  pcapi = await startTestServer(undefined);
});
after(async () => {
  await pcapi?.close?.();
});

test('conformance/scenarios holds scenario files', () => {
  assert.ok(files.length > 0, `no *.json in ${SCENARIO_DIR}`);
});

for (const file of files) {
  const raw: unknown = JSON.parse(readFileSync(join(SCENARIO_DIR, file), 'utf8'));
  const title = typeof raw === 'object' && raw !== null && 'title' in raw ? String(raw.title) : '(no title)';
  test(`${file}: ${title}`, async () => {
    if (!validateScenario(raw)) {
      assert.fail(`${file} does not match scenario.schema.json: ${ajv.errorsText(validateScenario.errors, { dataVar: 'scenario' })}`);
    }
    await runScenario(raw);
  });
}

async function runScenario(scenario: Scenario): Promise<void> {
  const { request, expect } = scenario;
  const headers = new Headers(request.headers ?? {});
  if (headers.has('authorization')) assert.fail('request.headers must not hold Authorization; use request.caller');
  const authorization = await authorizationFor(request);
  if (authorization !== undefined) headers.set('authorization', authorization);

  const response = await fetch(`${pcapi.url}${request.path}`, { method: request.method, headers, redirect: 'manual' });
  const text = await response.text();
  const context = `${request.method} ${request.path} answered ${response.status} ${text.slice(0, 600)}`;

  assert.equal(response.status, expect.status, `status: ${context}`);

  for (const [name, expected] of Object.entries(expect.headers ?? {})) {
    checkHeader(name, expected, response.headers.get(name), headers.get(name), context);
  }

  if (expect.bodyText !== undefined) assert.equal(text, expect.bodyText, `bodyText: ${context}`);
  if (expect.body !== undefined) assert.deepStrictEqual(parseJson(text, context), expect.body, `body: ${context}`);
  if (expect.bodyMatch !== undefined) {
    const problems = subsetProblems(parseJson(text, context), expect.bodyMatch, '$');
    assert.deepEqual(problems, [], `bodyMatch: ${context}`);
  }
}

async function authorizationFor(request: Scenario['request']): Promise<string | undefined> {
  const { caller } = request;
  if ('user' in caller) return `Bearer ${await pcapi.tokenFor(caller.user, request.mint ?? {})}`;
  if ('app' in caller) return `Bearer ${await pcapi.tokenFor(caller.app, request.mint ?? {})}`;
  return caller.token === 'garbage' ? `Bearer ${GARBAGE_TOKEN}` : undefined;
}

function checkHeader(name: string, expected: HeaderExpectation, actual: string | null, sent: string | null, context: string): void {
  const label = `header ${name}: ${context}`;
  if (typeof expected === 'object') {
    assert.ok(actual !== null, `${label} (missing; expected to match /${expected.pattern}/)`);
    assert.match(actual, new RegExp(expected.pattern), label);
    return;
  }
  switch (expected) {
    case '$absent':
      assert.equal(actual, null, label);
      return;
    case '$present':
      assert.ok(actual !== null, `${label} (missing)`);
      return;
    case '$guid':
      assert.ok(actual !== null, `${label} (missing)`);
      assert.match(actual, GUID, label);
      return;
    case '$request':
      if (sent === null) assert.fail(`scenario error: "$request" for ${name}, but the request does not send ${name}`);
      assert.equal(actual, sent, label);
      return;
    default:
      assert.equal(actual, expected, label);
  }
}

function parseJson(text: string, context: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return assert.fail(`the body is not JSON: ${context}`);
  }
}

/** bodyMatch semantics (README): object subset, arrays element-wise with equal length, "$array"/"$guid" markers, scalars exact. */
function subsetProblems(actual: unknown, expected: unknown, path: string): string[] {
  if (expected === '$array') return Array.isArray(actual) ? [] : [`${path}: expected an array, got ${JSON.stringify(actual)}`];
  if (expected === '$guid') return typeof actual === 'string' && GUID.test(actual) ? [] : [`${path}: expected a GUID, got ${JSON.stringify(actual)}`];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${JSON.stringify(actual)}`];
    if (actual.length !== expected.length) return [`${path}: expected ${expected.length} elements, got ${actual.length}`];
    return expected.flatMap((item, index) => subsetProblems(actual[index], item, `${path}[${index}]`));
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([key, value]) =>
      key in actual ? subsetProblems((actual as Record<string, unknown>)[key], value, `${path}.${key}`) : [`${path}.${key}: missing`],
    );
  }
  return Object.is(actual, expected) ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}
