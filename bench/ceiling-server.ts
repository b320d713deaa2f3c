/**
 * The ceiling: a bare node:http server that answers every request with the bytes pcapi answered one
 * allowed request with (status, pcapi's own headers, body), with no parsing, checks or lookups.
 *   node --import tsx bench/ceiling-server.ts PORT SAMPLE_FILE
 * SAMPLE_FILE is JSON: { "status": 200, "headers": [["content-type", "..."], ...], "body": "..." }.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

export interface ResponseSample {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

const [portText, sampleFile] = process.argv.slice(2);
const sample = JSON.parse(readFileSync(sampleFile!, 'utf8')) as ResponseSample;
const body = Buffer.from(sample.body, 'utf8');
// Node adds Date, Connection and Keep-Alive itself, as it does for pcapi (Fastify sits on node:http).
const headers: Array<[string, string]> = [...sample.headers.filter(([name]) => !['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name.toLowerCase())), ['content-length', String(body.length)]];
const flat = headers.flat();

const server = createServer((_request, response) => {
  response.writeHead(sample.status, flat);
  response.end(body);
});
server.keepAliveTimeout = 72_000;
server.listen(Number(portText), '127.0.0.1', () => process.stdout.write(`ceiling listening on ${portText}\n`));
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
