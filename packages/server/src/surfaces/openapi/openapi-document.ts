/**
 * The OpenAPI 3.1 document of pcapi's whole HTTP surface, built here and nowhere else: served at
 * /openapi.json (openapi-route.ts) with the server's public URL, and written to
 * packages/contracts/openapi.json (scripts/write-openapi-contract.ts) for tools that read a file
 * (the benchmark's Prism). Tests hold it against the routes the server registers and the statuses
 * the suite produces (packages/server/test/openapi/).
 *
 * Beyond the paths, two extensions state what answers requests no operation describes:
 * `x-pcapi-unrouted` (no route matched, or refused before routing) and `x-pcapi-injected-faults`.
 */
import { PARTNER_CENTER_RESOURCE } from '@pcapi/contracts';
import { ERROR_CATALOG } from '../partner-center/errors/catalog.js';
import { GRAPH_ERRORS } from '../graph/graph-errors.js';
import { FAULT_STATUSES } from '../emulator/faults.js';
import { graphPaths } from './graph-paths.js';
import { GRAPH_SCHEMAS } from './graph-schemas.js';
import { identityPaths } from './identity-paths.js';
import { graphError, oauthError, partnerCenterError, response, type Json } from './openapi-common.js';
import { SERVICE_SCHEMAS } from './openapi-schemas.js';
import { partnerCenterPaths } from './partner-center-paths.js';
import { servicePaths } from './service-paths.js';

export const OPENAPI_VERSION = '3.1.0';

const header = (description: string, schema: Json = { type: 'string' }): Json => ({ description, schema });
const headerParameter = (name: string, description: string, schema: Json = { type: 'string' }): Json => ({ name, in: 'header', required: false, description, schema });
const queryParameter = (name: string, description: string, schema: Json = { type: 'string' }): Json => ({ name, in: 'query', required: false, description, schema });

const HEADERS: Json = {
  'MS-RequestId': header('The caller\'s MS-RequestId when it is a GUID, else a new one. On every response.', { type: 'string', format: 'uuid' }),
  'MS-CorrelationId': header('The caller\'s MS-CorrelationId when it is a GUID, else a new one. On every response.', { type: 'string', format: 'uuid' }),
  'MS-CV': header('The caller\'s correlation vector extended (`<cv>.0`), or a new one. On every response.'),
  'MS-ServerId': header('An opaque id of the answering process. On every response.'),
  'WWW-Authenticate': header(`RFC 6750 challenge: \`Bearer realm="${PARTNER_CENTER_RESOURCE}"\`, plus \`error="invalid_token"\` and an \`error_description\` when a token was sent.`),
  'WWW-Authenticate-Graph': header('On the Graph surface (/v1.0): `Bearer realm="", authorization_uri="<public URL>/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`, as Graph challenges. The emulator endpoints send none.'),
  Allow: header('The methods the resource has: `GET, HEAD`.'),
  'Retry-After': header('Whole seconds to wait before retrying.', { type: 'integer', minimum: 0 }),
  'request-id': header('Graph: the request\'s id (MS-RequestId).'),
  'client-request-id': header('Graph: the caller\'s client-request-id echoed (a GUID or short token), else the request id.'),
  Location: header('The URL of what was created, or the redirect URI with the answer.', { type: 'string', format: 'uri' }),
  'Cache-Control-no-store': header('`no-store`.'),
  'Pragma-no-cache': header('`no-cache`.'),
  'Content-Disposition': header('`attachment; filename="pcapi-export.seed.json"`.'),
};

const PARAMETERS: Json = {
  tenant: { name: 'tenant', in: 'path', required: true, description: 'A partner tenant\'s id or domain, a customer tenant\'s id, or `common` / `organizations`.', schema: { type: 'string' }, example: 'fabrikam.example' },
  'MS-RequestId': headerParameter('MS-RequestId', 'Optional GUID, echoed; keep it the same across retries of one call. Not a GUID → a new one.', { type: 'string' }),
  'MS-CorrelationId': headerParameter('MS-CorrelationId', 'Optional GUID, echoed. Not a GUID → a new one.', { type: 'string' }),
  'MS-CV': headerParameter('MS-CV', 'Optional correlation vector; a well-formed one is extended.'),
  'client-request-id': headerParameter('client-request-id', 'Optional; echoed in the response\'s client-request-id.'),
  'If-Match': { name: 'If-Match', in: 'header', required: true, description: 'The object\'s `@odata.etag` as read (or `*`); missing → 400, stale → 412.', schema: { type: 'string' } },
  filter: queryParameter('$filter', 'OData filter on the listed properties (eq, ne, gt, ge, lt, le, and, or, not, startswith, in).'),
  select: queryParameter('$select', 'Comma-separated properties to return.'),
  orderby: queryParameter('$orderby', 'A property, then `asc` or `desc`.'),
  top: queryParameter('$top', 'Page size, 1 to 300.', { type: 'integer', minimum: 1, maximum: 300 }),
  count: queryParameter('$count', '`true` adds `@odata.count`.', { type: 'string', enum: ['true', 'false'] }),
  skiptoken: queryParameter('$skiptoken', 'From `@odata.nextLink`; opaque.'),
};

const SECURITY_SCHEMES: Json = {
  partnerCenterBearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: `An access token for ${PARTNER_CENTER_RESOURCE} from pcapi's issuer (or a trusted external issuer): docs/authorization.md.` },
  graphBearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token for https://graph.microsoft.com from pcapi\'s issuer: `roles` app-only, `scp` delegated (docs/graph.md).' },
  clientSecretBasic: { type: 'http', scheme: 'basic', description: 'A confidential client\'s id and secret (or in the form body instead).' },
  emulatorAdminKey: { type: 'apiKey', in: 'header', name: 'X-PCAPI-Admin-Key', description: 'Needed when pcapi runs with --emulator-key; without it the emulator answers loopback callers only.' },
};

