/**
 * The Partner Center endpoint: GET and HEAD of a customer's organization, and 405 for every other
 * method the router knows (organization-route.ts registers them all). Methods OpenAPI 3.1 has no
 * field for are under `x-additionalOperations`, as OpenAPI 3.2's `additionalOperations`.
 */
import { METHODS } from 'node:http';
import { GUID_PATTERN } from '@pcapi/contracts';
import { jsonContent, OPENAPI_PATH_METHODS, PARAMETER, pathParameter, response, responses, schemaRef, type Json } from './openapi-common.js';

export const ORGANIZATION_OPENAPI_PATH = '/v1/customers/{customerTenantId}/organization';

/** The source document's example, byte for byte what the demo's Contoso answers. */
const CONTOSO = [{
  street: '1 Microsoft Way', countryLetterCode: 'US', postalCode: '98052-8300', city: 'Redmond', state: 'WA', displayName: 'Contoso',
  technicalNotificationMails: ['test@contoso.com'],
}];

const customerTenantId = {
  ...pathParameter('customerTenantId', 'The customer\'s tenant id (Partner Center names it `customer-tenant-id`), a GUID in any letter case; anything else answers 400 `invalidCustomerId`, after authentication.', { type: 'string', pattern: GUID_PATTERN }),
  example: '13bba13f-49f8-49aa-8a22-1fe70d695fcb',
};

const optionalHeader = (name: string, description: string): Json => ({ name, in: 'header', required: false, description, schema: { type: 'string' } });

const ORGANIZATION_PARAMETERS = [
  PARAMETER.requestId,
  PARAMETER.correlationId,
  PARAMETER.correlationVector,
  optionalHeader('X-Locale', 'Accepted and not required; errors are always English (docs/parity.md).'),
  optionalHeader('MS-Contract-Version', 'Accepted and not required.'),
  optionalHeader('MS-PartnerCenter-Application', 'Accepted and not required.'),
];

const GET_ERRORS = [400, 401, 403, 404, 429, 500, 503];
const HEAD_ERRORS = [400, 401, 403, 404, 429];

function organizationOperation(method: 'get' | 'head'): Json {
  const ok = method === 'get'
    ? response('The customer\'s organization, as a one-element array; keys always present and in this order.', {
      content: jsonContent({ type: 'array', items: schemaRef('CustomerOrganization'), minItems: 1, maxItems: 1 }, CONTOSO),
    })
    : response('What GET would answer, without the body.');
  // HEAD answers GET's statuses and headers; its error responses carry no body either.
  const errors = method === 'get' ? GET_ERRORS : HEAD_ERRORS;
  return {
    operationId: method === 'get' ? 'getCustomerOrganization' : 'headCustomerOrganization',
    tags: ['Partner Center'],
    summary: method === 'get' ? 'Gets a customer\'s organization details.' : 'GET without the body.',
    description: 'Authentication comes before the path is checked (no token and a bad id answers 401), then authorization (docs/authorization.md), then the throttle. See docs/api.md.',
    security: [{ partnerCenterBearer: [] }],
    parameters: ORGANIZATION_PARAMETERS,
    responses: responses('partnerCenter', { 200: ok }, errors),
  };
}

function methodNotAllowed(method: string): Json {
  return {
    operationId: `${method.toLowerCase().replace(/[^a-z]/g, '')}CustomerOrganizationRefused`,
    tags: ['Partner Center'],
    summary: 'Refused (405, before authentication and before any body is read): the resource has GET and HEAD only.',
    responses: responses('partnerCenter', {}, [405]),
  };
}

/** Every method organization-route.ts answers 405 to: Node's methods but GET, HEAD and CONNECT (never routed). */
const REFUSED_METHODS = METHODS.filter((method) => !['GET', 'HEAD', 'CONNECT'].includes(method));

export function partnerCenterPaths(): Json {
  const item: Json = { parameters: [customerTenantId], get: organizationOperation('get'), head: organizationOperation('head') };
  const additional: Json = {};
  for (const method of REFUSED_METHODS) {
    const field = method.toLowerCase();
    if ((OPENAPI_PATH_METHODS as readonly string[]).includes(field)) item[field] = methodNotAllowed(method);
    else additional[method] = methodNotAllowed(method);
  }
  item['x-additionalOperations'] = additional;
  return { [ORGANIZATION_OPENAPI_PATH]: item };
}
