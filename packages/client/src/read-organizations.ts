/** Reads a 200 body into organizations, tolerating the one way the documentation disagrees with the wire. */
import type { CustomerOrganization } from '@pcapi/contracts';
import type { PipelineResponse } from './pipeline.js';

export function readOrganizations(response: PipelineResponse): CustomerOrganization[] {
  let body: unknown;
  try {
    body = JSON.parse(response.bodyText.replace(/^\uFEFF/, ''));
  } catch {
    throw new Error(`Partner Center answered ${response.status} with a body that is not JSON (MS-RequestId ${response.headers.get('ms-requestid') ?? 'unknown'}).`);
  }
  // The wire is a bare array; the page's prose calls it a "Customer resource", so accept one object too.
  const items = Array.isArray(body) ? body : [body];
  if (!items.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item))) {
    throw new Error(`Partner Center answered ${response.status} with a body that is not a list of organizations.`);
  }
  return items as CustomerOrganization[];
}
