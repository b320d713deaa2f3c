/**
 * Every error pcapi renders, in one table. `docs/errors.md` mirrors it, with the test that produces
 * each row. Where the real service's code for a situation is unknown, the choice is ours and
 * `provenance` says so (see docs/parity.md).
 */
export type ErrorBodyKind = 'partnerCenter' | 'gateway';

export interface CatalogEntry {
  status: number;
  /** Partner Center error code; for gateway bodies the HTTP status is the code. */
  code: number;
  description: string;
  body: ErrorBodyKind;
  /** RFC 6750 error for WWW-Authenticate on 401s; null for a bare challenge (no credentials sent). */
  bearerError?: 'invalid_token' | null;
  provenance: string;
}

export const ERROR_CATALOG = {
  invalidCustomerId: {
    status: 400, code: 900118, body: 'partnerCenter',
    description: 'Invalid Customer ID: the customer-tenant-id in the path must be a GUID.',
    provenance: 'facts sheet (code seen for invalid customer ids)',
  },
  badRequest: {
    status: 400, code: 400, body: 'partnerCenter',
    description: 'The request is malformed.',
    provenance: 'pcapi choice',
  },
  requestTimeout: {
    status: 408, code: 408, body: 'partnerCenter',
    description: 'The request did not arrive in time: its headers or its body came too slowly. The connection is closed.',
    provenance: 'pcapi choice',
  },
  payloadTooLarge: {
    status: 413, code: 413, body: 'partnerCenter',
    description: 'The request body is larger than the server accepts.',
    provenance: 'pcapi choice',
  },
  unsupportedMediaType: {
    status: 415, code: 415, body: 'partnerCenter',
    description: 'The request body has a Content-Type the server does not accept.',
    provenance: 'pcapi choice',
  },
  requestHeadersTooLarge: {
    status: 431, code: 431, body: 'partnerCenter',
    description: 'The request line and headers are larger than the server accepts.',
    provenance: 'pcapi choice',
  },
  tokenMissing: {
    status: 401, code: 800001, body: 'partnerCenter', bearerError: null,
    description: 'Partner token missing: send an Authorization header with a Bearer access token for https://api.partnercenter.microsoft.com.',
    provenance: 'facts sheet (code seen for a missing partner token)',
  },
  tokenInvalid: {
    status: 401, code: 400, body: 'partnerCenter', bearerError: 'invalid_token',
    description: 'Access denied: the bearer token is not valid.',
    provenance: 'facts sheet (code 400 "Access denied" seen for bad tokens)',
  },
  mfaRequired: {
    status: 401, code: 900421, body: 'partnerCenter', bearerError: 'invalid_token',
    description: 'Multi-factor authentication is required: the app+user token was issued without MFA (its amr claim lacks "mfa").',
    provenance: 'facts sheet (enforced since April 2026)',
  },
  notAnAgent: {
    status: 403, code: 900150, body: 'partnerCenter',
    description: "The supplied role doesn't have the rights to perform the requested operation: the caller must be in AdminAgents, HelpdeskAgents or SalesAgents.",
    provenance: 'facts sheet',
  },
  noRelationship: {
    status: 403, code: 20002, body: 'partnerCenter',
    description: 'No relationship between caller and account: a GDAP relationship granting Global Administrator, Directory Writers or Global Reader is required.',
    provenance: 'facts sheet',
  },
  dapNotSupported: {
    status: 403, code: 20002, body: 'partnerCenter',
    description: 'DAP is not supported for this operation: a GDAP relationship granting Global Administrator, Directory Writers or Global Reader is required.',
    provenance: 'source document ("DAP is not supported"); code is pcapi choice',
  },
  gdapAccessInsufficient: {
    status: 403, code: 900308, body: 'partnerCenter',
    description: 'Insufficient privileges: no active GDAP access assignment gives the caller Global Administrator, Directory Writers or Global Reader on this customer.',
    provenance: 'facts sheet (code seen for insufficient privileges)',
  },
  customerNotFound: {
    status: 404, code: 60003, body: 'partnerCenter',
    description: 'Tenant not found: the customer does not exist or is not a customer of the calling partner.',
    provenance: 'facts sheet; identical for unknown customers and other partners\u2019 customers (pcapi choice)',
  },
  routeNotFound: {
    status: 404, code: 404, body: 'gateway', description: 'Resource not found',
    provenance: 'facts sheet (gateway body)',
  },
  methodNotAllowed: {
    status: 405, code: 405, body: 'gateway', description: 'Method not allowed',
    provenance: 'pcapi choice (gateway body shape from the facts sheet)',
  },
  throttled: {
    status: 429, code: 429, body: 'gateway',
    description: 'Rate limit is exceeded. Try again in {retryAfter} seconds.',
    provenance: 'facts sheet (gateway throttling body)',
  },
  throttleUnavailable: {
    status: 503, code: 503, body: 'partnerCenter',
    description: 'Rate limiting is temporarily unavailable. Retry after the number of seconds in Retry-After.',
    provenance: 'pcapi choice (only with --on-redis-unavailable deny)',
  },
  storeUnavailable: {
    status: 503, code: 503, body: 'partnerCenter',
    description: 'The service is temporarily unavailable. Retry after the number of seconds in Retry-After.',
    provenance: 'pcapi choice (Partner Center-shaped body; the real code for this situation is unknown)',
  },
  serviceUnavailable: {
    status: 503, code: 503, body: 'partnerCenter',
    description: 'The service is temporarily unavailable. Retry after the number of seconds in Retry-After.',
    provenance: 'pcapi choice (an injected fault: emulator fault injection)',
  },
  badGateway: {
    status: 502, code: 502, body: 'gateway',
    description: 'Bad gateway.',
    provenance: 'pcapi choice (an injected fault: emulator fault injection)',
  },
  gatewayTimeout: {
    status: 504, code: 504, body: 'gateway',
    description: 'Gateway timeout.',
    provenance: 'pcapi choice (an injected fault: emulator fault injection)',
  },
  internal: {
    status: 500, code: 800003, body: 'partnerCenter',
    description: 'An unexpected error occurred. Quote the MS-RequestId and MS-CorrelationId when reporting it.',
    provenance: 'facts sheet',
  },
} as const satisfies Record<string, CatalogEntry>;

export type ErrorName = keyof typeof ERROR_CATALOG;
