/**
 * Slow and idle clients on real sockets: the header, request and keep-alive timeouts, the connection
 * cap, and normal requests served while 3,000 slow clients hold connections. Timeouts are set short
 * here so the tests run in seconds.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { Worker } from 'node:worker_threads';
import { ConfigError, resolveServeConfig } from '../../src/config.js';
import { DEFAULT_CONNECTION_LIMITS } from '../../src/connection-limits.js';
import { assertCatalogAnswer, exchange, openSocket, parseResponses } from '../helpers/raw-http.js';
import { DEMO, startTestServer, type TestServer } from '../helpers/test-server.js';

const ORGANIZATION = `/v1/customers/${DEMO.contoso}/organization`;
const TOKEN_PATH = `/${DEMO.fabrikam}/oauth2/v2.0/token`;
const FORM = 'Content-Type: application/x-www-form-urlencoded';

const openConnections = (pcapi: TestServer) =>
  new Promise<number>((resolve, reject) => pcapi.server.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('connection limits: defaults, seconds to the millisecond, and a header timeout within the request timeout', () => {
  assert.deepEqual(resolveServeConfig({}).connections, DEFAULT_CONNECTION_LIMITS);
  assert.deepEqual(resolveServeConfig({ headersTimeout: '0.25', requestTimeout: '1.5', keepAliveTimeout: '5', maxConnections: '20' }).connections, {
    headersTimeoutMs: 250, requestTimeoutMs: 1500, keepAliveTimeoutMs: 5000, maxConnections: 20,
  });
  assert.equal(resolveServeConfig({ headersTimeout: '0', requestTimeout: '0' }).connections.requestTimeoutMs, 0, '0 = no limit');
  const problems = (raw: Parameters<typeof resolveServeConfig>[0]) => {
    try {
      resolveServeConfig(raw);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems.join('\n');
      throw error;
    }
    return '';
  };
  assert.match(problems({ headersTimeout: '1.0005' }), /--headers-timeout \(PCAPI_HEADERS_TIMEOUT\): "1.0005" is not a number of seconds/);
  assert.match(problems({ requestTimeout: '-1' }), /--request-timeout \(PCAPI_REQUEST_TIMEOUT\)/);
  assert.match(problems({ keepAliveTimeout: '0' }), /--keep-alive-timeout \(PCAPI_KEEP_ALIVE_TIMEOUT\)/);
  assert.match(problems({ maxConnections: '0' }), /--max-connections \(PCAPI_MAX_CONNECTIONS\)/);
  assert.match(problems({ headersTimeout: '20', requestTimeout: '10' }), /--headers-timeout \(PCAPI_HEADERS_TIMEOUT\): 20 s is longer than --request-timeout/);
});

test('slow clients get 408 from the catalog and are disconnected: nothing sent, headers trickling in, a body that never ends', async (t) => {
  const pcapi = await startTestServer(t, { headersTimeout: '0.3', requestTimeout: '0.6' });
  const trickle = `GET ${ORGANIZATION} HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(30)}\r\n\r\n`.split('');
  const [silent, trickling, slowBody] = await Promise.all([
    exchange(pcapi.url, []),
    exchange(pcapi.url, trickle, { pauseMs: 50 }),
    exchange(pcapi.url, [`POST ${TOKEN_PATH} HTTP/1.1\r\nHost: x\r\n${FORM}\r\nContent-Length: 100\r\n\r\ngrant_type=`, 'client', '_credentials'], { pauseMs: 150 }),
  ]);
  for (const [label, result, limitMs] of [['nothing sent', silent, 300], ['headers trickling in', trickling, 300], ['a body that never ends', slowBody, 600]] as const) {
    assert.equal(result.responses.length, 1, `${label}: ${result.text}`);
    assertCatalogAnswer(result.responses[0], 'requestTimeout', label);
    assert.ok(result.closedByServer, label);
    assert.ok(result.elapsedMs >= limitMs - 20 && result.elapsedMs < limitMs + 1000, `${label}: closed after ${result.elapsedMs} ms`);
  }
});

test('an idle keep-alive connection is closed after the keep-alive timeout, without a word', async (t) => {
  const pcapi = await startTestServer(t, { keepAliveTimeout: '0.3' });
  const result = await exchange(pcapi.url, `GET ${ORGANIZATION} HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.equal(result.responses.length, 1, result.text);
  assertCatalogAnswer(result.responses[0], 'tokenMissing');
  assert.equal(result.responses[0]!.headers['keep-alive'], 'timeout=0');
  assert.ok(result.closedByServer);
  assert.ok(result.elapsedMs >= 280 && result.elapsedMs < 2000, `closed after ${result.elapsedMs} ms`);
});

test('over --max-connections a connection is closed unanswered; below it, served again', async (t) => {
  const held: Socket[] = [];
  t.after(() => held.forEach((socket) => socket.destroy()));
  const pcapi = await startTestServer(t, { maxConnections: '3' });
  held.push(...(await Promise.all([openSocket(pcapi.url), openSocket(pcapi.url), openSocket(pcapi.url)])));
  await until(async () => (await openConnections(pcapi)) === 3, 2000, 'three open connections');

  const refused = await exchange(pcapi.url, `GET ${ORGANIZATION} HTTP/1.1\r\nHost: x\r\n\r\n`, { timeoutMs: 2000 });
  assert.equal(refused.text, '', 'no HTTP answer is possible');
  assert.ok(refused.closedByServer);

  held[0]!.destroy();
  await until(async () => (await openConnections(pcapi)) === 2, 2000, 'a free slot');
  const served = await exchange(pcapi.url, `GET ${ORGANIZATION} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  assertCatalogAnswer(served.responses[0], 'tokenMissing');
});

/**
 * The slow clients run in a worker thread, as they would in other processes: in the server's own
 * event loop their connection callbacks would starve its accept loop. Each client is silent, or
 * trickles its headers a byte every 200 ms, or sends complete headers and a body that stops.
 * Reports 'connected', then, once every connection is closed, what each received and when it closed.
 */
