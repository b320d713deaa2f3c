/**
 * Schemas of the Partner Center, token issuer, emulator and health bodies (Graph's are in
 * graph-schemas.ts). Bodies pcapi may grow keep additionalProperties open; the Partner Center
 * organization, whose keys and order are fixed, does not.
 */
import { ERROR_SOURCE, ORGANIZATION_KEYS } from '@pcapi/contracts';
import { AUDIT_OUTCOMES, AUDIT_SURFACES } from '../../domain/audit.js';
import { FAULT_STATUSES } from '../emulator/faults.js';
import type { Json } from './openapi-common.js';
import { CONSOLE_SCHEMAS } from './console-schemas.js';

const string = { type: 'string' };
const nullableString = { type: ['string', 'null'] };
const integer = { type: 'integer' };
const dateTime = { type: 'string', format: 'date-time' };
const uri = { type: 'string', format: 'uri' };
const object = (properties: Record<string, unknown>, required: string[] = [], extra: Json = {}): Json => ({ type: 'object', properties, ...(required.length ? { required } : {}), ...extra });

const partnerCenter: Record<string, Json> = {
  CustomerOrganization: object({
    street: nullableString, countryLetterCode: nullableString, postalCode: nullableString, city: nullableString, state: nullableString, displayName: nullableString,
    technicalNotificationMails: { type: 'array', items: string },
  }, [...ORGANIZATION_KEYS], { additionalProperties: false, description: 'Keys always present, in this order; missing values are null, a missing list [].' }),
  PartnerCenterError: object({
    code: { ...integer, description: 'Partner Center\'s error code (a JSON number); the HTTP status for refusals of the request itself.' },
    description: { ...string, maxLength: 1024 },
    data: { type: 'array', items: string, description: 'The checks made, in words (`passed: …`, `failed: …`); empty with --explain-denials false.' },
    source: { ...string, const: ERROR_SOURCE },
  }, ['code', 'description', 'data', 'source']),
  GatewayError: object({ statusCode: integer, message: string }, ['statusCode', 'message'], { description: 'The API gateway\'s body: unknown routes, wrong methods, throttling, 502 and 504.' }),
};