/** The shared error responses, by surface and status, from the catalogs. */
function errorResponses(): Json {
  const shared: Json = {};
  for (const status of new Set(Object.values(ERROR_CATALOG).map((entry) => entry.status))) shared[`PartnerCenter${status}`] = partnerCenterError(status);
  for (const status of new Set(Object.values(GRAPH_ERRORS).map((entry) => entry.status))) shared[`Graph${status}`] = graphError(status);
  shared.OAuth400 = oauthError(400, 'A refused request or grant.');
  shared.OAuth401 = oauthError(401, '`invalid_client`: the client\'s credentials are wrong, missing, or not the kind the client uses.');
  return shared;
}

const ref = (name: string): Json => ({ $ref: `#/components/responses/${name}` });

/** Answers to requests no route matches, by who answers them (see status-coverage.ts in the tests). */
function unroutedResponses(): Json {
  return {
    '(before routing)': {
      description: 'Refused before any route is chosen, with Partner Center\'s catalog and `Connection: close`: what Node\'s HTTP parser rejects (malformed HTTP/1.1, headers over 16 KiB, headers or body too slow, a method token it does not know, CONNECT), and URLs the router cannot decode. docs/api.md#malformed-requests-limits-and-timeouts.',
      responses: { 400: ref('PartnerCenter400'), 404: ref('PartnerCenter404'), 405: ref('PartnerCenter405'), 408: ref('PartnerCenter408'), 413: ref('PartnerCenter413'), 431: ref('PartnerCenter431') },
    },
    '(no route)': {
      description: 'A path no route matches, any method: the gateway\'s 404 `{"statusCode":404,"message":"Resource not found"}`.',
      responses: { 404: ref('PartnerCenter404') },
    },
    '(no route under /v1.0)': {
      description: 'A /v1.0 path no route matches: authenticated first as any Graph call (401), then Graph\'s 404.',
      responses: { 401: ref('Graph401'), 404: ref('Graph404') },
    },
    '(no route under /_pcapi)': {
      description: 'An emulator path no route matches: guarded as any emulator call (401 without the admin key when one is configured, 403 from elsewhere than loopback when none is), then Graph\'s 404.',
      responses: { 401: ref('Graph401'), 403: ref('Graph403'), 404: ref('Graph404') },
    },
  };
}

function injectedFaults(): Json {
  const responses: Json = {};
  for (const status of FAULT_STATUSES) {
    responses[status] = response(`An injected ${status}, in the error shape of the surface called (Partner Center, Entra or Graph).`, {
      headers: status === 429 || status === 503 ? { 'Retry-After': { $ref: '#/components/headers/Retry-After' } } : {},
    });
  }
  return {
    description: 'With --emulator, a fault rule (POST /_pcapi/faults) answers the calls it matches, on any route but /_pcapi/, with its status instead of the operation\'s own answer.',
    responses,
  };
}

export interface OpenApiOptions {
  /** The server's public URL, for `servers`. */
  serverUrl: string;
  version: string;
}

export function buildOpenApiDocument(options: OpenApiOptions): Json {
  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'pcapi',
      version: options.version,
      summary: 'A self-hostable Partner Center "Get a customer organization" API, its Entra-compatible token issuer, and the Graph GDAP endpoints.',
      description: [
        'Every route pcapi serves. Every response carries MS-RequestId, MS-CorrelationId, MS-CV and MS-ServerId.',
        'Any operation may also answer 500 on an unexpected failure, and 503 while the database cannot be reached, in its surface\'s error shape; only those the test suite produces are listed per operation.',
        'Reference: docs/api.md, docs/errors.md, docs/graph.md, docs/sign-in.md, docs/configuration.md.',
      ].join('\n\n'),
    },
    servers: [{ url: options.serverUrl, description: 'This pcapi.' }],
    tags: [
      { name: 'Partner Center', description: 'The customer organization endpoint (docs/api.md).' },
      { name: 'Token issuer', description: 'Entra-compatible discovery, keys, tokens and sign-in (docs/sign-in.md).' },
      { name: 'Graph: GDAP', description: 'Granular delegated admin relationships (docs/graph.md).' },
      { name: 'Graph: directory', description: 'The partner tenant\'s groups, users and applications (docs/graph.md).' },
      { name: 'Emulator', description: 'Clock, reset, export, import, faults, audit; only with --emulator (docs/configuration.md#the-emulator-endpoints).' },
      { name: 'Console', description: 'The web console\'s page, files and JSON API under /_pcapi/console/; emulator endpoints, only with --emulator and guarded alike.' },
      { name: 'Health', description: 'Liveness, readiness and metrics.' },
      { name: 'OpenAPI', description: 'This document.' },
    ],
    // The organization endpoint first: the benchmark reads its 200 example from the first path.
    paths: { ...partnerCenterPaths(), ...identityPaths(), ...graphPaths(), ...servicePaths() },
    components: {
      schemas: { ...SERVICE_SCHEMAS, ...GRAPH_SCHEMAS },
      responses: errorResponses(),
      parameters: PARAMETERS,
      headers: HEADERS,
      securitySchemes: SECURITY_SCHEMES,
    },
    'x-pcapi-unrouted': unroutedResponses(),
    'x-pcapi-injected-faults': injectedFaults(),
  };
}
