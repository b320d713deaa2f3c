/**
 * Fault injection for test suites, after LocalStack's chaos API and WireMock's faults: a user registers
 * rules ("the next 3 token calls answer 429", "10% of Graph calls are 2 s slow") and the request hook asks
 * `take()` per call. Rules apply in creation order; the emulator's own `/_pcapi/` endpoints are never
 * faulted, so a suite can always list and clear what it set up.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../clock.js';

export const FAULT_STATUSES = [429, 500, 502, 503, 504] as const;
export type FaultStatus = (typeof FAULT_STATUSES)[number];
/** Statuses whose real counterparts carry Retry-After. */
const RETRY_AFTER_STATUSES: readonly number[] = [429, 503];
const DEFAULT_RETRY_AFTER_SECONDS = 1;
const MAX_RETRY_AFTER_SECONDS = 3600;
const MAX_DELAY_MS = 60_000;
/** Rules are held in memory and scanned per call, so their number is bounded. */
export const MAX_FAULT_RULES = 1000;

/** What a user POSTs. */
export interface FaultSpec {
  route?: string;
  /** 429, 500, 502, 503 or 504 (FaultStatus); a body from elsewhere is checked by parseFaultSpec. */
  status?: FaultStatus;
  retryAfterSeconds?: number;
  delayMs?: number;
  count?: number;
  fraction?: number;
}

/** A validated spec: `route` is `"*"` or `"[METHOD ]/path"` with METHOD upper-cased; 429/503 always carry retryAfterSeconds. */
export interface NormalizedFaultSpec {
  route: string;
  status?: FaultStatus;
  retryAfterSeconds?: number;
  delayMs?: number;
  count?: number;
  fraction?: number;
}

/** A registered rule, as the list endpoint shows it. */
export interface FaultRule {
  id: string;
  route: string;
  status?: FaultStatus;
  retryAfterSeconds?: number;
  delayMs?: number;
  /** Calls left before the rule is spent; only for count rules. */
  remaining?: number;
  fraction?: number;
  /** ISO 8601, from the injected clock. */
  createdAt: string;
  /** Calls the rule has been applied to. */
  matched: number;
}

/** What one call must suffer: wait `delayMs` (if any), then answer `status` (if any) or be served normally. */
export interface InjectedFault {
  ruleId: string;
  status?: FaultStatus;
  retryAfterSeconds?: number;
  delayMs?: number;
}

const KNOWN_FIELDS = new Set(['route', 'status', 'retryAfterSeconds', 'delayMs', 'count', 'fraction']);

/** Validates a POSTed body, reporting every problem at once so a user fixes their request in one go. */
export function parseFaultSpec(body: unknown): { spec: NormalizedFaultSpec } | { problems: string[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { problems: ['body must be a JSON object'] };
  const input = body as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(input)) if (!KNOWN_FIELDS.has(key)) problems.push(`unknown field "${key}"`);
  const present = (key: keyof FaultSpec) => input[key] !== undefined;
  const integerIn = (key: keyof FaultSpec, min: number, max: number): number | undefined => {
    const value = input[key];
    if (value === undefined) return undefined;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    problems.push(`${key} must be an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'any' : max} (got ${JSON.stringify(value)})`);
    return undefined;
  };

  const spec: NormalizedFaultSpec = { route: '*' };
  if (present('route')) {
    const compiled = typeof input.route === 'string' ? compileRoute(input.route) : 'route must be a string';
    if (typeof compiled === 'string') problems.push(compiled);
    else spec.route = compiled.normalized;
  }

  if (present('status')) {
    if ((FAULT_STATUSES as readonly unknown[]).includes(input.status)) spec.status = input.status as FaultStatus;
    else problems.push(`status must be one of ${FAULT_STATUSES.join(', ')} (got ${JSON.stringify(input.status)})`);
  }
  const retryAfter = integerIn('retryAfterSeconds', 0, MAX_RETRY_AFTER_SECONDS);
  if (present('retryAfterSeconds') && !(present('status') && RETRY_AFTER_STATUSES.includes(input.status as number))) {
    problems.push('retryAfterSeconds is allowed only with status 429 or 503');
  } else if (spec.status !== undefined && RETRY_AFTER_STATUSES.includes(spec.status)) {
    spec.retryAfterSeconds = retryAfter ?? DEFAULT_RETRY_AFTER_SECONDS;
  }

  const delayMs = integerIn('delayMs', 1, MAX_DELAY_MS);
  if (delayMs !== undefined) spec.delayMs = delayMs;
  if (!present('status') && !present('delayMs')) problems.push('at least one of status or delayMs is required');

  const count = integerIn('count', 1, Number.MAX_SAFE_INTEGER);
  if (count !== undefined) spec.count = count;
  if (present('fraction')) {
    const fraction = input.fraction;
    if (typeof fraction === 'number' && fraction > 0 && fraction <= 1) spec.fraction = fraction;
    else problems.push(`fraction must be a number greater than 0 and at most 1 (got ${JSON.stringify(fraction)})`);
  }
  if (present('count') && present('fraction')) problems.push('count and fraction cannot be combined');

  return problems.length > 0 ? { problems } : { spec };
}

interface RoutePattern {
  /** The route as shown back to users. */
  normalized: string;
  /** Upper-cased; undefined matches every method. */
  method?: string;
  /** Lower-cased path segments; `*` matches one segment. Undefined for the catch-all `"*"`. */
  segments?: string[];
  /** The pattern ended in `/**`: any rest, including nothing, matches. */
  anyRest: boolean;
}

