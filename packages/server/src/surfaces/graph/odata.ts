// The OData system query options Microsoft Graph clients send to collection endpoints ($filter,
// $select, $top, $orderby, $count, $skiptoken), parsed against what one entity type allows and
// applied to an in-memory collection. Pure: no Fastify, no I/O, so routes and stores can share it.
//
// Deliberate limits, each answered with a badRequest naming the option, as Graph does for
// directory objects: $expand, $search and $skip are refused ($skip because Graph's directory
// endpoints page only by $skiptoken), $filter accepts eq/ne (plus gt/ge/lt/le on date-times), in,
// 'and', 'or' and startswith(), and refuses 'not', lambdas and other functions.
import { createHash } from 'node:crypto';

/** How a filterable property's literals are typed and compared ('boolean' is for flags such as accountEnabled). */
export type PropertyKind = 'string' | 'guid' | 'enum' | 'dateTime' | 'boolean';
export type RawQuery = Record<string, string | string[] | undefined>;
/** Resolves a property path such as 'customer/tenantId' on an item. */
export type ValueOf<T> = (item: T, path: string) => unknown;

export interface ODataOptions {
  filterable: Record<string, PropertyKind>; // property paths and kinds, e.g. { 'customer/tenantId': 'guid' }
  selectable: string[]; // top-level properties
  orderable: string[]; // property paths; each one's kind comes from `filterable` when listed there
  maxTop?: number; // 300 by default
  defaultTop?: number; // page size without $top; 100 by default
  entityType?: string; // named in unknown-property errors like Graph's, e.g. 'microsoft.graph.contract'
}

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
/** A literal as written: strings unescaped, GUIDs and date-times as text, booleans, null. */
export type FilterLiteral = string | boolean | null;
export type FilterCondition =
  | { kind: 'compare'; property: string; propertyKind: PropertyKind; operator: ComparisonOperator; value: FilterLiteral }
  | { kind: 'startswith'; property: string; propertyKind: PropertyKind; prefix: string }
  /** `or` (and `in`): holds when every condition of any one branch holds. */
  | { kind: 'any'; of: FilterCondition[][] };
export interface OrderByClause { property: string; propertyKind: PropertyKind | undefined; descending: boolean }

export interface ODataQuery {
  filter: FilterCondition[]; // all must hold (joined by 'and'; an 'or' is one 'any' condition); empty matches every item
  select: string[] | null; // canonical spelling; null means whole items
  orderBy: OrderByClause[];
  top: number;
  count: boolean;
  offset: number; // where this page starts in the filtered, ordered collection (from $skiptoken)
  fingerprint: string; // digest of filter and order: binds a skip token to the result set it counts in
}
export interface ODataError { error: { code: 'badRequest'; message: string } }
export interface ODataPage<T> { page: Record<string, unknown>[] | T[]; count?: number; nextSkipToken?: string }

export const isODataError = (value: ODataQuery | ODataError): value is ODataError => 'error' in value;

// Helpers throw; parseODataQuery turns the throw into the plain ODataError value callers get.
class BadRequest extends Error {}
function fail(message: string): never { throw new BadRequest(message); }

const SUPPORTED = new Set(['filter', 'select', 'top', 'orderby', 'count', 'skiptoken']);
const REFUSED = new Set(['expand', 'search', 'skip', 'format', 'apply', 'compute', 'levels', 'deltatoken']);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/i;

export function parseODataQuery(query: RawQuery, options: ODataOptions): ODataQuery | ODataError {
  try {
    const raw = collectOptions(query);
    const filter = parseFilter(raw.get('filter'), options);
    const orderBy = parseOrderBy(raw.get('orderby'), options);
    const fingerprint = createHash('sha256').update(JSON.stringify({ filter, orderBy })).digest('base64url').slice(0, 16);
    return {
      filter,
      select: parseSelect(raw.get('select'), options),
      orderBy,
      top: parseTop(raw.get('top'), options.defaultTop ?? 100, options.maxTop ?? 300),
      count: parseCount(raw.get('count')),
      offset: decodeSkipToken(raw.get('skiptoken'), fingerprint),
      fingerprint,
    };
  } catch (error) {
    if (error instanceof BadRequest) return { error: { code: 'badRequest', message: error.message } };
    throw error;
  }
}

