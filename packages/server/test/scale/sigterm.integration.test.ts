/**
 * `SIGTERM` on a real `pcapi serve` child (docs/configuration.md, "Scaling out"): it stops accepting
 * connections, finishes what is in flight and exits 0, also with `--workers 2`, where the first
 * process passes the signal on and no worker outlives it. Clients keep several keep-alive
 * connections busy while the signal arrives; every answer they got must be complete.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, describe, test } from 'node:test';
import { CONTOSO_BODY, DEMO } from '../helpers/test-server.js';
import { Processes, connectionRefused, pidAlive, sleep, tempDir, type PcapiProcess } from './helpers.js';

/** Throttling is beside the point here: every answer must be the 200. */
const UNTHROTTLED = ['--throttle-tenant', '0', '--throttle-tenant-customer', '0'];
const processes = new Processes();
const dirs: { remove(): void }[] = [];
after(async () => {
  await processes.killAll();
  for (const dir of dirs) dir.remove();
});

/** An app-only token from the server's own token endpoint (client credentials). */
async function appToken(base: string): Promise<string> {
  const response = await fetch(`${base}/fabrikam.example/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials', client_id: DEMO.fabrikamAutomation, client_secret: DEMO.secret,
      scope: 'https://api.partnercenter.microsoft.com/.default',
    }),
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return (JSON.parse(text) as { access_token: string }).access_token;
}

interface Answered { status: number; body: string; contentLength: string | undefined; connection: string | undefined }
interface Failed { code: string; afterHeaders: boolean }

/** One GET on the keep-alive agent: the whole answer, or how it failed (and whether the headers had come). */
function get(agent: Agent, url: string, token: string): Promise<Answered | Failed> {
  return new Promise((done) => {
    let afterHeaders = false;
    let settled = false;
    const finish = (result: Answered | Failed) => {
      if (!settled) {
        settled = true;
        done(result);
      }
    };
    const req = request(url, { agent, headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, timeout: 5000 }, (res) => {
      afterHeaders = true;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (!res.complete) finish({ code: 'incomplete', afterHeaders });
        else finish({ status: res.statusCode!, body, contentLength: res.headers['content-length'], connection: res.headers.connection });
      });
      res.on('aborted', () => finish({ code: 'aborted', afterHeaders }));
      res.on('error', (error: NodeJS.ErrnoException) => finish({ code: error.code ?? error.message, afterHeaders }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => finish({ code: error.code ?? error.message, afterHeaders }));
    req.end();
  });
}

/** Sends SIGTERM while keep-alive clients are busy, and checks the shutdown. Returns what the clients saw. */
async function sigtermUnderKeepAlive(pcapi: PcapiProcess) {
  const token = await appToken(pcapi.url);
  const url = `${pcapi.url}/v1/customers/${DEMO.contoso}/organization`;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const answered: Answered[] = [];
  const failed: Failed[] = [];
  let running = true;
  const loop = async () => {
    while (running) {
      const result = await get(agent, url, token);
      if ('status' in result) answered.push(result);
      else {
        failed.push(result);
        // The listener is closed: this client has seen the end of the service.
        if (result.code === 'ECONNREFUSED') return;
        await sleep(10);
      }
    }
  };
  const loops = Array.from({ length: 4 }, loop);
  try {
    const warmUp = Date.now() + 10_000;
    while (answered.length < 40 && Date.now() < warmUp) await sleep(20);
    assert.ok(answered.length >= 40, `only ${answered.length} answers before SIGTERM; failures: ${JSON.stringify(failed.slice(0, 5))}`);
    const answeredBefore = answered.length;

    const signalledAt = Date.now();
    pcapi.child.kill('SIGTERM');
    const timeout = sleep(5000).then(() => 'timeout' as const);
    const exit = await Promise.race([pcapi.exited, timeout]);
    const tookMs = Date.now() - signalledAt;
    assert.notEqual(exit, 'timeout', `pcapi did not exit within 5 s of SIGTERM:\n${pcapi.output().split('\n').slice(-20).join('\n')}`);
    assert.deepEqual(exit, { code: 0, signal: null }, `exit after SIGTERM:\n${pcapi.output().split('\n').slice(-20).join('\n')}`);

    running = false;
    await Promise.all(loops);
    return { answered, answeredBefore, failed, tookMs, url };
  } finally {
    running = false;
    agent.destroy();
  }
}

function summarize(result: Awaited<ReturnType<typeof sigtermUnderKeepAlive>>): string {
  const late = result.answered.slice(result.answeredBefore);
  return `exit ${result.tookMs} ms after SIGTERM; ${result.answered.length} answers, ${late.length} of them finished after the signal ` +
    `(Connection: ${[...new Set(late.map((a) => a.connection))].join(', ') || '-'}); ${result.failed.length} requests unanswered: ` +
    `${[...new Set(result.failed.map((f) => f.code))].join(', ')}`;
}

function assertCleanShutdown(result: Awaited<ReturnType<typeof sigtermUnderKeepAlive>>) {
  const { answered, failed } = result;
  for (const answer of answered) {
    assert.equal(answer.status, 200, answer.body);
    assert.equal(answer.body, CONTOSO_BODY, 'every answer that came is complete');
    assert.equal(answer.contentLength, String(Buffer.byteLength(CONTOSO_BODY)));
  }
  // A request sent on a keep-alive connection just as the server closed it may get no answer (clients
  // retry those); an answer cut off after its headers must never happen.
  const cut = failed.filter((f) => f.afterHeaders);
  assert.deepEqual(cut, [], 'responses cut off after their headers');
  const unexpected = failed.filter((f) => !['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'socket hang up'].includes(f.code));
  assert.deepEqual(unexpected, [], 'client failures other than a closed or refused connection');
}

describe('SIGTERM', () => {
  test('a single process finishes what is in flight, exits 0 within 5 s, and then refuses connections', async (t) => {
    const dir = tempDir();
    dirs.push(dir);
    const pcapi = await processes.start(['--port', '0', '--data-dir', dir.path, '--log-level', 'info', ...UNTHROTTLED]);
    const result = await sigtermUnderKeepAlive(pcapi);
    t.diagnostic(summarize(result));
    assertCleanShutdown(result);
    assert.ok(await connectionRefused(result.url), 'a new connection after the exit is refused');
  });

  test('with --workers 2, the first process stops every worker, exits 0 within 5 s, and no worker remains', async (t) => {
    const dir = tempDir();
    dirs.push(dir);
    const pcapi = await processes.start(['--port', '0', '--data-dir', dir.path, '--log-level', 'info', ...UNTHROTTLED, '--workers', '2'], { workers: 2 });
    const workers = pcapi.servingPids.filter((pid) => pid !== pcapi.pid);
    assert.equal(workers.length, 2, `two workers answer the port (pids ${pcapi.servingPids.join(', ')}; primary ${pcapi.pid})`);
    const result = await sigtermUnderKeepAlive(pcapi);
    t.diagnostic(summarize(result));
    assertCleanShutdown(result);
    for (const pid of workers) assert.equal(pidAlive(pid), false, `worker ${pid} is still running after the first process exited`);
    assert.ok(await connectionRefused(result.url), 'a new connection after the exit is refused');
  });
});
