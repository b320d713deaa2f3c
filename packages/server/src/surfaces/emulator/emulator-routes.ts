/**
 * The emulator endpoints under /_pcapi/ (on only with --emulator): the clock, reset, export and
 * import, and fault rules. Reachable from loopback only, or, with an admin key, from anywhere with
 * the key in `X-PCAPI-Admin-Key`. Errors in Graph's body shape, from its catalog.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest, onResponseHookHandler } from 'fastify';
import { registerAuditRoute } from './audit-route.js';
import type { AuditTrail } from '../../services/audit-trail.js';
import { ClockOutOfRange, type Clock } from '../../clock.js';
import { isLoopbackHost } from '../../loopback.js';
import { parseIsoInstant } from '../../domain/iso-instant.js';
import { parseIsoDuration } from '../../domain/gdap-lifecycle.js';
import { SeedError } from '../../seed/seed-error.js';
import { parseSeedValue } from '../../seed/validate-seed.js';
import type { EmulatorService } from '../../services/emulator-service.js';
import { allowEmptyJsonBodies, GraphError, sendGraphError } from '../graph/graph-errors.js';
import { parseFaultSpec, type FaultInjector } from './faults.js';
import { isConsoleShell, registerConsolePages } from '../console/console-pages.js';
import { registerConsoleApiRoutes } from '../console/console-api-routes.js';
import type { ConsoleService } from '../../services/console-service.js';

export const EMULATOR_PREFIX = '/_pcapi';
const ADMIN_KEY_HEADER = 'x-pcapi-admin-key';
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export interface EmulatorRouteDeps {
  emulator: EmulatorService;
  faults: FaultInjector;
  clock: Clock;
  /** Without a key, only loopback callers are served. */
  adminKey: string | undefined;
  /** Records each write (not reads) in the audit trail, and answers GET /_pcapi/audit; none when absent. */
  auditHook?: onResponseHookHandler;
  auditTrail?: AuditTrail;
  /** The console's JSON API (/_pcapi/console/api/); none when absent. */
  console?: ConsoleService;
}

function sameKey(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Without a key, a request from this machine could still come from a web page open in its browser: a
 * form or a fetch without preflight (a cross-site request), or a page whose host name was made to point
 * here (DNS rebinding). Both would reset, change or export the store, so such requests are refused:
 * a browser names the page's site in Origin and Sec-Fetch-Site, and the host it asked for in Host.
 */
function fromAnotherSite(request: FastifyRequest): string | undefined {
  const host = request.headers.host ?? '';
  if (!isLoopbackHost(host)) return `the Host header names ${JSON.stringify(host.slice(0, 100))}, not this machine`;
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {
      // "null" (a sandboxed frame, a file) or not a URL: not a page of this machine.
    }
    if (originHost === undefined || !isLoopbackHost(originHost)) return `the request comes from a page of ${JSON.stringify(origin.slice(0, 100))}`;
  }
  if (request.headers['sec-fetch-site'] === 'cross-site') return 'the browser marks it cross-site';
  return undefined;
}

function guard(adminKey: string | undefined) {
  return async (request: FastifyRequest) => {
    if (adminKey === undefined) {
      if (!LOOPBACK.has(request.socket.remoteAddress ?? '')) throw new GraphError('forbidden', 'The emulator endpoints answer loopback callers only (start pcapi with --emulator-key to reach them from elsewhere).');
      const foreign = fromAnotherSite(request);
      if (foreign) throw new GraphError('forbidden', `The emulator endpoints refuse requests that web pages of other sites could send: ${foreign}. Open the console at http://127.0.0.1 or localhost, or start pcapi with --emulator-key.`);
      return;
    }
    // The console's page and files hold no data; the page asks for the key and sends it on each call.
    if (isConsoleShell(request, EMULATOR_PREFIX)) return;
    const given = request.headers[ADMIN_KEY_HEADER];
    if (typeof given !== 'string' || !sameKey(given, adminKey)) throw new GraphError('unauthenticated', `The emulator endpoints need the admin key in the ${ADMIN_KEY_HEADER} header.`);
  };
}

/** `by`: an ISO 8601 duration (days and time: P30D, PT1H30M) or a number of milliseconds; negative moves back. */
function parseAdvance(body: unknown): number {
  const by = (body as { by?: unknown } | null)?.by;
  if (typeof by === 'number' && Number.isFinite(by)) return Math.trunc(by);
  if (typeof by === 'string') {
    const negative = by.startsWith('-');
    const parsed = parseIsoDuration(negative ? by.slice(1) : by);
    if (parsed && parsed.years === 0 && parsed.months === 0) {
      const ms = ((((parsed.weeks * 7 + parsed.days) * 24 + parsed.hours) * 60 + parsed.minutes) * 60 + parsed.seconds) * 1000;
      return negative ? -ms : ms;
    }
  }
  throw new GraphError('badRequest', 'The body must be {"by": DURATION}: an ISO 8601 duration in weeks, days and time (e.g. "P30D", "PT1H", "-PT5M") or a number of milliseconds.');
}