const SLOW_CLIENTS = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const { port, count, kinds } = workerData;
const clients = [];
const open = (kind) => new Promise((resolve) => {
  const client = { kind, received: '', closedAfterMs: -1, socket: net.connect(port, '127.0.0.1', () => resolve(client)) };
  client.socket.setEncoding('latin1');
  client.socket.on('data', (chunk) => (client.received += chunk));
  client.socket.on('error', () => resolve(client));
  client.socket.on('close', () => { client.closedAfterMs = Date.now() - started; if (clients.every((c) => c.closedAfterMs >= 0)) report(); });
});
const report = () => {
  clearInterval(trickle);
  parentPort.postMessage({ done: clients.map(({ kind, received, closedAfterMs }) => ({ kind, received: received.slice(0, 600), closedAfterMs })) });
};
const started = Date.now();
let trickle;
(async () => {
  for (let index = 0; index < count; index += 100) {
    clients.push(...(await Promise.all(Array.from({ length: 100 }, (_, offset) => open((index + offset) % 3)))));
  }
  for (const client of clients) if (kinds[client.kind]) client.socket.write(kinds[client.kind]);
  trickle = setInterval(() => { for (const client of clients) if (client.kind === 1 && !client.socket.destroyed) client.socket.write('X'); }, 200);
  parentPort.postMessage({ connected: Date.now() - started });
})();
parentPort.on('message', () => clients.forEach((client) => client.socket.destroy()));
`;

interface SlowClientReport { kind: 0 | 1 | 2; received: string; closedAfterMs: number }

test('3,000 slow clients connected: normal requests are served, and the slow ones are timed out', async (t: TestContext) => {
  // Long enough that opening 3,000 connections on a loaded machine (the suite runs files in parallel)
  // finishes well before the first of them times out.
  const headersTimeoutMs = 8000;
  const requestTimeoutMs = 10000;
  const pcapi = await startTestServer(t, { headersTimeout: String(headersTimeoutMs / 1000), requestTimeout: String(requestTimeoutMs / 1000) });
  const token = await pcapi.tokenFor(DEMO.fabrikamAutomation);
  const baseline = await openConnections(pcapi);

  // Normal calls: twenty at once, then twenty one after the other.
  const timed = async () => {
    const before = performance.now();
    const response = await pcapi.getOrganization(DEMO.contoso, { token });
    await response.text();
    return { status: response.status, ms: performance.now() - before };
  };
  const normalCalls = async () => {
    const concurrent = await Promise.all(Array.from({ length: 20 }, timed));
    const sequential = [];
    for (let call = 0; call < 20; call++) sequential.push(await timed());
    return { concurrent, sequential, all: [...concurrent, ...sequential] };
  };
  const median = (calls: { ms: number }[]) => calls.map((call) => call.ms).sort((a, b) => a - b)[Math.floor(calls.length / 2)]!.toFixed(1);
  const alone = await normalCalls();

  const kinds = ['', `GET ${ORGANIZATION} HTTP/1.1\r\nHost: x\r\n`, `POST ${TOKEN_PATH} HTTP/1.1\r\nHost: x\r\n${FORM}\r\nContent-Length: 1000\r\n\r\ngrant_type=`];
  const worker = new Worker(SLOW_CLIENTS, { eval: true, workerData: { port: Number(new URL(pcapi.url).port), count: 3000, kinds } });
  t.after(async () => {
    worker.postMessage('stop');
    await worker.terminate();
  });
  const messages = (async function* () {
    while (true) yield await new Promise<{ connected?: number; done?: SlowClientReport[] }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  })();
  const { value: connected } = await messages.next();
  await until(async () => (await openConnections(pcapi)) >= baseline + 3000, 6000, '3,000 slow connections accepted');

  // The same calls while they are all connected.
  const among = await normalCalls();
  assert.ok((await openConnections(pcapi)) >= baseline + 3000, 'the slow clients were still connected throughout');
  assert.deepEqual(among.all.map((call) => call.status), among.all.map(() => 200));
  const slowest = Math.max(...among.all.map((call) => call.ms));
  t.diagnostic(`3,000 slow connections opened in ${connected?.connected} ms. Median ms, 20 concurrent / 20 sequential calls: alone ${median(alone.concurrent)} / ${median(alone.sequential)}; among the slow clients ${median(among.concurrent)} / ${median(among.sequential)}, slowest ${slowest.toFixed(1)}`);
  assert.ok(slowest < 1000, `every call answered within a second (slowest ${slowest.toFixed(0)} ms)`);

  // Then every slow client is answered 408 and disconnected, within its limit.
  const deadline = setTimeout(() => worker.postMessage('stop'), requestTimeoutMs + 4000);
  const { value: finished } = await messages.next();
  clearTimeout(deadline);
  const reports = finished!.done!;
  const lastClosedMs = Math.max(...reports.map((report) => report.closedAfterMs));
  t.diagnostic(`all 3,000 slow clients disconnected ${lastClosedMs} ms after the first connected`);
  for (const [index, report] of reports.entries()) {
    const label = `slow client ${index} (${['silent', 'trickling', 'slow body'][report.kind]})`;
    assertCatalogAnswer(parseResponses(report.received)[0], 'requestTimeout', label);
    const limitMs = report.kind === 2 ? requestTimeoutMs : headersTimeoutMs;
    assert.ok(report.closedAfterMs >= limitMs - 50, `${label}: not before its limit (${report.closedAfterMs} ms)`);
  }
  // Slack for a loaded machine (the suite runs files in parallel): Node checks the timeouts
  // periodically, and 3,000 closes take a while; "in time" means not long after the limit, never forever.
  assert.ok(lastClosedMs < (connected?.connected ?? 0) + requestTimeoutMs + 4000, `closed in time (${lastClosedMs} ms)`);
});

test('stopping the server does not wait forever for a client that sends nothing', async (t) => {
  const silent: Socket[] = [];
  t.after(() => silent.forEach((socket) => socket.destroy()));
  const pcapi = await startTestServer(t, { headersTimeout: '0.2', requestTimeout: '0.4' });
  silent.push(await openSocket(pcapi.url));
  silent[0]!.write(`GET ${ORGANIZATION} HTTP/1.1\r\nHost: x\r\n`);
  await until(async () => (await openConnections(pcapi)) === 1, 2000, 'the silent connection');
  // Node stops checking its timeouts once close() begins.
  const started = Date.now();
  await Promise.race([pcapi.close(), new Promise((_, reject) => setTimeout(() => reject(new Error('close() still waiting after 5 s')), 5000).unref())]);
  assert.ok(Date.now() - started < 2000, `closed after ${Date.now() - started} ms`);
});