/** Option values by canonical name ('filter' for $filter, $FILTER or filter, as Graph accepts all three). */
function collectOptions(query: RawQuery): Map<string, string> {
  const options = new Map<string, string>();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const option = name.replace(/^\$/, '').toLowerCase();
    if (!SUPPORTED.has(option) && !REFUSED.has(option)) {
      // Other plain parameters belong to the route; an unknown $-option is a client mistake.
      if (name.startsWith('$')) fail(`Unrecognized query argument specified: '${name}'.`);
      continue;
    }
    if (Array.isArray(value) || options.has(option)) {
      fail(`Query option '$${option}' was specified more than once, but it must be specified at most once.`);
    }
    if (REFUSED.has(option)) fail(`The query option '${name}' is not supported on this resource.`);
    options.set(option, value);
  }
  return options;
}

// Graph resolves property names case-insensitively; the canonical spelling is the one configured.
const resolveName = (name: string, names: string[]): string | undefined =>
  names.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
const isKnownProperty = (name: string, options: ODataOptions): boolean =>
  resolveName(name, [...Object.keys(options.filterable), ...options.selectable, ...options.orderable]) !== undefined;
const unknownProperty = (name: string, options: ODataOptions): never =>
  fail(`Could not find a property named '${name}' on type '${options.entityType ?? 'microsoft.graph.entity'}'.`);

function parseTop(raw: string | undefined, defaultTop: number, maxTop: number): number {
  if (raw === undefined) return defaultTop;
  const top = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(top >= 1 && top <= maxTop)) fail(`The $top value must be between 1 and ${maxTop}. Found '${raw}'.`);
  return top;
}

function parseCount(raw: string | undefined): boolean {
  if (raw === undefined) return false;
  const value = raw.trim().toLowerCase();
  if (value !== 'true' && value !== 'false') fail(`Invalid value '${raw}' for $count: expected 'true' or 'false'.`);
  return value === 'true';
}

function parseSelect(raw: string | undefined, options: ODataOptions): string[] | null {
  if (raw === undefined) return null;
  const select: string[] = [];
  for (const part of raw.split(',')) {
    const name = part.trim();
    if (name === '') fail(`Invalid $select '${raw}': expected property names separated by commas.`);
    const property = resolveName(name, options.selectable) ?? unknownProperty(name, options);
    if (!select.includes(property)) select.push(property);
  }
  return select;
}

function parseOrderBy(raw: string | undefined, options: ODataOptions): OrderByClause[] {
  if (raw === undefined) return [];
  const clauses: OrderByClause[] = [];
  for (const part of raw.split(',')) {
    const [name, direction, extra] = part.trim().split(/\s+/);
    if (!name || extra !== undefined) fail(`Invalid $orderby '${raw}': expected 'property [asc|desc]' clauses separated by commas.`);
    const descending = direction?.toLowerCase() === 'desc';
    if (direction !== undefined && !descending && direction.toLowerCase() !== 'asc') {
      fail(`Invalid $orderby '${raw}': unknown direction '${direction}', expected 'asc' or 'desc'.`);
    }
    const property = resolveName(name, options.orderable)
      ?? (isKnownProperty(name, options) ? fail(`Ordering by property '${name}' is not supported.`) : unknownProperty(name, options));
    if (clauses.some((clause) => clause.property === property)) fail(`Duplicate property named '${name}' is not supported in $orderby.`);
    clauses.push({ property, propertyKind: options.filterable[property], descending });
  }
  return clauses;
}

interface Token { kind: '(' | ')' | ',' | 'string' | 'word'; text: string; value: string }

function tokenize(filter: string): Token[] {
  // Whitespace | punctuation | 'quoted string' with '' as an escaped quote | any other run (names, GUIDs, date-times).
  const pattern = /\s+|([(),])|'((?:[^']|'')*)'|([^\s(),']+)/y;
  const tokens: Token[] = [];
  while (pattern.lastIndex < filter.length) {
    const at = pattern.lastIndex;
    const match = pattern.exec(filter) ?? fail(`Invalid filter clause: unterminated string literal at ${filter.slice(at)}.`);
    const [text, punctuation, quoted, word] = match;
    if (punctuation !== undefined) tokens.push({ kind: punctuation as Token['kind'], text, value: text });
    else if (quoted !== undefined) tokens.push({ kind: 'string', text, value: quoted.replaceAll("''", "'") });
    else if (word !== undefined) tokens.push({ kind: 'word', text, value: word });
  }
  return tokens;
}

const MAX_FILTER_DEPTH = 32;

