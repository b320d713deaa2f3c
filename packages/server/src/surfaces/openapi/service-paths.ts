/**
 * pcapi's own endpoints: the emulator's (/_pcapi/, emulator-routes.ts; only with --emulator), health
 * and metrics (health-routes.ts, metrics-routes.ts; /metrics only with --metrics), and this document.
 */
import { jsonContent, GRAPH_ID_HEADERS, pathParameter, ref, response, responses, schemaRef, type Json } from './openapi-common.js';

const EMULATOR = ['Emulator'];
/** Every emulator endpoint: without --emulator-key loopback callers only (else 403); with it, the key (else 401). */
const GUARD = [401, 403];

interface EmulatorOperation {
  operationId: string;
  summary: string;
  body?: { schema: string; description: string };
  query?: Json[];
  ok: { status: 200 | 201 | 204; schema?: string; description: string; headers?: Json };
  errors?: number[];
}

function emulator(spec: EmulatorOperation): Json {
  const { status, schema, description, headers } = spec.ok;
  return {
    operationId: spec.operationId,
    tags: EMULATOR,
    summary: spec.summary,
    security: [{ emulatorAdminKey: [] }, {}],
    ...(spec.query ? { parameters: spec.query } : {}),
    ...(spec.body ? { requestBody: { required: true, description: spec.body.description, content: jsonContent(schemaRef(spec.body.schema)) } } : {}),
    responses: responses('graph', {
      [status]: response(description, { ...(schema ? { content: jsonContent(schemaRef(schema)) } : {}), headers: { ...GRAPH_ID_HEADERS, ...headers } }),
    }, [...(spec.errors ?? []), ...GUARD]),
  };
}

const query = (name: string, description: string, schema: Json = { type: 'string' }): Json => ({ name, in: 'query', required: false, description, schema });

function emulatorPaths(): Json {
  return {
    '/_pcapi/clock': {
      get: emulator({ operationId: 'getEmulatedClock', summary: 'The shared clock: now, its offset from the machine\'s, frozen or not.', ok: { status: 200, schema: 'ClockView', description: 'The clock.' } }),
      put: emulator({ operationId: 'setEmulatedClock', summary: 'Sets the clock to an instant, running or frozen.', body: { schema: 'ClockSet', description: 'The instant.' },
        ok: { status: 200, schema: 'ClockView', description: 'The clock as set.' }, errors: [400] }),
      delete: emulator({ operationId: 'resetEmulatedClock', summary: 'Back to the machine\'s clock.', ok: { status: 200, schema: 'ClockView', description: 'The clock.' } }),
    },
    '/_pcapi/clock/advance': {
      post: emulator({ operationId: 'advanceEmulatedClock', summary: 'Moves the clock by a duration (negative moves back).', body: { schema: 'ClockAdvance', description: 'How far.' },
        ok: { status: 200, schema: 'ClockView', description: 'The clock moved.' }, errors: [400] }),
    },
    '/_pcapi/reset': {
      post: emulator({ operationId: 'resetEmulator', summary: 'Restores the seed (or the demo), the machine\'s clock, and no fault rules.', ok: { status: 200, schema: 'EmulatorReset', description: 'What was restored.' } }),
    },
    '/_pcapi/export': {
      get: emulator({ operationId: 'exportSeed', summary: 'The store\'s data as a seed document (docs/seed-format.md).',
        ok: { status: 200, schema: 'SeedDocument', description: 'The seed document, as an attachment.', headers: { 'Content-Disposition': ref('headers/Content-Disposition') } } }),
    },
    '/_pcapi/import': {
      post: emulator({ operationId: 'importSeed', summary: 'Imports a seed document (up to 64 MiB), merging, or replacing the data with `replace=true`.',
        query: [query('replace', '`true` to replace the data; anything else merges.', { type: 'string', enum: ['true', 'false'] })],
        body: { schema: 'SeedDocument', description: 'A seed document.' },
        ok: { status: 200, schema: 'ImportSummary', description: 'What the import changed.' }, errors: [400] }),
    },
    '/_pcapi/audit': {
      get: emulator({ operationId: 'queryAuditTrail', summary: 'The audit trail (with --audit-retention above 0), newest first, filtered.',
        query: ['partner', 'customer', 'principal', 'outcome', 'surface', 'from', 'to', 'requestId', 'before', 'after', 'limit']
          .map((name) => query(name, `Filter or paging option \`${name}\` (docs/configuration.md#audit-trail).`))
          .concat(query('waitMs', 'With `after`: an empty answer waits up to this many milliseconds (0 to 20000) for this process to record a matching event.')),
        ok: { status: 200, schema: 'AuditEventList', description: 'The matching events.' }, errors: [400] }),
    },
    '/_pcapi/faults': {
      get: emulator({ operationId: 'listFaultRules', summary: 'The active fault rules.', ok: { status: 200, schema: 'FaultRuleList', description: 'The rules, in the order they apply.' } }),
      post: emulator({ operationId: 'addFaultRule', summary: 'Adds a fault rule: matching calls wait `delayMs`, then answer `status` in their surface\'s error shape.',
        body: { schema: 'FaultSpec', description: 'The rule.' },
        ok: { status: 201, schema: 'FaultRule', description: 'The rule, and its URL in Location.', headers: { Location: ref('headers/Location') } }, errors: [400] }),
      delete: emulator({ operationId: 'clearFaultRules', summary: 'Removes every fault rule.', ok: { status: 200, schema: 'FaultRulesCleared', description: 'How many were removed.' } }),
    },
    '/_pcapi/faults/{id}': {
      delete: {
        ...emulator({ operationId: 'removeFaultRule', summary: 'Removes one fault rule.', ok: { status: 204, description: 'Removed.' }, errors: [404] }),
        parameters: [{ name: 'id', in: 'path', required: true, description: 'The rule\'s id.', schema: { type: 'string' } }],
      },
    },
  };
}

