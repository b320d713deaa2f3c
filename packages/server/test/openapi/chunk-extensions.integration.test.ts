/**
 * The one refusal before routing the OpenAPI document states (`x-pcapi-unrouted`) that no other test
 * produced: chunk extensions over Node's limit, answered 413 from the catalog on a real socket.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertCatalogAnswer, exchange } from '../helpers/raw-http.js';
import { startTestServer } from '../helpers/test-server.js';

test('chunk extensions over Node\'s limit: 413 payloadTooLarge with request ids, then the connection is closed', async (t) => {
  const pcapi = await startTestServer(t);
  const head = 'POST /fabrikam.example/oauth2/v2.0/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n';
  const result = await exchange(pcapi.url, [head, `1;${'a'.repeat(20 * 1024)}\r\nx\r\n0\r\n\r\n`]);
  assert.equal(result.responses.length, 1, result.text.slice(0, 300));
  assertCatalogAnswer(result.responses[0], 'payloadTooLarge');
  assert.equal(result.responses[0]!.headers.connection, 'close');
  assert.ok(result.closedByServer);
});
