/**
 * Preloaded into every test process (`node --import`) when PCAPI_STATUS_RECORD_DIR is set; a full
 * `node scripts/run-tests.mjs` sets it. Records what every in-process pcapi answers, as
 * (method, route template, status), so scripts/check-openapi-coverage.ts can hold the OpenAPI
 * document against what the suite produces. Every Fastify instance a test process creates is seen
 * (inject apps, test servers, startPcapi) through Fastify's `fastify.initialization` diagnostics
 * channel, without any product code knowing. Processes the tests spawn (`pcapi serve`) are not.
 *
 * Three taps, because not every answer passes Fastify's hooks:
 * - an onResponse hook: every answer to a request that reached Fastify's router (a route, or a
 *   surface's not-found handler). An answer from an emulator fault rule is told apart by the words
 *   every injected error carries (surfaces/emulator/fault-hook.ts), seen on the error or the body;
 * - the server's 'request' event: answers Fastify gives without hooks (URLs the router cannot
 *   decode, answered by frameworkErrors), and the repeat-call lane's answers, given before routing
 *   (repeat-call-lane.ts): a GET of the organization path exactly as documented, recorded as that route;
 * - the sockets' end(): the complete responses written straight to the socket for what Node's
 *   parser refuses (errors/http-refusals.ts). Node's own responses never end a socket with data.
 */
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join, relative } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ORGANIZATION_PATH } from '../../src/surfaces/partner-center/organization-route.js';
import { isLaneTarget } from '../../src/surfaces/partner-center/repeat-call-lane.js';
import { BEFORE_ROUTING, INJECTED_FAULT, unroutedScope, type ObservedResponse } from './status-coverage.js';

const directory = process.env.PCAPI_STATUS_RECORD_DIR;
const seen = new Map<string, ObservedResponse>();
const testFile = relative(process.cwd(), process.argv[1] ?? 'unknown');
const recordedByHook = new WeakSet<ServerResponse>();
const injected = new WeakSet<object>();
/** fault-hook.ts's words, in the error's message or data (Partner Center), or the body (Graph, Entra). */
const INJECTED_WORDS = 'an injected fault (rule ';

function record(observed: Omit<ObservedResponse, 'file'>): void {
  const entry = { ...observed, file: testFile };
  const key = `${entry.method} ${entry.route} ${entry.status}`;
  if (!seen.has(key)) seen.set(key, entry);
}

const STATUS_LINE = /^HTTP\/1\.1 (\d{3}) /;

function tapSocketEnds(socket: Socket): void {
  const end = socket.end;
  socket.end = function endWithRecord(this: Socket, ...args: unknown[]) {
    const first = args[0];
    const text = Buffer.isBuffer(first) ? first.subarray(0, 16).toString('latin1') : typeof first === 'string' ? first.slice(0, 16) : '';
    const status = STATUS_LINE.exec(text)?.[1];
    if (status) record({ method: '*', route: BEFORE_ROUTING, status: Number(status) });
    return (end as (...rest: unknown[]) => Socket).apply(this, args);
  } as Socket['end'];
}

function tap(fastify: FastifyInstance): void {
  fastify.addHook('onError', (request, _reply, error, done) => {
    const data = (error as { data?: unknown }).data;
    if (`${error.message} ${Array.isArray(data) ? data.join(' ') : ''}`.includes(INJECTED_WORDS)) injected.add(request);
    done();
  });
  fastify.addHook('onSend', (request, _reply, payload, done) => {
    if (typeof payload === 'string' && payload.includes(INJECTED_WORDS)) injected.add(request);
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    recordedByHook.add(reply.raw);
    if (injected.has(request)) record({ method: '*', route: INJECTED_FAULT, status: reply.statusCode });
    else record({ method: request.method, route: request.routeOptions.url ?? unroutedScope(request.url), status: reply.statusCode });
    done();
  });
  const server = fastify.server as Server;
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const lane = isLaneTarget(request.method, request.url);
    // After Fastify's own 'finish' listeners, which run the onResponse hook above.
    response.once('finish', () => setImmediate(() => {
      if (recordedByHook.has(response)) return;
      record(lane ? { method: 'GET', route: ORGANIZATION_PATH, status: response.statusCode } : { method: '*', route: BEFORE_ROUTING, status: response.statusCode });
    }));
  });
  server.on('connection', tapSocketEnds);
  server.on('secureConnection', tapSocketEnds);
}

if (directory) {
  subscribe('fastify.initialization', (message) => tap((message as { fastify: FastifyInstance }).fastify));
  process.on('exit', () => {
    if (seen.size === 0) return;
    const lines = [...seen.values()].map((entry) => JSON.stringify(entry)).join('\n');
    writeFileSync(join(directory, `statuses-${process.pid}.ndjson`), `${lines}\n`);
  });
}