const CONSOLE = ['Console'];
const CONSOLE_API = '/_pcapi/console/api';
const tenantPath = (name: string, what: string) => pathParameter(name, `The ${what} tenant id (a GUID; another text is a 400).`);

/** The console API (surfaces/console/console-api-routes.ts): emulator endpoints, guarded alike. Bad input is a 400 naming the parameter. */
function consoleApi(spec: EmulatorOperation & { path?: Json[] }): Json {
  const operation = emulator(spec);
  return { ...operation, tags: CONSOLE, ...(spec.path ? { parameters: [...spec.path, ...((operation.parameters as Json[] | undefined) ?? [])] } : {}) };
}

/** The web console (issue 13): its page and files (console-pages.ts) and its JSON API. */
function consolePaths(): Json {
  const html = { 'text/html; charset=utf-8': { schema: { type: 'string' } } };
  return {
    '/_pcapi/console/': {
      get: {
        operationId: 'getConsolePage', tags: CONSOLE,
        summary: 'The web console\'s page (with --emulator). It holds no data: with --emulator-key it is served without the key, and asks for it. Without the trailing slash, a redirect to it.',
        responses: {
          200: response('The page.', { content: html }),
          302: response('To the address with the trailing slash.', { headers: { Location: ref('headers/Location') } }),
          403: ref('responses/Graph403'),
        },
      },
    },
    '/_pcapi/console/assets/{file}': {
      get: {
        operationId: 'getConsoleFile', tags: CONSOLE, summary: 'One of the console\'s bundled files (script, style, source map); like the page, served without the admin key.',
        parameters: [pathParameter('file', 'The file\'s name, e.g. console.js.')],
        responses: {
          200: response('The file, with its content type.', { content: { 'text/javascript; charset=utf-8': { schema: { type: 'string' } }, 'text/css; charset=utf-8': { schema: { type: 'string' } } } }),
          403: ref('responses/Graph403'),
          404: ref('responses/Graph404'),
        },
      },
    },
    [`${CONSOLE_API}/partners`]: {
      get: consoleApi({ operationId: 'consoleListPartners', summary: 'Every partner, by display name.', ok: { status: 200, schema: 'ConsolePartnerList', description: 'The partners.' } }),
    },
    [`${CONSOLE_API}/partners/{partnerTenantId}`]: {
      get: consoleApi({
        operationId: 'consoleGetPartner', summary: 'A partner: its users and apps, groups with their members, GDAP relationships with their effective status and assignments, and how many customers it has.',
        path: [tenantPath('partnerTenantId', 'partner')],
        query: [query('relationshipsFrom', 'The position of the first relationship listed (0 unless given); 100 are listed at a time, oldest first.', { type: 'integer', minimum: 0 })],
        ok: { status: 200, schema: 'ConsolePartner', description: 'The partner.' }, errors: [400, 404],
      }),
    },
    [`${CONSOLE_API}/partners/{partnerTenantId}/relationships/{relationshipId}/{action}`]: {
      post: consoleApi({
        operationId: 'consoleRelationshipAction',
        summary: 'Moves a GDAP relationship through its lifecycle as the Graph route does (GdapService): `lockForApproval` and `terminate` as the partner, `approve` as the customer. Recorded in the audit trail. A state the action does not apply to is the lifecycle\'s 400.',
        path: [
          tenantPath('partnerTenantId', 'partner'), pathParameter('relationshipId', 'The relationship\'s id.'),
          pathParameter('action', 'The action (case-insensitive).', { type: 'string', enum: ['lockForApproval', 'approve', 'terminate'] }),
        ],
        ok: { status: 200, schema: 'ConsoleRelationship', description: 'The relationship after the action.' }, errors: [400, 404],
      }),
    },
    [`${CONSOLE_API}/customers`]: {
      get: consoleApi({
        operationId: 'consoleListCustomers', summary: 'Customers by display name then tenant id, a page at a time (keyset paging: fast at any size), with their partners and DAP flags.',
        query: [
          query('search', 'The start of a display name (case-insensitive for ASCII letters), or from 4 characters on, of a tenant id.'),
          query('partner', 'Only this partner\'s customers: a partner tenant id or domain (unknown: 400).'),
          query('after', 'The `next` cursor of the previous page.'),
          query('limit', 'Customers per page, 1 to 200.', { type: 'integer', minimum: 1, maximum: 200, default: 50 }),
        ],
        ok: { status: 200, schema: 'ConsoleCustomerPage', description: 'A page of customers.' }, errors: [400],
      }),
    },
    [`${CONSOLE_API}/customers/{customerTenantId}`]: {
      get: consoleApi({
        operationId: 'consoleGetCustomer', summary: 'A customer: its organization (the Partner Center body), and each partner with its DAP flag and GDAP relationships.',
        path: [tenantPath('customerTenantId', 'customer')], ok: { status: 200, schema: 'ConsoleCustomer', description: 'The customer.' }, errors: [400, 404],
      }),
    },
    [`${CONSOLE_API}/explain`]: {
      get: consoleApi({
        operationId: 'consoleExplain', summary: 'Why a principal may or may not read a customer: the decision with every check, from the server\'s decision code (as `pcapi explain`), now by the server\'s clock or at an instant.',
        query: [
          { ...query('principal', 'A user principal name, or an application (client) id.'), required: true },
          query('partner', 'The principal\'s partner (tenant id or domain); needed for a client id, a user\'s comes from its name.'),
          { ...query('customer', 'The customer tenant id.', { type: 'string', format: 'uuid' }), required: true },
          query('at', 'An ISO 8601 instant (or date) to decide at; the server clock\'s now by default.', { type: 'string', format: 'date-time' }),
        ],
        ok: { status: 200, schema: 'ConsoleExplanation', description: 'The decision.' }, errors: [400],
      }),
    },
  };
}

