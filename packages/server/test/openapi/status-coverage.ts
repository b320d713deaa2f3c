/**
 * The OpenAPI document held against the statuses the test suite produced (record-statuses.ts):
 * every status a test saw must be documented, and every documented status must be seen. Pure: the
 * check script reads the recordings and prints what this returns.
 *
 * What the document states, as (method, route, status):
 * - each operation's responses, under its path (`{name}` for Fastify's `:name`); methods OpenAPI 3.1
 *   has no field for (PROPFIND, QUERY, …) under the path item's `x-additionalOperations`, shaped as
 *   OpenAPI 3.2's `additionalOperations`. A HEAD Fastify adds to a GET route is that GET, unless the
 *   path documents HEAD itself.
 * - `x-pcapi-unrouted`: answers to requests no route matches, by the handler that gives them (a
 *   surface's not-found handler, or a refusal before routing); any method.
 * - `x-pcapi-injected-faults`: what an emulator fault rule may answer, on any route.
 */

/** One (method, route, status) a test produced, and the first test file that produced it. */
export interface ObservedResponse {
  method: string;
  /** Fastify's route template, or one of the UNROUTED labels. */
  route: string;
  status: number;
  file: string;
}

export interface StatusKey {
  method: string;
  route: string;
  status: number;
}

/** What Node's parser refuses (http-refusals.ts) and URLs the router cannot decode. */
export const BEFORE_ROUTING = '(before routing)';
export const UNROUTED_GRAPH = '(no route under /v1.0)';
export const UNROUTED_EMULATOR = '(no route under /_pcapi)';
export const UNROUTED_OTHER = '(no route)';
/** An answer an emulator fault rule gave, whatever the route. */
export const INJECTED_FAULT = '(injected fault)';
/** Labels that stand for a route: their statuses are stated for any method. */
export const ANY_METHOD_LABELS = [BEFORE_ROUTING, UNROUTED_GRAPH, UNROUTED_EMULATOR, UNROUTED_OTHER, INJECTED_FAULT] as const;

/** Which not-found handler answers a path no route matches: the router ignores case and folds duplicate slashes. */
export function unroutedScope(url: string): string {
  const path = url.split('?', 1)[0]!.replace(/\/{2,}/g, '/').toLowerCase();
  if (path === '/v1.0' || path.startsWith('/v1.0/')) return UNROUTED_GRAPH;
  if (path === '/_pcapi' || path.startsWith('/_pcapi/')) return UNROUTED_EMULATOR;
  return UNROUTED_OTHER;
}

/** The methods a path item has fields for in OpenAPI 3.1. */
export const OPENAPI_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

type Responses = Record<string, unknown>;
type Operation = { responses?: Responses };
type PathItem = Partial<Record<(typeof OPENAPI_METHODS)[number], Operation>> & { 'x-additionalOperations'?: Record<string, Operation> };
export interface CheckedDocument {
  paths?: Record<string, PathItem>;
  'x-pcapi-unrouted'?: Record<string, { responses?: Responses }>;
  'x-pcapi-injected-faults'?: { responses?: Responses };
}

/** `/v1.0/groups/{id}` → `/v1.0/groups/:id`. */
export function fastifyRoute(openApiPath: string): string {
  return openApiPath.replace(/\{([^}]+)\}/g, ':$1');
}

function statusesOf(responses: Responses | undefined): number[] {
  return Object.keys(responses ?? {}).filter((key) => /^\d{3}$/.test(key)).map(Number);
}

/** Every operation of the document, as (METHOD, Fastify route). */
export function documentedOperations(document: CheckedDocument): Array<{ method: string; route: string; operation: Operation }> {
  const operations: Array<{ method: string; route: string; operation: Operation }> = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const route = fastifyRoute(path);
    for (const method of OPENAPI_METHODS) {
      const operation = item[method];
      if (operation) operations.push({ method: method.toUpperCase(), route, operation });
    }
    for (const [method, operation] of Object.entries(item['x-additionalOperations'] ?? {})) operations.push({ method, route, operation });
  }
  return operations;
}

export function documentedStatuses(document: CheckedDocument): StatusKey[] {
  const keys: StatusKey[] = [];
  for (const { method, route, operation } of documentedOperations(document)) {
    for (const status of statusesOf(operation.responses)) keys.push({ method, route, status });
  }
  for (const [label, unrouted] of Object.entries(document['x-pcapi-unrouted'] ?? {})) {
    for (const status of statusesOf(unrouted.responses)) keys.push({ method: '*', route: label, status });
  }
  for (const status of statusesOf(document['x-pcapi-injected-faults']?.responses)) keys.push({ method: '*', route: INJECTED_FAULT, status });
  return keys;
}

const keyOf = (key: StatusKey) => `${key.method} ${key.route} ${key.status}`;

export interface CoverageReport {
  /** Seen in a test, not in the document. */
  undocumented: Array<StatusKey & { files: string[] }>;
  /** In the document, seen in no test. */
  unproduced: StatusKey[];
}

export function compareCoverage(document: CheckedDocument, observed: readonly ObservedResponse[]): CoverageReport {
  const documented = documentedStatuses(document);
  const documentedKeys = new Set(documented.map(keyOf));
  const headDocumented = new Set(documented.filter((key) => key.method === 'HEAD').map((key) => key.route));
  const anyMethod = new Set<string>(ANY_METHOD_LABELS);

  const seen = new Map<string, StatusKey & { files: string[] }>();
  for (const entry of observed) {
    let method = entry.method;
    if (anyMethod.has(entry.route)) method = '*';
    else if (method === 'HEAD' && !headDocumented.has(entry.route)) method = 'GET';
    const key = { method, route: entry.route, status: entry.status };
    const found = seen.get(keyOf(key));
    if (found) {
      if (!found.files.includes(entry.file)) found.files.push(entry.file);
    } else seen.set(keyOf(key), { ...key, files: [entry.file] });
  }

  const byKey = (a: StatusKey, b: StatusKey) => a.route.localeCompare(b.route) || a.method.localeCompare(b.method) || a.status - b.status;
  return {
    undocumented: [...seen.entries()].filter(([key]) => !documentedKeys.has(key)).map(([, value]) => value).sort(byKey),
    unproduced: documented.filter((key) => !seen.has(keyOf(key))).sort(byKey),
  };
}

/** The report as lines for a terminal; empty when the document and the suite agree. */
export function formatCoverage(report: CoverageReport): string[] {
  const lines: string[] = [];
  if (report.undocumented.length > 0) {
    lines.push(`${report.undocumented.length} status(es) the tests produced that the OpenAPI document does not state:`);
    for (const key of report.undocumented) lines.push(`  ${key.method} ${key.route} → ${key.status}   (${key.files.slice(0, 3).join(', ')}${key.files.length > 3 ? ', …' : ''})`);
  }
  if (report.unproduced.length > 0) {
    lines.push(`${report.unproduced.length} documented status(es) no test produced:`);
    for (const key of report.unproduced) lines.push(`  ${key.method} ${key.route} → ${key.status}`);
  }
  return lines;
}
