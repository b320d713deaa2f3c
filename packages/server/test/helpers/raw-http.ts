/**
 * Raw HTTP/1.1 over node:net, for what fetch cannot send: malformed messages, unknown method tokens,
 * CONNECT, requests that arrive in pieces or never finish.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { ERROR_CATALOG, type ErrorName } from '../../src/surfaces/partner-center/errors/catalog.js';

export interface RawResponse {
  status: number;
  /** Header names lowercased; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  /** Every response read from the connection, in order. */
  responses: RawResponse[];
  /** Everything the server sent. */
  text: string;
  /** The server closed the connection (or reset it) before `timeoutMs`. */
  closedByServer: boolean;
  /** Milliseconds from the first byte sent to the close (or the time-out). */
  elapsedMs: number;
}

/** Opens a connection to the server at `url` (http://host:port). */
export function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Parses consecutive HTTP/1.1 responses (bodies framed by Content-Length, else by the close). */
export function parseResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) break;
    const [statusLine, ...lines] = rest.slice(0, headEnd).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const bodyStart = headEnd + 4;
    const length = headers['content-length'] === undefined ? rest.length - bodyStart : Number(headers['content-length']);
    responses.push({ status: Number(statusLine!.split(' ')[1]), headers, body: rest.slice(bodyStart, bodyStart + length) });
    rest = rest.slice(bodyStart + length);
  }
  return responses;
}

/**
 * Sends `pieces` on a new connection, pausing `pauseMs` between them, then reads until the server
 * closes the connection or `timeoutMs` passes (then the client closes it).
 */
export async function exchange(url: string, pieces: string | (string | Buffer)[], options: { pauseMs?: number; timeoutMs?: number } = {}): Promise<RawExchange> {
  const socket = await openSocket(url);
  const started = Date.now();
  let text = '';
  let closedByServer = false;
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  socket.on('error', () => undefined);
  let isClosed = false;
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.once('close', () => (isClosed = true));
  const timer = setTimeout(() => socket.destroy(), options.timeoutMs ?? 5000);
  socket.once('end', () => (closedByServer = true));
  socket.once('close', (hadError) => {
    if (hadError) closedByServer = true;
  });
  for (const [index, piece] of (typeof pieces === 'string' ? [pieces] : pieces).entries()) {
    if (index > 0 && options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    if (isClosed) break;
    socket.write(piece);
  }
  await closed;
  clearTimeout(timer);
  return { responses: parseResponses(text), text, closedByServer, elapsedMs: Date.now() - started };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Asserts a catalog answer on the wire: the row's status, its body (Partner Center or gateway shape,
 * its code agreeing with the status), the JSON content type, a true Content-Length and the four
 * MS-* headers. Returns the parsed body.
 */
export function assertCatalogAnswer(response: RawResponse | undefined, name: ErrorName, label: string = name): Record<string, unknown> {
  assert.ok(response, `${label}: no HTTP response`);
  const entry = ERROR_CATALOG[name];
  assert.equal(response.status, entry.status, `${label}: ${response.body}`);
  assert.equal(response.headers['content-type'], 'application/json; charset=utf-8', label);
  assert.equal(response.headers['content-length'], String(Buffer.byteLength(response.body, 'latin1')), label);
  assert.match(response.headers['ms-requestid'] ?? '', GUID, label);
  assert.match(response.headers['ms-correlationid'] ?? '', GUID, label);
  assert.match(response.headers['ms-cv'] ?? '', /^[A-Za-z0-9+/]{16}\.0$/, label);
  assert.match(response.headers['ms-serverid'] ?? '', /^\d{9}$/, label);
  const body = JSON.parse(response.body) as Record<string, unknown>;
  if (entry.body === 'gateway') {
    assert.deepEqual(Object.keys(body), ['statusCode', 'message'], label);
    assert.equal(body.statusCode, entry.status, `${label}: the body's code is the status`);
  } else {
    assert.deepEqual(Object.keys(body), ['code', 'description', 'data', 'source'], label);
    assert.equal(body.code, entry.code, label);
    assert.equal(body.description, entry.description, label);
    assert.equal(body.source, 'PartnerFD', label);
  }
  return body;
}
