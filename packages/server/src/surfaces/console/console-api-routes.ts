/**
 * The console's JSON API under /_pcapi/console/api/ (issue 13), registered inside the emulator scope
 * (emulator-routes.ts): the same enablement (--emulator), guard (loopback, or the admin key), error
 * handler (Graph's body shape) and audit hook (writes recorded) as every emulator endpoint. Routes
 * parse and check their input (bad input is a 400 naming the parameter) and render what the console
 * service answers.
 */
import type { FastifyInstance } from 'fastify';
import { isGuid } from '@pcapi/contracts';
import { CONSOLE_ACTIONS, type ConsoleAction, type ConsoleService } from '../../services/console-service.js';
import { GraphError } from '../graph/graph-errors.js';

export const CONSOLE_API_PATH = '/console/api';
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;
const MAX_TEXT = 256;

type Query = Record<string, string | string[] | undefined>;

/** One optional query parameter: absent or empty is undefined; repeated or too long is a 400. */
function optional(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new GraphError('badRequest', `${name}: give it once.`);
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed.length > MAX_TEXT) throw new GraphError('badRequest', `${name}: at most ${MAX_TEXT} characters.`);
  return trimmed === '' ? undefined : trimmed;
}

function required(query: Query, name: string, what: string): string {
  const value = optional(query, name);
  if (value === undefined) throw new GraphError('badRequest', `${name} is required: ${what}.`);
  return value;
}

function tenantId(value: string, name: string): string {
  if (!isGuid(value)) throw new GraphError('badRequest', `${name}: "${String(value).slice(0, 80)}" is not a tenant id (a GUID).`);
  return value.toLowerCase();
}

function limitOf(query: Query): number {
  const text = optional(query, 'limit');
  if (text === undefined) return DEFAULT_LIMIT;
  if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > MAX_LIMIT) throw new GraphError('badRequest', `limit: a whole number from 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}), not "${text.slice(0, 20)}".`);
  return Number(text);
}

/** An ISO 8601 date or instant (a date alone is its midnight UTC). */
function instantOf(query: Query): number | undefined {
  const text = optional(query, 'at');
  if (text === undefined) return undefined;
  const instant = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(instant)) throw new GraphError('badRequest', `at: "${text.slice(0, 40)}" is not an ISO 8601 date or instant with its offset (e.g. 2027-01-01T00:00:00Z).`);
  return instant;
}

export function registerConsoleApiRoutes(scope: FastifyInstance, console: ConsoleService): void {
  const base = CONSOLE_API_PATH;
  scope.get(`${base}/partners`, async () => console.partners());
  scope.get<{ Params: { partnerTenantId: string } }>(`${base}/partners/:partnerTenantId`, async (request) => {
    const from = optional(request.query as Query, 'relationshipsFrom');
    if (from !== undefined && !/^\d{1,9}$/.test(from)) throw new GraphError('badRequest', `relationshipsFrom: a whole number from 0, not "${from.slice(0, 20)}".`);
    return console.partner(tenantId(request.params.partnerTenantId, 'partnerTenantId'), Number(from ?? 0));
  });

  scope.get(`${base}/customers`, async (request) => {
    const query = request.query as Query;
    return console.customers({
      search: optional(query, 'search'), partner: optional(query, 'partner'), after: optional(query, 'after'), limit: limitOf(query),
    });
  });
  scope.get<{ Params: { customerTenantId: string } }>(`${base}/customers/:customerTenantId`, async (request) => console.customer(tenantId(request.params.customerTenantId, 'customerTenantId')));

  scope.get(`${base}/explain`, async (request) => {
    const query = request.query as Query;
    const principal = required(query, 'principal', 'a user principal name, or an application (client) id with partner=');
    const customer = tenantId(required(query, 'customer', 'the customer tenant id'), 'customer');
    const partner = optional(query, 'partner');
    const at = instantOf(query);
    return console.explain({ principal, customer, ...(partner !== undefined ? { partner } : {}), ...(at !== undefined ? { at } : {}) });
  });

  scope.post<{ Params: { partnerTenantId: string; relationshipId: string; action: string } }>(`${base}/partners/:partnerTenantId/relationships/:relationshipId/:action`, async (request) => {
    const { partnerTenantId, relationshipId, action } = request.params;
    const known = CONSOLE_ACTIONS.find((a) => a.toLowerCase() === action.toLowerCase());
    if (!known) throw new GraphError('badRequest', `The action "${action.slice(0, 40)}" is not one of ${CONSOLE_ACTIONS.join(', ')}.`);
    return console.relationshipAction(tenantId(partnerTenantId, 'partnerTenantId'), relationshipId, known as ConsoleAction);
  });
}
