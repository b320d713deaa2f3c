/**
 * An audit query from text (the admin endpoint's query string, `pcapi audit`'s flags): every problem
 * reported at once, nothing guessed.
 */
import { AUDIT_OUTCOMES, AUDIT_SURFACES, type AuditOutcome, type AuditQuery, type AuditSurface, type StoredAuditEvent } from './audit.js';
import { parseIsoInstant } from './iso-instant.js';
import { isGuid } from '@pcapi/contracts';

export const AUDIT_QUERY_FIELDS = ['partner', 'customer', 'principal', 'outcome', 'surface', 'from', 'to', 'requestId', 'before', 'after', 'limit'] as const;
export type RawAuditQuery = Partial<Record<(typeof AUDIT_QUERY_FIELDS)[number], string>>;

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;


export function parseAuditQuery(raw: RawAuditQuery): { query: AuditQuery } | { problems: string[] } {
  const problems: string[] = [];
  const query: AuditQuery = { limit: DEFAULT_AUDIT_LIMIT };
  const text = (name: keyof RawAuditQuery, max = 256): string | undefined => {
    const value = raw[name];
    if (value === undefined || value === '') return undefined;
    if (value.length > max) problems.push(`${name}: at most ${max} characters`);
    return value;
  };
  const instant = (name: 'from' | 'to'): number | undefined => {
    const value = text(name, 40);
    if (value === undefined) return undefined;
    const ms = parseIsoInstant(value);
    if (!Number.isFinite(ms)) problems.push(`${name}: "${value.slice(0, 40)}" is not an ISO 8601 date or instant with its offset (2027-01-01, 2027-01-01T09:00:00Z)`);
    return ms;
  };
  const integer = (name: 'before' | 'after' | 'limit', min: number, max: number): number | undefined => {
    const value = text(name, 20);
    if (value === undefined) return undefined;
    const number = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!(number >= min && number <= max)) problems.push(`${name}: a whole number from ${min} to ${max}, not "${value.slice(0, 20)}"`);
    return number;
  };

  const partner = text('partner');
  const customer = text('customer');
  const principal = text('principal');
  const requestId = text('requestId');
  const outcome = text('outcome');
  const surface = text('surface');
  // Events record tenants by id: a domain or a typo would list nothing, and look like an empty trail.
  for (const [name, value] of [['partner', partner], ['customer', customer]] as const) {
    if (value !== undefined && !isGuid(value)) problems.push(`${name}: a tenant id (GUID), not "${String(value).slice(0, 40)}"`);
  }
  if (outcome !== undefined && !AUDIT_OUTCOMES.includes(outcome as AuditOutcome)) problems.push(`outcome: one of ${AUDIT_OUTCOMES.join(', ')}, not "${outcome.slice(0, 40)}"`);
  if (surface !== undefined && !AUDIT_SURFACES.includes(surface as AuditSurface)) problems.push(`surface: one of ${AUDIT_SURFACES.join(', ')}, not "${surface.slice(0, 40)}"`);
  const from = instant('from');
  const to = instant('to');
  const before = integer('before', 1, Number.MAX_SAFE_INTEGER);
  const after = integer('after', 0, Number.MAX_SAFE_INTEGER);
  const limit = integer('limit', 1, MAX_AUDIT_LIMIT);
  if (before !== undefined && after !== undefined) problems.push('before and after: give one (before pages back from the newest, after follows the trail forward)');
  const unknown = Object.keys(raw).filter((key) => !(AUDIT_QUERY_FIELDS as readonly string[]).includes(key));
  if (unknown.length) problems.push(`unknown filter ${unknown.map((key) => `"${key.slice(0, 40)}"`).join(', ')}; known: ${AUDIT_QUERY_FIELDS.join(', ')}`);
  if (problems.length) return { problems };

  if (partner !== undefined) query.partnerTenantId = partner;
  if (customer !== undefined) query.customerTenantId = customer;
  if (principal !== undefined) query.principal = principal;
  if (requestId !== undefined) query.requestId = requestId;
  if (outcome !== undefined) query.outcome = outcome as AuditOutcome;
  if (surface !== undefined) query.surface = surface as AuditSurface;
  if (from !== undefined) query.from = from;
  if (to !== undefined) query.to = to;
  if (before !== undefined) query.beforeId = before;
  if (after !== undefined) query.afterId = after;
  if (limit !== undefined) query.limit = limit;
  return { query };
}

/** An event as the admin endpoint and `--json` print it: the time as an ISO instant. */
export function auditEventJson(event: StoredAuditEvent): Record<string, unknown> {
  return { ...event, at: new Date(event.at).toISOString() };
}
