/**
 * The console's calls to pcapi: the emulator endpoints (/_pcapi/…) and the console's own API
 * (/_pcapi/console/api/…), with the admin key when the server asks for one. Errors come back in
 * Graph's body shape; their message is what the console shows.
 */
export const PREFIX = '/_pcapi';
const KEY_STORAGE = 'pcapi-admin-key';

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly code?: string) {
    super(message);
  }
}

export const adminKey = {
  get: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string) => sessionStorage.setItem(KEY_STORAGE, key),
  clear: () => sessionStorage.removeItem(KEY_STORAGE),
};

/** The admin key's header when this tab has one (a server started with --emulator-key asks for it). */
export function keyHeaders(): Record<string, string> {
  const key = adminKey.get();
  return key ? { 'x-pcapi-admin-key': key } : {};
}

export async function call<T>(path: string, init: { method?: string; body?: unknown; raw?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...keyHeaders() };
  let body: string | undefined;
  if (init.raw !== undefined) body = init.raw;
  else if (init.body !== undefined) body = JSON.stringify(init.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${PREFIX}${path}`, { method: init.method ?? 'GET', headers, body });
  const text = await response.text();
  const parsed: unknown = text ? safeJson(text) : undefined;
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(response.status, error?.message ?? `${response.status} ${response.statusText}`, error?.code);
  }
  return parsed as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const query = (values: Record<string, string | number | undefined | null>): string => {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
};

// ---- shapes the server answers (see the console API in docs/configuration.md) ----

export interface Role { id: string; name: string }
export interface PartnerSummary { tenantId: string; displayName: string; domain: string | null }
export interface Member { objectId: string; kind: 'user' | 'app'; name: string }
export interface Principal extends Member { displayName: string; clientId: string | null; groups: string[] }
export interface Group { groupId: string; displayName: string; agentRole: string | null; members: Member[] }
export interface Assignment { id: string; groupId: string; groupName: string; status: string; roles: Role[] }
export interface Relationship {
  id: string; displayName: string; customerTenantId: string; customerName: string; status: string; roles: Role[];
  createdDateTime: string | null; activatedDateTime: string | null; endDateTime: string | null; assignments: Assignment[];
}
export interface PartnerDetail extends PartnerSummary {
  principals: Principal[]; groups: Group[]; customers: number;
  /** A page of the relationships: `relationshipCount` in all, from `relationshipsFrom`. */
  relationships: Relationship[]; relationshipCount: number; relationshipsFrom: number; relationshipsNext: number | null;
}
export interface CustomerSummary { tenantId: string; displayName: string; partners: { tenantId: string; displayName: string; dapEnabled: boolean }[] }
export interface CustomerPage { value: CustomerSummary[]; next: string | null }
export interface CustomerDetail {
  tenantId: string; displayName: string;
  /** Exactly the organization endpoint's body: an array of one object. */
  organization: Record<string, unknown>[] | null;
  partners: { tenantId: string; displayName: string; dapEnabled: boolean; relationships: Relationship[] }[];
}
export interface Explanation {
  principal: { objectId: string; kind: 'user' | 'app'; name: string; partnerTenantId: string } | string;
  partner: string; customer: string; at: string; allowed: boolean; status: number;
  grantedUntil?: string; reason?: string; code?: number | string; checks: string[];
  links?: { relationships?: string[]; groups?: string[]; principal?: string };
}
export interface AuditEvent {
  id: number; at: string; surface: string; operation: string; status: number; outcome: string; code: string | null;
  partnerTenantId: string | null; principalId: string | null; principalName: string | null; principalKind: string | null;
  customerTenantId: string | null; reasons: string[]; requestId: string; correlationId: string | null;
}
export interface ClockView { now: string; offsetMs: number; frozen: boolean }
export interface FaultRule { id: string; route: string; status?: number; retryAfterSeconds?: number; delayMs?: number; count?: number; fraction?: number; remaining?: number }