function parseFilter(raw: string | undefined, options: ODataOptions): FilterCondition[] {
  if (raw === undefined) return [];
  const tokens = tokenize(raw);
  if (tokens.length === 0) fail(`Invalid filter clause: the filter '${raw}' is empty.`);
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const next = (): Token => tokens[position++] ?? fail(`Invalid filter clause: '${raw}' ends unexpectedly.`);
  const isWord = (token: Token | undefined, word: string) => token?.kind === 'word' && token.value.toLowerCase() === word;
  const expect = (kind: Token['kind']): void => {
    const token = next();
    if (token.kind !== kind) fail(`Invalid filter clause: expected '${kind}' but found '${token.text}' in '${raw}'.`);
  };
  const filterable = (token: Token): [string, PropertyKind] => {
    if (token.kind !== 'word') fail(`Invalid filter clause: expected a property name but found '${token.text}'.`);
    const property = resolveName(token.value, Object.keys(options.filterable));
    if (property !== undefined) return [property, options.filterable[property]!];
    if (isKnownProperty(token.value, options)) fail(`Invalid filter clause: filtering on property '${token.value}' is not supported.`);
    return unknownProperty(token.value, options);
  };

  // 'and' binds tighter than 'or', as in OData.
  const disjunction = (): FilterCondition[] => {
    const branches = [conjunction()];
    while (isWord(peek(), 'or')) {
      position++;
      branches.push(conjunction());
    }
    return branches.length === 1 ? branches[0]! : [{ kind: 'any', of: branches }];
  };
  const conjunction = (): FilterCondition[] => {
    const conditions = term();
    while (isWord(peek(), 'and')) {
      position++;
      conditions.push(...term());
    }
    return conditions;
  };
  // Parentheses nest by recursion: bounded, so that a filter of thousands of '(' is a 400, not a stack overflow.
  let depth = 0;
  const term = (): FilterCondition[] => {
    const token = next();
    if (token.kind === '(') {
      if (++depth > MAX_FILTER_DEPTH) fail(`Invalid filter clause: parentheses nest more than ${MAX_FILTER_DEPTH} deep.`);
      const inner = disjunction();
      expect(')');
      depth--;
      return inner;
    }
    if (isWord(token, 'not')) fail(`Invalid filter clause: the 'not' operator is not supported in '${raw}'.`);
    if (token.kind === 'word' && peek()?.kind === '(') return [startsWith(token)];
    return [comparison(token)];
  };
  const startsWith = (name: Token): FilterCondition => {
    if (name.value.toLowerCase() !== 'startswith') fail(`Invalid filter clause: the function '${name.value}' is not supported; only startswith is.`);
    expect('(');
    const [property, propertyKind] = filterable(next());
    if (propertyKind !== 'string') fail(`Invalid filter clause: startswith needs a string property, and '${property}' is a ${propertyKind}.`);
    expect(',');
    const prefix = next();
    if (prefix.kind !== 'string') fail(`Invalid filter clause: startswith needs a quoted string prefix, found '${prefix.text}'.`);
    expect(')');
    return { kind: 'startswith', property, propertyKind, prefix: prefix.value };
  };
  const comparison = (name: Token): FilterCondition => {
    const [property, propertyKind] = filterable(name);
    const operatorToken = next();
    if (isWord(operatorToken, 'in')) return membership(property, propertyKind);
    const operator = operatorToken.value.toLowerCase() as ComparisonOperator;
    if (operatorToken.kind !== 'word' || !['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(operator)) {
      fail(`Invalid filter clause: unknown operator '${operatorToken.text}' after '${name.text}'.`);
    }
    const ordering = operator !== 'eq' && operator !== 'ne';
    if (ordering && propertyKind !== 'dateTime') fail(`Invalid filter clause: operator '${operator}' is not supported on '${property}'; use 'eq' or 'ne'.`);
    const value = literal(next(), property, propertyKind);
    if (ordering && value === null) fail(`Invalid filter clause: operator '${operator}' cannot compare '${property}' with null.`);
    return { kind: 'compare', property, propertyKind, operator, value };
  };

  /** `property in ('a', 'b')`: any of the equalities. */
  const membership = (property: string, propertyKind: PropertyKind): FilterCondition => {
    expect('(');
    const values: FilterLiteral[] = [literal(next(), property, propertyKind)];
    while (peek()?.kind === ',') {
      position++;
      values.push(literal(next(), property, propertyKind));
    }
    expect(')');
    return { kind: 'any', of: values.map((value) => [{ kind: 'compare', property, propertyKind, operator: 'eq', value }]) };
  };

  const conditions = disjunction();
  if (position < tokens.length) fail(`Invalid filter clause: unexpected '${tokens[position]!.text}' in '${raw}'.`);
  return conditions;
}

const LITERAL_DESCRIPTION: Record<PropertyKind, string> = { string: 'a quoted string', enum: 'a quoted enumeration member',
  guid: 'a GUID', dateTime: 'an unquoted ISO 8601 date-time', boolean: 'true or false' };

function literal(token: Token, property: string, kind: PropertyKind): FilterLiteral {
  if (token.kind === 'word' && token.value.toLowerCase() === 'null') return null;
  const word = token.kind === 'word' ? token.value : undefined;
  if ((kind === 'string' || kind === 'enum') && token.kind === 'string') return token.value;
  // Graph takes GUIDs bare or quoted, and date-times only bare: it refuses '2026-01-01T00:00:00Z'.
  if (kind === 'guid' && (token.kind === 'string' || token.kind === 'word') && GUID.test(token.value)) return token.value;
  if (kind === 'dateTime' && word !== undefined && isDateTime(word)) return word;
  if (kind === 'boolean' && word !== undefined && /^(true|false)$/i.test(word)) return word.toLowerCase() === 'true';
  return fail(`Invalid filter clause: '${token.text}' is not a valid literal for '${property}', which expects ${LITERAL_DESCRIPTION[kind]}.`);
}

function isDateTime(text: string): boolean {
  const match = ISO_DATE_TIME.exec(text);
  if (!match || Number.isNaN(Date.parse(text))) return false;
  // Date.parse rolls 2026-02-30 over to March; Graph refuses it.
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))).getUTCDate() === Number(match[3]);
}

