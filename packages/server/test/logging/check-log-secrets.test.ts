/**
 * scripts/check-log-secrets.mjs, the scan a full test run ends with: it finds each kind of secret in
 * a line, leaves redacted and ordinary lines alone, and reports file:line without the secret itself.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findSecrets, knownSecrets, mask, scanLogs } from '../../../../scripts/check-log-secrets.mjs';
import { DEMO } from '../helpers/demo-ids.js';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
const AUTH_CODE = 'q3Vx9LwPz0Kd7mN2bR5tY8cJ1hF4gS6aE0iU3oW9eXz';

test('the known secrets include the demo seed\'s password and client secret and the fixed signing key\'s private exponent', () => {
  const known = knownSecrets();
  assert.ok(known.includes(DEMO.secret));
  assert.ok(known.some((secret) => secret.length > 300), 'the signing key\'s d');
  assert.equal(known.some((secret) => secret.length < 8), false, 'no short word that would match ordinary text');
});

test('each kind of secret in a line is found', () => {
  const cases: Array<[string, string]> = [
    [`{"msg":"x","header":"${JWT}"}`, 'JWT'],
    ['{"msg":"calling with Bearer abcdefgh12345678"}', 'bearer token'],
    ['{"body":"grant_type=client_credentials&client_secret=guess&scope=x"}', 'form secret'],
    ['{"body":"username=a%40b.example&password=wrong"}', 'form secret'],
    [`{"url":"/cb?code=${AUTH_CODE}&state=1"}`, 'form secret'],
    ['{"form":{"password":"guess"}}', 'secret field'],
    ['{"headers":{"authorization":"Basic eDp5"}}', 'secret field'],
    [`{"code":"${AUTH_CODE}"}`, 'code field'],
    [`{"msg":"signed in with ${DEMO.secret}"}`, 'known secret'],
  ];
  for (const [line, kind] of cases) {
    const kinds = findSecrets(line, knownSecrets()).map((hit) => hit.kind);
    assert.ok(kinds.includes(kind), `${kind} in ${line}: found ${kinds.join(', ') || 'nothing'}`);
  }
});

test('redacted values and ordinary lines are not hits', () => {
  const clean = [
    '{"level":30,"headers":{"authorization":"[redacted]","cookie":"[redacted]"},"password":"[redacted]","msg":"x"}',
    '{"level":40,"err":{"code":"ECONNREFUSED","message":"connect ECONNREFUSED 127.0.0.1:5432"},"msg":"the store is unavailable"}',
    '{"level":20,"errorCode":"FST_ERR_CTP_INVALID_CONTENT_LENGTH","status":400,"msg":"request refused by the framework"}',
    '{"level":30,"method":"POST","route":"/:tenant/oauth2/v2.0/token","path":"/fabrikam.example/oauth2/v2.0/token","status":400,"msg":"request answered"}',
    '{"level":30,"msg":"Server listening at http://127.0.0.1:8080"}',
  ];
  for (const line of clean) assert.deepEqual(findSecrets(line, knownSecrets()), [], line);
});

test('a scan reports file:line with the secret masked, and counts every line', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pcapi-log-scan-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a.log'), '{"msg":"fine"}\n{"msg":"fine too"}\n');
  writeFileSync(join(dir, 'b.log'), `{"msg":"fine"}\n{"msg":"leaked","token":"${JWT}"}\n`);
  const { files, lines, hits } = scanLogs([dir], []);
  assert.equal(files, 2);
  assert.equal(lines, 4);
  assert.equal(hits.length, 1);
  assert.match(hits[0]!, /b\.log:2: JWT, secret field: /);
  assert.equal(hits[0]!.includes(JWT), false, 'the secret itself is not printed');
  assert.ok(hits[0]!.includes(mask(JWT)));
});