const HEALTH = ['Health'];
const NO_STORE = { 'Cache-Control': ref('headers/Cache-Control-no-store') };

export function servicePaths(): Json {
  return {
    ...emulatorPaths(),
    ...consolePaths(),
    '/healthz': {
      get: { operationId: 'getLiveness', tags: HEALTH, summary: 'The process is up. No token, never throttled.',
        responses: { 200: response('Up.', { content: jsonContent(schemaRef('Liveness')), headers: NO_STORE }) } },
    },
    '/readyz': {
      get: { operationId: 'getReadiness', tags: HEALTH, summary: 'The process can serve: the store answers a query, and Redis a PING when configured. No token, never throttled.',
        responses: {
          200: response('Ready.', { content: jsonContent(schemaRef('Readiness')), headers: NO_STORE }),
          503: response('Not ready: `failing` names the checks that failed.', { content: jsonContent(schemaRef('Readiness')), headers: NO_STORE }),
        } },
    },
    '/metrics': {
      get: { operationId: 'getMetrics', tags: HEALTH, summary: 'Prometheus metrics (with --metrics): requests by route, method and status, latency, authorization outcomes, cache hits. No token.',
        responses: { 200: response('The Prometheus text format.', { content: { 'text/plain; version=0.0.4; charset=utf-8': { schema: { type: 'string' } } } }) } },
    },
    '/openapi.json': {
      get: { operationId: 'getOpenApiDocument', tags: ['OpenAPI'], summary: 'This document, with this server\'s public URL in `servers`. No token, never throttled.',
        responses: { 200: response('The OpenAPI 3.1 document.', { content: jsonContent({ type: 'object', required: ['openapi', 'info', 'paths'] }) }) } },
    },
  };
}