/** Default ValueOf: walks '/'-separated segments through nested objects. */
export function valueAtPath(item: unknown, path: string): unknown {
  let value = item;
  for (const segment of path.split('/')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

type Comparable = string | number | boolean | null;

// Graph compares directory strings and GUIDs case-insensitively; enumeration members exactly.
function comparable(kind: PropertyKind | undefined, raw: unknown): Comparable {
  if (raw === null || raw === undefined) return null;
  if (raw instanceof Date) return raw.getTime();
  switch (kind) {
    case 'dateTime': {
      const time = typeof raw === 'number' ? raw : Date.parse(String(raw));
      return Number.isNaN(time) ? null : time;
    }
    case 'boolean': return typeof raw === 'boolean' ? raw : String(raw).toLowerCase() === 'true';
    case 'enum': return String(raw);
    default: return typeof raw === 'number' || typeof raw === 'boolean' ? raw : String(raw).toLowerCase();
  }
}

// OData sorts null below every value, so nulls come first ascending and last descending.
function compareValues(a: Comparable, b: Comparable): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a !== typeof b) return typeof a < typeof b ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The query's $filter as a predicate, for callers that filter elsewhere (a store scan, a stream). */
export function filterPredicate<T>(query: ODataQuery, valueOf: ValueOf<T> = valueAtPath): (item: T) => boolean {
  return allOf(query.filter, valueOf);
}

function allOf<T>(conditions: FilterCondition[], valueOf: ValueOf<T>): (item: T) => boolean {
  const tests = conditions.map((condition): ((item: T) => boolean) => {
    if (condition.kind === 'any') {
      const branches = condition.of.map((branch) => allOf(branch, valueOf));
      return (item) => branches.some((branch) => branch(item));
    }
    if (condition.kind === 'startswith') {
      const prefix = condition.prefix.toLowerCase();
      return (item) => {
        const value = comparable(condition.propertyKind, valueOf(item, condition.property));
        return typeof value === 'string' && value.startsWith(prefix);
      };
    }
    const expected = comparable(condition.propertyKind, condition.value);
    return (item) => {
      const actual = comparable(condition.propertyKind, valueOf(item, condition.property));
      if (condition.operator === 'eq') return actual === expected;
      if (condition.operator === 'ne') return actual !== expected;
      if (actual === null || expected === null) return false;
      const order = compareValues(actual, expected);
      return { gt: order > 0, ge: order >= 0, lt: order < 0, le: order <= 0 }[condition.operator];
    };
  });
  return (item) => tests.every((test) => test(item));
}

/** Filters, orders, counts (before paging), pages and projects one page of `items`. */
export function applyODataQuery<T extends object>(items: readonly T[], query: ODataQuery, valueOf: ValueOf<T> = valueAtPath): ODataPage<T> {
  let matches = query.filter.length === 0 ? items : items.filter(filterPredicate(query, valueOf));
  // Without $orderby the caller's order stands; it must be stable across requests for tokens to page correctly.
  if (query.orderBy.length > 0) {
    const keyed = matches.map((item, index) => ({
      item, index,
      keys: query.orderBy.map((clause) => comparable(clause.propertyKind, valueOf(item, clause.property))),
      id: comparable(undefined, (item as Record<string, unknown>).id),
    }));
    keyed.sort((a, b) => {
      for (const [i, clause] of query.orderBy.entries()) {
        const order = compareValues(a.keys[i] ?? null, b.keys[i] ?? null);
        if (order !== 0) return clause.descending ? -order : order;
      }
      return compareValues(a.id, b.id) || a.index - b.index; // ties: by id, then as given
    });
    matches = keyed.map((entry) => entry.item);
  }
  const end = query.offset + query.top;
  const slice = matches.slice(query.offset, end);
  const select = query.select;
  const result: ODataPage<T> = { page: select ? slice.map((item) => project(item, select)) : slice };
  if (query.count) result.count = matches.length;
  if (end < matches.length) result.nextSkipToken = encodeSkipToken(end, query.fingerprint);
  return result;
}

/** `$select` applied to entities already rendered (when filtering and paging ran over another shape). */
export function selectProperties(items: Record<string, unknown>[], select: string[] | null): Record<string, unknown>[] {
  return select ? items.map((item) => project(item, select)) : items;
}

/**
 * The value a `$filter` requires `property` to equal (a top-level `eq` on it, joined by `and`), so a
 * caller can narrow what it reads before the filter runs; undefined when there is none.
 */
export function equalityValue(query: ODataQuery, property: string): string | undefined {
  const condition = query.filter.find((c) => c.kind === 'compare' && c.operator === 'eq' && c.property === property && typeof c.value === 'string');
  return condition?.kind === 'compare' ? (condition.value as string) : undefined;
}

function project(item: object, select: string[]): Record<string, unknown> {
  const source = item as Record<string, unknown>;
  const projected: Record<string, unknown> = {};
  // The type, etag and id identify the entity for later requests, so Graph returns them whatever $select says.
  for (const key of ['@odata.type', '@odata.etag', 'id']) if (Object.hasOwn(source, key)) projected[key] = source[key];
  for (const key of select) projected[key] = source[key] ?? null; // Graph shows unset selected properties as null
  return projected;
}

// Token: base64url JSON of the offset, the fingerprint, and a check over both. The check is not a
// secret (this is a stand-in); it only makes an edited token fail loudly instead of paging oddly.
const tokenCheck = (offset: number, fingerprint: string): string =>
  createHash('sha256').update(`${offset}:${fingerprint}`).digest('base64url').slice(0, 8);
function encodeSkipToken(offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fingerprint, c: tokenCheck(offset, fingerprint) })).toString('base64url');
}