/** Parses `"*"` or `"[METHOD ]/path"`; returns a problem message when the route is malformed. */
function compileRoute(route: string): RoutePattern | string {
  const trimmed = route.trim();
  if (trimmed === '*') return { normalized: '*', anyRest: true };
  const match = /^(?:([A-Za-z]+)\s+)?(\/\S*)$/.exec(trimmed);
  if (!match) return `route must be "*" or "[METHOD ]/path", e.g. "GET /v1/customers/*/organization" (got ${JSON.stringify(route)})`;
  const method = match[1]?.toUpperCase();
  const path = match[2]!;
  if (path.includes('?')) return `route must not contain a query string (got ${JSON.stringify(route)})`;
  const segments = path.slice(1).toLowerCase().split('/');
  const anyRest = segments.at(-1) === '**';
  if (anyRest) segments.pop();
  // Wildcards stand for whole segments only, so a half-wildcard like "cust*" is a mistake worth reporting.
  if (segments.some((segment) => segment.includes('*') && segment !== '*')) {
    return `route may use "*" only as a whole segment and "**" only as the final segment (got ${JSON.stringify(route)})`;
  }
  return { normalized: method ? `${method} ${path}` : path, ...(method ? { method } : {}), segments, anyRest };
}

function routeMatches(pattern: RoutePattern, method: string, pathSegments: string[]): boolean {
  if (pattern.method !== undefined && pattern.method !== method.toUpperCase()) return false;
  if (pattern.segments === undefined) return true;
  const wanted = pattern.segments;
  if (pattern.anyRest ? pathSegments.length < wanted.length : pathSegments.length !== wanted.length) return false;
  return wanted.every((segment, i) => (segment === '*' ? pathSegments[i] !== '' : segment === pathSegments[i]));
}

/** Lower-cased segments of a request path, query string dropped. */
function pathSegmentsOf(path: string): string[] {
  const withoutQuery = path.split('?', 1)[0]!;
  return withoutQuery.replace(/^\//, '').toLowerCase().split('/');
}

/** The emulator's own endpoints: never faulted, so a suite can always inspect and clear its faults. */
const isEmulatorPath = (segments: string[]) => segments[0] === '_pcapi';

interface StoredRule {
  rule: FaultRule;
  pattern: RoutePattern;
}

export class FaultInjector {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly newId: () => string;
  private rules: StoredRule[] = [];

  constructor(deps: { clock: Clock; random?: () => number; newId?: () => string }) {
    this.clock = deps.clock;
    this.random = deps.random ?? Math.random;
    this.newId = deps.newId ?? randomUUID;
  }

  /** Registers a rule after the existing ones. Throws when the route is malformed or MAX_FAULT_RULES are already held. */
  add(spec: NormalizedFaultSpec): FaultRule {
    if (this.rules.length >= MAX_FAULT_RULES) {
      throw new Error(`too many fault rules: at most ${MAX_FAULT_RULES} may be active; remove or clear some first`);
    }
    const pattern = compileRoute(spec.route);
    if (typeof pattern === 'string') throw new Error(pattern);
    const rule: FaultRule = { id: this.newId(), route: pattern.normalized, createdAt: new Date(this.clock.now()).toISOString(), matched: 0 };
    if (spec.status !== undefined) rule.status = spec.status;
    if (spec.retryAfterSeconds !== undefined) rule.retryAfterSeconds = spec.retryAfterSeconds;
    if (spec.delayMs !== undefined) rule.delayMs = spec.delayMs;
    if (spec.count !== undefined) rule.remaining = spec.count;
    if (spec.fraction !== undefined) rule.fraction = spec.fraction;
    this.rules.push({ rule, pattern });
    return { ...rule };
  }

  /** Whether any rule is set (the repeat-call lane declines every call while one is). */
  hasRules(): boolean {
    return this.rules.length > 0;
  }

  /** Active rules in creation order; copies, so callers cannot change them. */
  list(): FaultRule[] {
    return this.rules.map(({ rule }) => ({ ...rule }));
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter(({ rule }) => rule.id !== id);
    return this.rules.length < before;
  }

  /** Removes every rule; returns how many there were. */
  clear(): number {
    const removed = this.rules.length;
    this.rules = [];
    return removed;
  }

  /**
   * The fault for one call, if any. Rules are tried in creation order and the first that applies wins.
   * A fraction rule that does not fire this time lets later rules be tried, as if it did not match.
   */
  take(method: string, path: string): InjectedFault | undefined {
    const segments = pathSegmentsOf(path);
    if (isEmulatorPath(segments)) return undefined;
    for (const stored of this.rules) {
      const { rule, pattern } = stored;
      if (!routeMatches(pattern, method, segments)) continue;
      if (rule.fraction !== undefined && !(this.random() < rule.fraction)) continue;
      rule.matched += 1;
      if (rule.remaining !== undefined) {
        rule.remaining -= 1;
        if (rule.remaining <= 0) this.rules = this.rules.filter((other) => other !== stored);
      }
      const fault: InjectedFault = { ruleId: rule.id };
      if (rule.status !== undefined) fault.status = rule.status;
      if (rule.retryAfterSeconds !== undefined) fault.retryAfterSeconds = rule.retryAfterSeconds;
      if (rule.delayMs !== undefined) fault.delayMs = rule.delayMs;
      return fault;
    }
    return undefined;
  }
}

/**
 * Waits `ms` of real time. Deliberately not the injected Clock: a delay fault models a slow network, so
 * the caller's HTTP client must actually see the response late (its timeouts run on wall time).
 * Rejects with an AbortError when `signal` aborts, e.g. because the client went away.
 */
export async function waitFor(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  await sleep(ms, undefined, signal ? { signal } : undefined);
}
