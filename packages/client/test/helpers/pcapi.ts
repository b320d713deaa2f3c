/**
 * Test plumbing for the client: a real pcapi (the server's own test helper, real listener on a random
 * port, demo data), and a real node:http proxy in front of it that can answer the first requests with
 * faults (429, 503, dropped connections) and records every attempt it sees.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { DEMO, startTestServer, type TestServer } from '../../../server/test/helpers/test-server.js';

export { DEMO, startTestServer, type TestServer };

export const CONTOSO = DEMO.contoso;
/** Fabrikam's customer whose Global Administrator relationship has expired: 403 900308 with reasons. */
export const TAILSPIN = DEMO.tailspin;
/** Adatum's customer: 404 60003 for Fabrikam, like an unknown id. */
export const LITWARE = DEMO.litware;

export interface RecordedAttempt {
  /** performance.now() when the request arrived. */
  at: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** What the proxy does with one request instead of forwarding it. */
/** `no-answer`: the request is read and never answered; `stalled-body`: headers and half a body, then nothing. */
export type Fault = { status: number; headers?: Record<string, string>; body?: string | Buffer } | 'drop-connection' | 'no-answer' | 'stalled-body';

export interface FaultProxy {
  url: string;
  attempts: RecordedAttempt[];
  /** Attempts at the organization endpoint only (token requests excluded). */
  apiAttempts(): RecordedAttempt[];
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'host']);

/**
 * Starts the proxy. `fault(n, request)` is asked for the n-th API request (1-based; token requests are
 * always forwarded); it returns a fault, or undefined to forward the request to `target`.
 */
export async function startFaultProxy(t: TestContext, target: string, fault: (n: number, attempt: RecordedAttempt) => Fault | undefined = () => undefined): Promise<FaultProxy> {
  const attempts: RecordedAttempt[] = [];
  const isApi = (url: string) => url.startsWith('/v1/');
  let apiCount = 0;
  const server = createServer(async (req, res) => {
    const attempt: RecordedAttempt = { at: performance.now(), method: req.method ?? '', url: req.url ?? '', headers: req.headers };
    attempts.push(attempt);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = isApi(attempt.url) ? fault(++apiCount, attempt) : undefined;
    if (answer === 'drop-connection') {
      req.socket.destroy();
      return;
    }
    if (answer === 'no-answer') return;
    if (answer === 'stalled-body') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': '100' });
      res.write('[{"displayName":');
      return;
    }
    if (answer) {
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
      res.end(answer.body ?? '');
      return;
    }
    try {
      const headers = Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.has(name));
      const upstream = await fetch(`${target}${attempt.url}`, {
        method: attempt.method,
        headers: headers.map(([name, value]) => [name, String(value)]),
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      res.writeHead(upstream.status, Object.fromEntries([...upstream.headers].filter(([name]) => !HOP_BY_HOP.has(name))));
      res.end(body);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy could not reach ${target}: ${String(error)}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, attempts, apiAttempts: () => attempts.filter((a) => isApi(a.url)) };
}

/** A port nothing listens on (bound, then released), for "connection refused". */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The gateway's throttling answer, as the facts sheet quotes it. */
export function throttled(seconds: number): Fault {
  return {
    status: 429,
    headers: { 'retry-after': String(seconds) },
    body: JSON.stringify({ statusCode: 429, message: `Rate limit is exceeded. Try again in ${seconds} seconds.` }),
  };
}
