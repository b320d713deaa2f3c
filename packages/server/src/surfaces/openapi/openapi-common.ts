/**
 * Building blocks of the OpenAPI document: references, JSON content, and the responses every
 * surface shares. Error responses are generated from the surfaces' own catalogs (Partner Center's
 * ERROR_CATALOG, Graph's GRAPH_ERRORS), so a catalog row and its documentation cannot drift apart.
 */
import { ERROR_CATALOG, type ErrorName } from '../partner-center/errors/catalog.js';
import { GRAPH_ERRORS, type GraphErrorName } from '../graph/graph-errors.js';

export type Json = Record<string, unknown>;

/** The methods an OpenAPI 3.1 path item has a field for. */
export const OPENAPI_PATH_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export const ref = (path: string): Json => ({ $ref: `#/components/${path}` });
export const schemaRef = (name: string): Json => ref(`schemas/${name}`);

export function jsonContent(schema: Json, example?: unknown): Json {
  return { 'application/json': { schema, ...(example === undefined ? {} : { example }) } };
}

/** The four ids request-context.ts puts on every response of every surface. */
const REQUEST_ID_HEADERS: Json = {
  'MS-RequestId': ref('headers/MS-RequestId'),
  'MS-CorrelationId': ref('headers/MS-CorrelationId'),
  'MS-CV': ref('headers/MS-CV'),
  'MS-ServerId': ref('headers/MS-ServerId'),
};

/** A response with the request ids and any further headers. */
export function response(description: string, options: { content?: Json; headers?: Json } = {}): Json {
  return { description, headers: { ...REQUEST_ID_HEADERS, ...options.headers }, ...(options.content ? { content: options.content } : {}) };
}

/** Graph's per-response ids (graph-errors.ts's graphResponseHeaders), on every /v1.0 answer. */
export const GRAPH_ID_HEADERS: Json = {
  'request-id': ref('headers/request-id'),
  'client-request-id': ref('headers/client-request-id'),
};

export const RETRY_AFTER: Json = { 'Retry-After': ref('headers/Retry-After') };

/** Statuses with a Retry-After, as their real counterparts send it. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

/** Partner Center's errors of one status, named by their catalog rows. */
export function partnerCenterError(status: number): Json {
  const rows = (Object.entries(ERROR_CATALOG) as [ErrorName, (typeof ERROR_CATALOG)[ErrorName]][]).filter(([, entry]) => entry.status === status);
  if (rows.length === 0) throw new Error(`no Partner Center error has status ${status}`);
  const kinds = new Set(rows.map(([, entry]) => entry.body));
  const schemas = [...kinds].map((kind) => schemaRef(kind === 'gateway' ? 'GatewayError' : 'PartnerCenterError'));
  const headers: Json = {};
  if (status === 401) headers['WWW-Authenticate'] = ref('headers/WWW-Authenticate');
  if (status === 405) headers.Allow = ref('headers/Allow');
  if (RETRY_AFTER_STATUSES.has(status)) Object.assign(headers, RETRY_AFTER);
  const names = rows.map(([name, entry]) => `\`${name}\` (${entry.body === 'gateway' ? 'gateway body' : `code ${entry.code}`}): ${entry.description}`);
  return response(`Partner Center error (docs/errors.md):\n\n- ${names.join('\n- ')}`, {
    content: jsonContent(schemas.length === 1 ? schemas[0]! : { oneOf: schemas }),
    headers,
  });
}

/** Graph's error body for one status (the emulator answers in it too). */
export function graphError(status: number): Json {
  const rows = (Object.entries(GRAPH_ERRORS) as [GraphErrorName, { status: number; code: string }][]).filter(([, entry]) => entry.status === status);
  if (rows.length === 0) throw new Error(`no Graph error has status ${status}`);
  return response(`Graph error \`${rows.map(([, entry]) => entry.code).join('`, `')}\` (docs/errors.md#graph).`, {
    content: jsonContent(schemaRef('GraphError')),
    headers: { ...GRAPH_ID_HEADERS, ...(status === 401 ? { 'WWW-Authenticate': ref('headers/WWW-Authenticate-Graph') } : {}), ...(RETRY_AFTER_STATUSES.has(status) ? RETRY_AFTER : {}) },
  });
}

/** Entra's OAuth error body (oauth-errors.ts). */
export function oauthError(status: number, description: string): Json {
  return response(`${description} Entra's OAuth error body (docs/errors.md#the-token-endpoints-errors).`, {
    content: jsonContent(schemaRef('OAuthError')),
    headers: { 'Cache-Control': ref('headers/Cache-Control-no-store'), ...(RETRY_AFTER_STATUSES.has(status) ? RETRY_AFTER : {}) },
  });
}

/** `{"200": …, "400": ref(...)}` from statuses: a number refers to the shared response of its kind. */
export function responses(kind: 'partnerCenter' | 'graph' | 'oauth', own: Record<number, Json>, errors: number[]): Json {
  const prefix = { partnerCenter: 'PartnerCenter', graph: 'Graph', oauth: 'OAuth' }[kind];
  const all: Record<string, Json> = {};
  for (const [status, value] of Object.entries(own)) all[status] = value;
  for (const status of errors) all[String(status)] = ref(`responses/${prefix}${status}`);
  return Object.fromEntries(Object.entries(all).sort(([a], [b]) => Number(a) - Number(b)));
}

export const PARAMETER = {
  tenant: ref('parameters/tenant'),
  requestId: ref('parameters/MS-RequestId'),
  correlationId: ref('parameters/MS-CorrelationId'),
  correlationVector: ref('parameters/MS-CV'),
  clientRequestId: ref('parameters/client-request-id'),
  ifMatch: ref('parameters/If-Match'),
  filter: ref('parameters/filter'),
  select: ref('parameters/select'),
  orderby: ref('parameters/orderby'),
  top: ref('parameters/top'),
  count: ref('parameters/count'),
  skiptoken: ref('parameters/skiptoken'),
} as const;

export function pathParameter(name: string, description: string, schema: Json = { type: 'string' }): Json {
  return { name, in: 'path', required: true, description, schema };
}
