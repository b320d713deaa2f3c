/**
 * The ceiling: a bare node:http server that answers every request with the bytes pcapi answered one
 * allowed request with (status, pcapi's own headers, body), with no parsing, checks or lookups.
 * With `fastify`, the Fastify floor: the same answer from one Fastify route on the organization path,
 * with pcapi's router options and no hooks: what the framework pcapi is built on costs by itself.
 *   node --import tsx bench/ceiling-server.ts PORT SAMPLE_FILE [fastify]
 * SAMPLE_FILE is JSON: { "status": 200, "headers": [["content-type", "..."], ...], "body": "..." }.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import Fastify from 'fastify';

export interface ResponseSample {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

const [portText, sampleFile, framework] = process.argv.slice(2);
if (framework !== undefined && framework !== 'fastify') throw new Error(`unknown framework ${framework}`);
const sample = JSON.parse(readFileSync(sampleFile!, 'utf8')) as ResponseSample;
const body = Buffer.from(sample.body, 'utf8');
// Node adds Date, Connection and Keep-Alive itself, as it does for pcapi (Fastify sits on node:http).
const headers: Array<[string, string]> = [...sample.headers.filter(([name]) => !['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name.toLowerCase())), ['content-length', String(body.length)]];
const flat = headers.flat();

const server = framework === 'fastify' ? await fastifyFloor() : createServer((_request, response) => {
  response.writeHead(sample.status, flat);
  response.end(body);
});
server.keepAliveTimeout = 72_000;
server.listen(Number(portText), '127.0.0.1', () => process.stdout.write(`${framework ?? 'ceiling'} listening on ${portText}\n`));
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

async function fastifyFloor(): Promise<Server> {
  const app = Fastify({ routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, caseSensitive: false, maxParamLength: 256 } });
  const headerObject = Object.fromEntries(headers);
  app.get('/v1/customers/:customerTenantId/organization', (_request, reply) => {
    reply.code(sample.status).headers(headerObject).send(body);
  });
  await app.ready();
  return app.server;
}
