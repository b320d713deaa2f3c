/**
 * Microsoft's Graph SDK (@microsoft/microsoft-graph-client, unmodified, with @azure/identity
 * credentials pointed at pcapi over https) sets GDAP up end to end; the Partner Center endpoint
 * follows each step: 403 before the access assignment, 200 after it, 403 on the very next call after
 * terminate. The program is graph/graph-client-gdap.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runNode, TLS_CERT, TLS_KEY } from './helpers/child-node.js';
import { startTestServer } from './helpers/pcapi.js';

test('the Graph SDK drives a relationship from create to active, with a new group and agent; Partner Center follows, then refuses after terminate', async (t) => {
  const pcapi = await startTestServer(t, { tlsCert: TLS_CERT, tlsKey: TLS_KEY, throttleTenant: '0', throttleTenantCustomer: '0' });
  const result = await runNode(pcapi.url, ['--import', 'tsx', 'test/graph/graph-client-gdap.ts']);
  assert.equal(result.code, 0, result.stderr);
  const outcome = JSON.parse(result.stdout) as { statuses: Record<string, string>; endDateTime: string; beforeAssignment: number; afterAssignment: number; afterTerminate: number };
  assert.deepEqual(outcome.statuses, {
    created: 'created', locked: 'approvalPending', approvalRequest: 'succeeded', approved: 'active', assignment: 'active', terminated: 'terminated',
  });
  assert.ok(Date.parse(outcome.endDateTime) > Date.now() + 700 * 86_400_000, 'active for the P730D asked');
  assert.deepEqual([outcome.beforeAssignment, outcome.afterAssignment, outcome.afterTerminate], [403, 200, 403]);
});