function parseSetClock(body: unknown): { instant: number; frozen: boolean } {
  const { now, frozen } = (body ?? {}) as { now?: unknown; frozen?: unknown };
  const instant = typeof now === 'string' ? parseIsoInstant(now, { instantOnly: true }) : NaN;
  if (!Number.isFinite(instant)) throw new GraphError('badRequest', 'The body must be {"now": "2027-01-01T00:00:00Z", "frozen": false}: "now" an ISO 8601 instant with its offset.');
  if (frozen !== undefined && typeof frozen !== 'boolean') throw new GraphError('badRequest', '"frozen" must be true or false.');
  return { instant, frozen: frozen === true };
}

export function registerEmulatorRoutes(app: FastifyInstance, deps: EmulatorRouteDeps): void {
  void app.register(async (scope) => {
    scope.setErrorHandler((error, request, reply) => {
      if (error instanceof GraphError) return sendGraphError(error, request, reply, deps.clock);
      if (error instanceof ClockOutOfRange) return sendGraphError(new GraphError('badRequest', error.message), request, reply, deps.clock);
      const status = (error as { statusCode?: number }).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return sendGraphError(new GraphError(status === 413 ? 'payloadTooLarge' : status === 415 ? 'unsupportedMediaType' : 'badRequest', 'The request body cannot be read: it is not valid JSON, or too large.'), request, reply, deps.clock);
      }
      request.log.error({ err: error, requestId: request.id, correlationId: request.correlationId }, 'unexpected error in an emulator endpoint');
      return sendGraphError(new GraphError('internal', `An unexpected error occurred; request-id ${request.id}.`), request, reply, deps.clock);
    });
    scope.setNotFoundHandler((request, reply) => sendGraphError(new GraphError('notFound', `No emulator endpoint ${request.method} ${request.url.split('?')[0]}.`), request, reply, deps.clock));
    scope.addHook('onRequest', guard(deps.adminKey));
    if (deps.auditHook) scope.addHook('onResponse', deps.auditHook);
    allowEmptyJsonBodies(scope);
    // Seed documents can be large: 64 MiB here, against 64 KiB on the API surfaces.
    const big = { bodyLimit: 64 * 1024 * 1024 };

    scope.get('/clock', async () => deps.emulator.clockView());
    scope.put('/clock', async (request) => {
      const { instant, frozen } = parseSetClock(request.body);
      return deps.emulator.setClock(instant, frozen);
    });
    scope.delete('/clock', async () => deps.emulator.resetClock());
    scope.post('/clock/advance', async (request) => deps.emulator.advanceClock(parseAdvance(request.body)));

    scope.post('/reset', async () => deps.emulator.reset());
    scope.get('/export', async (_request, reply) => {
      reply.header('content-disposition', 'attachment; filename="pcapi-export.seed.json"');
      return deps.emulator.exportDocument();
    });
    scope.post<{ Querystring: { replace?: string } }>('/import', big, async (request) => {
      const replace = request.query.replace === 'true';
      let document;
      try {
        // Fastify parsed the body: checked as it stands (a 64 MiB import is not written out and parsed again).
        document = parseSeedValue(request.body ?? null, 'the request body');
        return await deps.emulator.importDocument(document, replace);
      } catch (error) {
        if (error instanceof SeedError) throw new GraphError('badRequest', error.message);
        throw error;
      }
    });

    if (deps.auditTrail) registerAuditRoute(scope, deps.auditTrail);

    registerConsolePages(scope, EMULATOR_PREFIX);
    if (deps.console) registerConsoleApiRoutes(scope, deps.console);

    scope.get('/faults', async () => ({ value: deps.faults.list() }));
    scope.post('/faults', async (request, reply) => {
      const parsed = parseFaultSpec(request.body);
      if ('problems' in parsed) throw new GraphError('badRequest', `The fault rule is not valid: ${parsed.problems.join('; ')}`);
      try {
        const rule = deps.faults.add(parsed.spec);
        return reply.code(201).header('location', `${EMULATOR_PREFIX}/faults/${rule.id}`).send(rule);
      } catch (error) {
        throw new GraphError('badRequest', (error as Error).message);
      }
    });
    scope.delete('/faults', async () => ({ cleared: deps.faults.clear() }));
    scope.delete<{ Params: { id: string } }>('/faults/:id', async (request, reply) => {
      if (!deps.faults.remove(request.params.id)) throw new GraphError('notFound', `There is no fault rule ${request.params.id.slice(0, 64)}.`);
      return reply.code(204).send();
    });
  }, { prefix: EMULATOR_PREFIX });
}