const tokenFields = { token_type: { ...string, const: 'Bearer' }, scope: string, access_token: string, refresh_token: string, id_token: string, client_info: string };
const identity: Record<string, Json> = {
  TokenRequest: object({
    grant_type: { ...string, examples: ['client_credentials', 'password', 'authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'] },
    client_id: string, client_secret: string, scope: string, resource: { ...string, description: 'v1 endpoint: the resource instead of a scope.' },
    username: string, password: string, code: string, redirect_uri: string, code_verifier: string, refresh_token: string, device_code: string,
    client_info: { ...string, description: '`1` to receive client_info, as MSAL asks.' },
  }, ['grant_type']),
  TokenResponse: object({ ...tokenFields, expires_in: integer, ext_expires_in: integer }, ['token_type', 'scope', 'expires_in', 'ext_expires_in', 'access_token']),
  TokenResponseV1: object({
    ...tokenFields, expires_in: string, ext_expires_in: string, expires_on: string, not_before: string, resource: string,
  }, ['token_type', 'expires_in', 'expires_on', 'not_before', 'resource', 'access_token'], { description: 'The v1 endpoint: numbers as strings.' }),
  OAuthError: object({
    error: { ...string, examples: ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'invalid_resource', 'invalid_tenant', 'authorization_pending', 'expired_token', 'temporarily_unavailable'] },
    error_description: { ...string, description: '`AADSTS<code>: <text>\\r\\nTrace ID: …\\r\\nCorrelation ID: …\\r\\nTimestamp: …` (lines, as Entra writes it)' },
    error_codes: { type: 'array', items: integer },
    timestamp: string, trace_id: string, correlation_id: string, error_uri: uri,
    suberror: { ...string, enum: ['bad_token', 'consent_required', 'basic_action'] },
  }, ['error', 'error_description', 'error_codes', 'timestamp', 'trace_id', 'correlation_id']),
  DeviceCodeRequest: object({ client_id: string, scope: string, resource: { ...string, description: 'v1 endpoint: required.' } }, ['client_id']),
  DeviceCodeResponse: object({ user_code: string, device_code: string, verification_uri: uri, expires_in: integer, interval: integer, message: string },
    ['user_code', 'device_code', 'verification_uri', 'expires_in', 'interval', 'message']),
  DeviceCodeResponseV1: object({ user_code: string, device_code: string, verification_url: uri, expires_in: string, interval: string, message: string },
    ['user_code', 'device_code', 'verification_url', 'expires_in', 'interval', 'message']),
  SignInForm: object({ step: { ...string, enum: ['password', 'mfa', 'consent'] }, flow: string, login: string, passwd: string, action: { ...string, enum: ['approve', 'deny', 'accept', 'cancel'] } }, ['step', 'flow']),
  DeviceLoginForm: object({ otc: { ...string, description: 'The user code.' } }, ['otc']),
  OpenIdConfiguration: object({
    issuer: string, authorization_endpoint: uri, token_endpoint: uri, device_authorization_endpoint: uri, end_session_endpoint: uri, jwks_uri: uri,
    token_endpoint_auth_methods_supported: { type: 'array', items: string }, grant_types_supported: { type: 'array', items: string },
    response_types_supported: { type: 'array', items: string }, scopes_supported: { type: 'array', items: string },
    id_token_signing_alg_values_supported: { type: 'array', items: string }, cloud_instance_name: string,
  }, ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri']),
  OpenIdConfigurationV1: object({
    issuer: string, authorization_endpoint: uri, token_endpoint: uri, device_authorization_endpoint: uri, end_session_endpoint: uri, jwks_uri: uri, microsoft_multi_refresh_token: { type: 'boolean' },
  }, ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri']),
  InstanceDiscovery: object({
    tenant_discovery_endpoint: string, 'api-version': string,
    metadata: { type: 'array', items: object({ preferred_network: string, preferred_cache: string, aliases: { type: 'array', items: string } }) },
  }, ['tenant_discovery_endpoint', 'metadata']),
  JsonWebKeySet: object({
    keys: { type: 'array', items: object({ kty: { ...string, const: 'RSA' }, use: { ...string, const: 'sig' }, kid: string, x5t: string, n: string, e: string, x5c: { type: 'array', items: string } }, ['kty', 'kid', 'n', 'e']) },
  }, ['keys']),
};

const clockView = object({ now: dateTime, offsetMs: integer, frozen: { type: 'boolean' } }, ['now', 'offsetMs', 'frozen']);
const importSummary = object({ inserted: integer, updated: integer, unchanged: integer, warnings: { type: 'array', items: string } }, ['inserted', 'updated', 'unchanged']);
const faultFields = {
  route: { ...string, description: '`*`, or `METHOD /path` with `*` segments; every surface but /_pcapi/.' },
  status: { type: 'integer', enum: [...FAULT_STATUSES] },
  retryAfterSeconds: { type: 'integer', minimum: 0, maximum: 3600, description: 'With 429 and 503 (1 unless given).' },
  delayMs: { type: 'integer', minimum: 1, maximum: 60_000 },
};
const emulator: Record<string, Json> = {
  ClockView: clockView,
  ClockSet: object({ now: { ...dateTime, description: 'An ISO 8601 instant with its offset.' }, frozen: { type: 'boolean' } }, ['now']),
  ClockAdvance: object({ by: { oneOf: [{ type: 'string', description: 'An ISO 8601 duration in weeks, days and time (P30D, PT1H, -PT5M).' }, { type: 'integer', description: 'Milliseconds.' }] } }, ['by']),
  EmulatorReset: object({ clock: clockView, imported: { oneOf: [importSummary, { type: 'null' }] }, faultsCleared: integer }, ['clock', 'imported', 'faultsCleared']),
  ImportSummary: importSummary,
  SeedDocument: { type: 'object', description: 'A seed document: partners, customers, relationships (docs/seed-format.md).', additionalProperties: true },
  FaultSpec: object({ ...faultFields, count: { type: 'integer', minimum: 1 }, fraction: { type: 'number', exclusiveMinimum: 0, maximum: 1 } }, [], { additionalProperties: false, description: 'At least one of status and delayMs.' }),
  FaultRule: object({ id: string, ...faultFields, remaining: integer, fraction: { type: 'number' }, createdAt: dateTime, matched: integer }, ['id', 'route', 'createdAt', 'matched']),
  FaultRuleList: object({ value: { type: 'array', items: { $ref: '#/components/schemas/FaultRule' } } }, ['value']),
  FaultRulesCleared: object({ cleared: integer }, ['cleared']),
  AuditEventList: object({
    value: {
      type: 'array',
      items: object({
        id: integer, at: dateTime, surface: { type: 'string', enum: [...AUDIT_SURFACES] }, operation: string, status: integer, outcome: { type: 'string', enum: [...AUDIT_OUTCOMES] },
        code: nullableString, partnerTenantId: nullableString, principalId: nullableString, principalName: nullableString,
        principalKind: { type: ['string', 'null'], enum: ['user', 'app', null] }, customerTenantId: nullableString,
        reasons: { type: 'array', items: string }, requestId: string, correlationId: nullableString,
      }, ['id', 'at', 'surface', 'operation', 'status', 'outcome']),
    },
  }, ['value']),
};

const check = { oneOf: [object({ ok: { const: true } }, ['ok']), object({ ok: { const: false }, error: string }, ['ok', 'error'])] };
const health: Record<string, Json> = {
  Liveness: object({ status: { const: 'ok' } }, ['status']),
  Readiness: object({
    status: { type: 'string', enum: ['ready', 'unavailable'] },
    failing: { type: 'array', items: string },
    checks: { type: 'object', description: '`store`, and `redis` when configured.', additionalProperties: check },
  }, ['status', 'checks']),
};

export const SERVICE_SCHEMAS: Record<string, Json> = { ...partnerCenter, ...identity, ...emulator, ...CONSOLE_SCHEMAS, ...health };
