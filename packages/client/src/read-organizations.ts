/**
 * Reads a 200 body into organizations, tolerating the one way the documentation disagrees with the
 * wire (one object instead of a list), and nothing else: a body that is not organizations (another
 * resource, an error object, wrong types) is a PartnerCenterError, not data.
 */
import { ORGANIZATION_KEYS, type CustomerOrganization } from '@pcapi/contracts';
import { PartnerCenterError } from './errors/partner-center-error.js';
import type { PipelineResponse } from './pipeline.js';

const STRING_KEYS = ORGANIZATION_KEYS.filter((key) => key !== 'technicalNotificationMails');

/** What is wrong with one item, or undefined when it is an organization as the contract declares it. */
function problemWith(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 'an item is not an object';
  const record = item as Record<string, unknown>;
  if (!ORGANIZATION_KEYS.some((key) => key in record)) return `an item has none of the organization's properties (${Object.keys(record).slice(0, 5).join(', ') || 'no properties'})`;
  for (const key of STRING_KEYS) {
    if (record[key] !== undefined && record[key] !== null && typeof record[key] !== 'string') return `${key} is not a string`;
  }
  const mails = record.technicalNotificationMails;
  if (mails !== undefined && mails !== null && !(Array.isArray(mails) && mails.every((mail) => typeof mail === 'string'))) return 'technicalNotificationMails is not a list of strings';
  return undefined;
}

export function readOrganizations(response: PipelineResponse): CustomerOrganization[] {
  const refuse = (why: string) => PartnerCenterError.fromResponse(response, `Partner Center answered ${response.status} with a body that is not a list of organizations: ${why}.`);
  let body: unknown;
  try {
    body = JSON.parse(response.bodyText.replace(/^\uFEFF/, ''));
  } catch {
    throw refuse(response.bodyText.trim() === '' ? 'the body is empty' : 'the body is not JSON');
  }
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) throw refuse('the list is empty (the call names one customer)');
  for (const item of items) {
    const problem = problemWith(item);
    if (problem) throw refuse(problem);
  }
  return items as CustomerOrganization[];
}
