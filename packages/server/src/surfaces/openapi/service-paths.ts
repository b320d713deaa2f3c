/**
 * pcapi's own endpoints: the emulator's (/_pcapi/, emulator-routes.ts; only with --emulator), health
 * and metrics (health-routes.ts, metrics-routes.ts; /metrics only with --metrics), and this document.
 */
import { jsonContent, GRAPH_ID_HEADERS, ref, response, responses, schemaRef, type Json } from './openapi-common.js';

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
          .map((name) => query(name, `Filter or paging option \`${name}\` (docs/configuration.md#audit-trail).`)),
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

const HEALTH = ['Health'];
const NO_STORE = { 'Cache-Control': ref('headers/Cache-Control-no-store') };

export function servicePaths(): Json {
  return {
    ...emulatorPaths(),
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
