/**
 * The web console's files, served under /_pcapi/console/ from the emulator's scope: the page and its
 * bundled script and style (scripts/build-console.mjs), no data. The data comes from the console API
 * and the emulator endpoints, which the page calls. A strict Content-Security-Policy: the page loads
 * nothing but its own files and talks to nothing but this server.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CONSOLE_DIST } from '../../package-paths.js';
import { GraphError } from '../graph/graph-errors.js';

export const CONSOLE_PATH = '/console';

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};
const ASSET_NAME = /^[a-z0-9-]+(\.[a-z0-9]+)*\.(js|css|map)$/;

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** The page and its files carry no data: with an admin key they are served without it, and the page asks for the key. */
export function isConsoleShell(request: FastifyRequest, prefix: string): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?', 1)[0]!;
  return path === `${prefix}${CONSOLE_PATH}` || path === `${prefix}${CONSOLE_PATH}/` || path.startsWith(`${prefix}${CONSOLE_PATH}/assets/`);
}

/** Read at each request (a few KB, loopback only): a rebuilt console is served without a restart. */
async function consoleFile(relative: string): Promise<Buffer> {
  try {
    return await readFile(join(CONSOLE_DIST, relative));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (relative === 'index.html') throw new GraphError('unavailable', 'The web console is not built: run `npm run build` (npm start and npm test build it).');
    throw new GraphError('notFound', `No console file ${relative.slice(0, 80)}.`);
  }
}

export function registerConsolePages(scope: FastifyInstance, prefix: string): void {
  // One route for both (the server ignores a trailing slash); the page's relative links need the slash.
  scope.get(`${CONSOLE_PATH}/`, async (request, reply) => {
    if (!request.url.split('?', 1)[0]!.endsWith('/')) return reply.redirect(`${prefix}${CONSOLE_PATH}/`, 302);
    return reply.headers(SECURITY_HEADERS).type('text/html; charset=utf-8').send(await consoleFile('index.html'));
  });
  scope.get<{ Params: { file: string } }>(`${CONSOLE_PATH}/assets/:file`, async (request, reply) => {
    const name = request.params.file;
    if (!ASSET_NAME.test(name)) throw new GraphError('notFound', `No console file ${name.slice(0, 80)}.`);
    const type = CONTENT_TYPES[name.slice(name.lastIndexOf('.'))]!;
    return reply.headers(SECURITY_HEADERS).type(type).send(await consoleFile(join('assets', name)));
  });
}
