/**
 * The audit trail's record of one call: who (partner, principal), on what (customer), through which
 * surface and operation, and what came of it (status, outcome, the catalog code and the reasons).
 */
export const AUDIT_SURFACES = ['partner-center', 'identity', 'graph', 'emulator'] as const;
export type AuditSurface = (typeof AUDIT_SURFACES)[number];

/** allowed: 2xx/3xx; denied: 401/403 (who you are or what you may do); refused: other 4xx; failed: 5xx. */
export const AUDIT_OUTCOMES = ['allowed', 'denied', 'refused', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** Who asked what and what came of it: many calls share one (a load test repeats a few thousand). */
export interface AuditSubject {
  surface: AuditSurface;
  /** What was asked, e.g. `GET organization`, `token client_credentials`, `POST /v1.0/…/delegatedAdminRelationships`. */
  operation: string;
  status: number;
  outcome: AuditOutcome;
  /** The catalog code of a refusal (Partner Center's error name, Entra's `error` with AADSTS, Graph's `code`). */
  code: string | null;
  partnerTenantId: string | null;
  /** Object id of a user, client id of an app; as given when the sign-in failed. */
  principalId: string | null;
  principalName: string | null;
  principalKind: 'user' | 'app' | null;
  customerTenantId: string | null;
  /** The checks that failed (or every check made, for a denial), or the error's message. */
  reasons: string[];
}

/** One call: when, its subject, and its ids. */
export interface AuditEvent {
  /** The server clock's epoch ms. */
  at: number;
  subject: AuditSubject;
  requestId: string;
  correlationId: string | null;
}

/** A stored event as read back, flat: its place in the trail (ids grow with insertion, whatever the clock did). */
export interface StoredAuditEvent extends AuditSubject {
  id: number;
  at: number;
  requestId: string;
  correlationId: string | null;
}

/** What identifies a subject: every field, in one string (caches key on it; stores on its hash). */
export function auditSubjectText(subject: Omit<AuditSubject, 'outcome'>): string {
  // The outcome follows from the status, so it is not part of the text.
  return `${subject.surface}\u001f${subject.operation}\u001f${subject.status}\u001f${subject.code}\u001f${subject.partnerTenantId}\u001f${subject.principalId}\u001f${subject.principalName}\u001f${subject.principalKind}\u001f${subject.customerTenantId}\u001f${subject.reasons.length === 0 ? '' : subject.reasons.join('\u001e')}`;
}

export interface AuditQuery {
  partnerTenantId?: string;
  customerTenantId?: string;
  /** A user's object id or UPN, an app's client id or name. */
  principal?: string;
  outcome?: AuditOutcome;
  surface?: AuditSurface;
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  /** MS-RequestId or MS-CorrelationId. */
  requestId?: string;
  /** Events older than this id (paging back through the trail). */
  beforeId?: number;
  /** Events newer than this id (following the trail live), oldest first. */
  afterId?: number;
  limit: number;
}

export function auditOutcome(status: number): AuditOutcome {
  if (status >= 500) return 'failed';
  if (status === 401 || status === 403) return 'denied';
  if (status >= 400) return 'refused';
  return 'allowed';
}