function decodeSkipToken(token: string | undefined, fingerprint: string): number {
  if (token === undefined) return 0;
  let decoded: unknown = null;
  try {
    if (/^[\w-]+$/.test(token)) decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch { /* not JSON: refused below */ }
  const { o: offset, f: issuedFor, c: check } = (typeof decoded === 'object' && decoded !== null ? decoded : {}) as Record<string, unknown>;
  if (!Number.isSafeInteger(offset) || (offset as number) < 0 || typeof issuedFor !== 'string'
    || check !== tokenCheck(offset as number, issuedFor)) {
    fail(`The $skiptoken '${token}' is not valid.`);
  }
  if (issuedFor !== fingerprint) fail(`The $skiptoken '${token}' was issued for a different $filter or $orderby.`);
  return offset as number;
}

/** The @odata.nextLink: baseUrl (any query string dropped) with the request's options and the new $skiptoken. */
export function nextLink(baseUrl: string, rawQuery: RawQuery, token: string): string {
  const encodeName = (name: string) => encodeURIComponent(name).replace(/^%24/, '$'); // keep '$top', as Graph does
  const parts: string[] = [];
  for (const [name, value] of Object.entries(rawQuery)) {
    if (value === undefined || name.replace(/^\$/, '').toLowerCase() === 'skiptoken') continue;
    for (const one of Array.isArray(value) ? value : [value]) parts.push(`${encodeName(name)}=${encodeURIComponent(one)}`);
  }
  parts.push(`$skiptoken=${encodeURIComponent(token)}`);
  return `${baseUrl.replace(/[?#].*$/s, '')}?${parts.join('&')}`;
}
