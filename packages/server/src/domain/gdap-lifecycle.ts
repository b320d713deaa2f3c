/**
 * GDAP relationship and access-assignment lifecycles, and the rules Graph applies to them. Pure: no I/O,
 * no clock reads (`now` is a parameter, epoch ms), so every process derives the same answer from the
 * same stored row, and moving an injected clock moves relationships along without background jobs.
 *
 * The store keeps a *base* status and the instant it was entered; the effective status at `now` is
 * derived from it (`approved` becomes `activating`, then `active`; `active` reaches its end and expires
 * or auto-extends, ...). Anything that changes a row must start from `materializeRelationship`, so the
 * change applies to the present and does not rewrite a past that callers may already have seen.
 */
import { ENTRA_ROLES } from '@pcapi/contracts';
import type { AssignmentStatus, RelationshipStatus } from './model.js';

export const GLOBAL_ADMINISTRATOR_ROLE_ID = ENTRA_ROLES['Global Administrator']!;
export const AUTO_EXTEND_DURATIONS = ['PT0S', 'P0D', 'P180D'] as const;
export type AutoExtendDuration = (typeof AUTO_EXTEND_DURATIONS)[number];

const DAY_MS = 86_400_000;
/** Graph: "a request never approved expires after 90 days". */
export const APPROVAL_PENDING_LIFETIME_MS = 90 * DAY_MS;
/** The one auto-extension Graph offers. */
export const AUTO_EXTEND_MS = 180 * DAY_MS;
/** The upper bound of `duration`: Graph says P2Y; pcapi counts it as 730 days (365-day years). */
export const MAX_DURATION_DAYS = 730;

/** How long each transient status lasts (ms). */
export interface TransitionDelays {
  approved: number;
  activating: number;
  expiring: number;
  terminationRequested: number;
  terminating: number;
  assignmentPending: number;
  assignmentDeleting: number;
}

/** The default: transient statuses last no time at all, so tests see the end state at once. */
export const IMMEDIATE_DELAYS: Readonly<TransitionDelays> = {
  approved: 0, activating: 0, expiring: 0, terminationRequested: 0, terminating: 0,
  assignmentPending: 0, assignmentDeleting: 0,
};

/**
 * For users who want to watch the transient statuses. Microsoft publishes no figures except the
 * assignment one; the others are choices of the same order, long enough for a poller to see them.
 */
export const REALISTIC_DELAYS: Readonly<TransitionDelays> = {
  approved: 30_000, // choice
  activating: 60_000, // choice
  expiring: 60_000, // choice: Graph does not say how long `expiring` lasts after endDateTime
  terminationRequested: 30_000, // choice
  terminating: 60_000, // choice
  assignmentPending: 30_000, // Partner Center: refresh an assignment after about 30 seconds
  assignmentDeleting: 30_000, // choice, mirroring assignmentPending
};

/** What the store keeps per relationship. */
export interface StoredLifecycle {
  status: RelationshipStatus;
  /** When `status` was entered (epoch ms). */
  statusSince: number;
  createdAt: number;
  /** Null until active. */
  activatedAt: number | null;
  /** Null until active (or until an unapproved request expires). */
  endAt: number | null;
  /** ISO 8601, already checked by `checkRelationshipDuration`. */
  duration: string;
  autoExtendDuration: AutoExtendDuration;
  roleIds: readonly string[];
}

export interface EffectiveLifecycle {
  status: RelationshipStatus;
  statusSince: number;
  activatedAt: number | null;
  endAt: number | null;
  /** The next instant any of these fields changes (status, or endAt by auto-extension); null if never. */
  nextChangeAt: number | null;
}

type Phase = { status: RelationshipStatus; at: number };

/** The last phase begun by `now` (phases in time order; zero-length ones are skipped over). */
function walk(phases: Phase[], now: number): { phase: Phase; nextChangeAt: number | null } {
  let index = 0;
  while (index + 1 < phases.length && phases[index + 1]!.at <= now) index += 1;
  return { phase: phases[index]!, nextChangeAt: phases[index + 1]?.at ?? null };
}

const holdsGlobalAdministrator = (roleIds: readonly string[]) =>
  roleIds.some((id) => id.toLowerCase() === GLOBAL_ADMINISTRATOR_ROLE_ID);

function deriveActive(stored: StoredLifecycle, activeSince: number, activatedAt: number, endAt: number,
  now: number, delays: TransitionDelays): EffectiveLifecycle {
  if (now < endAt) return { status: 'active', statusSince: activeSince, activatedAt, endAt, nextChangeAt: endAt };
  if (stored.autoExtendDuration === 'P180D' && !holdsGlobalAdministrator(stored.roleIds)) {
    // Extended as many times as needed so that `now` falls before the end: no job has to run at each end.
    const extendedEnd = endAt + (Math.floor((now - endAt) / AUTO_EXTEND_MS) + 1) * AUTO_EXTEND_MS;
    return { status: 'active', statusSince: activeSince, activatedAt, endAt: extendedEnd, nextChangeAt: extendedEnd };
  }
  const { phase, nextChangeAt } = walk(
    [{ status: 'expiring', at: endAt }, { status: 'expired', at: endAt + delays.expiring }], now);
  return { status: phase.status, statusSince: phase.at, activatedAt, endAt, nextChangeAt };
}

/** The relationship's state at `now`. */
export function effectiveRelationship(stored: StoredLifecycle, now: number, delays: TransitionDelays): EffectiveLifecycle {
  const { status, statusSince: since, activatedAt, endAt } = stored;
  const fromPhases = (phases: Phase[]): EffectiveLifecycle => {
    const { phase, nextChangeAt } = walk(phases, now);
    return { status: phase.status, statusSince: phase.at, activatedAt, endAt, nextChangeAt };
  };
  const activateAt = (activeAt: number, before: Phase[]): EffectiveLifecycle => {
    if (now < activeAt) return fromPhases(before.concat({ status: 'active', at: activeAt }));
    return deriveActive(stored, activeAt, activeAt, addIsoDuration(activeAt, stored.duration), now, delays);
  };
  switch (status) {
    case 'approvalPending': {
      const expiresAt = since + APPROVAL_PENDING_LIFETIME_MS;
      if (now < expiresAt) return { status, statusSince: since, activatedAt, endAt, nextChangeAt: expiresAt };
      return { status: 'expired', statusSince: expiresAt, activatedAt: null, endAt: expiresAt, nextChangeAt: null };
    }
    case 'approved':
      return activateAt(since + delays.approved + delays.activating,
        [{ status, at: since }, { status: 'activating', at: since + delays.approved }]);
    case 'activating':
      return activateAt(since + delays.activating, [{ status, at: since }]);
    case 'active': {
      // A well-formed active row has both instants; derive them rather than fail if one is missing.
      const activated = activatedAt ?? since;
      return deriveActive(stored, since, activated, endAt ?? addIsoDuration(activated, stored.duration), now, delays);
    }
    case 'expiring':
      return fromPhases([{ status, at: since }, { status: 'expired', at: since + delays.expiring }]);
    case 'terminationRequested':
      // Termination wins over the end date: a relationship being terminated no longer expires or extends.
      return fromPhases([{ status, at: since }, { status: 'terminating', at: since + delays.terminationRequested },
        { status: 'terminated', at: since + delays.terminationRequested + delays.terminating }]);
    case 'terminating':
      return fromPhases([{ status, at: since }, { status: 'terminated', at: since + delays.terminating }]);
    default: // created, expired, terminated: nothing moves them but an action
      return fromPhases([{ status, at: since }]);
  }
}

/** The stored row rewritten as its effective state at `now`: the base every change must start from. */
export function materializeRelationship(stored: StoredLifecycle, now: number, delays: TransitionDelays): StoredLifecycle {
  const { status, statusSince, activatedAt, endAt } = effectiveRelationship(stored, now, delays);
  return { ...stored, status, statusSince, activatedAt, endAt };
}

/**
 * An assignment's own state at `now`. It grants its roles only while it is `active` *and* its
 * relationship is effectively `active`; combining the two is the caller's job.
 */
export function effectiveAssignment(stored: { status: AssignmentStatus; statusSince: number }, now: number,
  delays: TransitionDelays): { status: AssignmentStatus; statusSince: number; nextChangeAt: number | null } {
  const next: Partial<Record<AssignmentStatus, [AssignmentStatus, number]>> = {
    pending: ['active', delays.assignmentPending],
    deleting: ['deleted', delays.assignmentDeleting],
  };
  const transition = next[stored.status];
  if (!transition) return { ...stored, nextChangeAt: null };
  const at = stored.statusSince + transition[1];
  return now < at ? { ...stored, nextChangeAt: at } : { status: transition[0], statusSince: at, nextChangeAt: null };
}

// ---- durations ----

export interface IsoDuration { years: number; months: number; weeks: number; days: number; hours: number; minutes: number; seconds: number }

const DURATION_PATTERN = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** A non-negative ISO 8601 duration (`P1Y2M3W4DT5H6M7.5S`, any subset, fractions only on seconds), or undefined. */
export function parseIsoDuration(text: string): IsoDuration | undefined {
  const match = DURATION_PATTERN.exec(text);
  // `P` alone and a `T` with nothing after it match the pattern but are not durations.
  if (!match || text === 'P' || text.endsWith('T')) return undefined;
  const [years, months, weeks, days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  const parsed = { years: years!, months: months!, weeks: weeks!, days: days!, hours: hours!, minutes: minutes!, seconds: seconds! };
  return Object.values(parsed).every(Number.isFinite) ? parsed : undefined;
}

/**
 * `start` plus `duration` in UTC: years and months move the calendar date (P1Y from 2027-03-01 lands on
 * 2028-03-01, 366 days later), clamped to the month's last day as .NET's AddMonths does (P1M from
 * 31 January is 28 or 29 February); weeks, days and times add fixed lengths.
 */
export function addIsoDuration(start: number, duration: string): number {
  const parsed = parseIsoDuration(duration);
  if (!parsed) throw new RangeError(`Stored duration '${duration}' is not an ISO 8601 duration`);
  const date = new Date(start);
  const targetMonth = date.getUTCMonth() + parsed.months + parsed.years * 12;
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), targetMonth + 1, 0)).getUTCDate();
  date.setUTCDate(1);
  date.setUTCMonth(targetMonth);
  date.setUTCDate(Math.min(new Date(start).getUTCDate(), lastDay));
  const fixedSeconds = ((parsed.weeks * 7 + parsed.days) * 24 + parsed.hours) * 3600 + parsed.minutes * 60 + parsed.seconds;
  return date.getTime() + Math.round(fixedSeconds * 1000);
}

// ---- rules ----

export type GraphErrorCode = 'badRequest' | 'conflict' | 'PreconditionFailed';
export type RuleResult = { ok: true } | { ok: false; code: GraphErrorCode; message: string };
const OK: RuleResult = { ok: true };
const refuse = (message: string, code: GraphErrorCode = 'badRequest'): RuleResult => ({ ok: false, code, message });

/**
 * P1D ≤ duration ≤ P2Y. Only whole days count: time parts are accepted when they add up to whole days
 * (PT24H is one day, PT36H is refused). For the bound a year is 365 days and a month a twelfth of that,
 * so P2Y, P24M and P730D are the longest accepted, P731D and P2Y1D are refused.
 */
export function checkRelationshipDuration(text: string): RuleResult {
  const parsed = parseIsoDuration(text);
  if (!parsed) return refuse(`The duration '${text}' is not an ISO 8601 duration such as P730D.`);
  const timeSeconds = parsed.hours * 3600 + parsed.minutes * 60 + parsed.seconds;
  if (timeSeconds % 86_400 !== 0) {
    return refuse(`The duration '${text}' must be a whole number of days; time parts are allowed only in multiples of 24 hours.`);
  }
  // In twelfths of a day, so months (365/12 days) stay exact integers.
  const twelfths = (parsed.years * 12 + parsed.months) * 365 + (parsed.weeks * 7 + parsed.days + timeSeconds / 86_400) * 12;
  if (twelfths < 12) return refuse(`The duration '${text}' is shorter than the minimum of P1D.`);
  if (twelfths > MAX_DURATION_DAYS * 12) {
    return refuse(`The duration '${text}' is longer than the maximum of P2Y (${MAX_DURATION_DAYS} days).`);
  }
  return OK;
}

export function checkAutoExtend(autoExtendDuration: string, roleIds: readonly string[]): RuleResult {
  if (!(AUTO_EXTEND_DURATIONS as readonly string[]).includes(autoExtendDuration)) {
    return refuse(`The autoExtendDuration '${autoExtendDuration}' is not allowed; use ${AUTO_EXTEND_DURATIONS.join(', ')}.`);
  }
  if (autoExtendDuration === 'P180D' && holdsGlobalAdministrator(roleIds)) {
    return refuse(`The autoExtendDuration 'P180D' is not allowed for a relationship that includes the Global Administrator role (${GLOBAL_ADMINISTRATOR_ROLE_ID}); use PT0S.`);
  }
  return OK;
}

const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Any well-formed GUID is accepted: Microsoft's built-in role list is long and pcapi does not keep it all. */
export function checkRoleIds(roleIds: readonly string[]): RuleResult {
  if (roleIds.length === 0) return refuse('accessDetails.unifiedRoles must contain at least one role.');
  const malformed = roleIds.filter((id) => !GUID_PATTERN.test(id));
  if (malformed.length > 0) {
    return refuse(`accessDetails.unifiedRoles: roleDefinitionId ${malformed.map((id) => `'${id}'`).join(', ')} is not a GUID.`);
  }
  const lowered = roleIds.map((id) => id.toLowerCase());
  const repeated = [...new Set(lowered.filter((id, index) => lowered.indexOf(id) !== index))];
  if (repeated.length > 0) {
    return refuse(`accessDetails.unifiedRoles: roleDefinitionId ${repeated.join(', ')} is listed more than once.`);
  }
  return OK;
}

export function checkAssignmentRoles(assignmentRoleIds: readonly string[], relationshipRoleIds: readonly string[]): RuleResult {
  if (assignmentRoleIds.length === 0) return refuse('accessDetails.unifiedRoles must contain at least one role.');
  const granted = new Set(relationshipRoleIds.map((id) => id.toLowerCase()));
  const outside = assignmentRoleIds.filter((id) => !granted.has(id.toLowerCase()));
  if (outside.length > 0) {
    return refuse(`The roles ${outside.join(', ')} are not among the roles of the delegatedAdminRelationship; an access assignment can only use roles the relationship grants.`);
  }
  return OK;
}

/** 1 to 50 characters, counted in UTF-16 code units as .NET counts string length. Uniqueness is the store's. */
export function checkDisplayName(name: string): RuleResult {
  if (name.trim().length === 0) return refuse('The displayName must not be empty or only whitespace.');
  if (name.length > 50) return refuse(`The displayName '${name}' is ${name.length} characters long; at most 50 are allowed.`);
  return OK;
}

/** A relationship that has ended for good: nothing brings an expired or terminated one back. */
export function relationshipEnded(status: RelationshipStatus): boolean {
  return status === 'expired' || status === 'terminated';
}

export type RelationshipAction = 'lockForApproval' | 'approve' | 'terminate' | 'reject';

/**
 * Which effective status each action needs. `terminate` needs `active` only: a pending request cannot
 * be withdrawn (Partner Center offers none; it expires after 90 days, or the customer rejects it), and
 * the transient statuses would race the transition already under way.
 */
const ACTION_REQUIRES: Record<RelationshipAction, RelationshipStatus> = {
  lockForApproval: 'created', approve: 'approvalPending', reject: 'approvalPending', terminate: 'active',
};

/** Who takes each action: the partner locks a relationship for approval, its customer approves or rejects it, either ends it. */
const ACTION_TAKEN_BY: Record<RelationshipAction, 'partner' | 'customer' | 'either'> = {
  lockForApproval: 'partner', approve: 'customer', reject: 'customer', terminate: 'either',
};

export function relationshipActionTakenBy(action: RelationshipAction, side: 'partner' | 'customer'): boolean {
  const taker = ACTION_TAKEN_BY[action];
  return taker === 'either' || taker === side;
}

export function relationshipActionAllowed(action: RelationshipAction, effectiveStatus: RelationshipStatus): RuleResult {
  const required = ACTION_REQUIRES[action];
  if (effectiveStatus === required) return OK;
  return refuse(`The action '${action}' is not allowed on a delegatedAdminRelationship in status '${effectiveStatus}'; it requires status '${required}'.`);
}

const EDITABLE_WHILE_CREATED = new Set(['displayName', 'duration', 'customer', 'accessDetails', 'autoExtendDuration']);

/**
 * `changedFields`: the properties the PATCH body would change (a property sent with its current value
 * is not a change). While `active`, `accessDetails` may change only to remove Global Administrator.
 */
export function relationshipUpdateAllowed(effectiveStatus: RelationshipStatus, changedFields: readonly string[],
  roleChange?: { removesOnlyGlobalAdministrator: boolean }): RuleResult {
  if (effectiveStatus === 'created') {
    const refused = changedFields.filter((field) => !EDITABLE_WHILE_CREATED.has(field));
    if (refused.length === 0) return OK;
    return refuse(`The properties ${refused.join(', ')} cannot be updated; only ${[...EDITABLE_WHILE_CREATED].join(', ')} can, while the relationship is 'created'.`);
  }
  if (effectiveStatus === 'active') {
    const refused = changedFields.filter((field) => field !== 'autoExtendDuration'
      && !(field === 'accessDetails' && roleChange?.removesOnlyGlobalAdministrator === true));
    if (refused.length === 0) return OK;
    return refuse(`The properties ${refused.join(', ')} cannot be updated on an 'active' delegatedAdminRelationship; only autoExtendDuration can, and accessDetails only to remove the Global Administrator role.`);
  }
  return refuse(`A delegatedAdminRelationship in status '${effectiveStatus}' cannot be updated; updates are allowed only while 'created' (and, for autoExtendDuration or removing Global Administrator, while 'active').`);
}

/**
 * Roles leave a relationship only when no live access assignment of it holds them: an assignment's
 * roles are a subset of its relationship's, so removing one under it would leave an assignment that
 * grants what the relationship no longer does (and an export that cannot be imported back).
 */
export function roleRemovalAllowed(removedRoleIds: readonly string[], assignments: readonly { id: string; roleIds: readonly string[]; effectiveStatus: string }[]): RuleResult {
  const holding = assignments.filter((assignment) => assignment.effectiveStatus !== 'deleted' && assignment.roleIds.some((role) => removedRoleIds.includes(role)));
  if (holding.length === 0) return OK;
  return refuse(`The roles ${removedRoleIds.join(', ')} cannot be removed while the access assignments ${holding.map((a) => a.id).join(', ')} hold them; update or delete those assignments first.`);
}

export function relationshipDeleteAllowed(effectiveStatus: RelationshipStatus): RuleResult {
  if (effectiveStatus === 'created') return OK;
  return refuse(`A delegatedAdminRelationship in status '${effectiveStatus}' cannot be deleted; only a 'created' one can.`);
}

export function assignmentCreateAllowed(effectiveRelationshipStatus: RelationshipStatus): RuleResult {
  if (effectiveRelationshipStatus === 'active') return OK;
  return refuse(`Access assignments can be created only on an 'active' delegatedAdminRelationship; this one is '${effectiveRelationshipStatus}'.`);
}

/**
 * The new base after `action` at `now`, applied to the materialized state (an `approved` base that is
 * effectively `active` first gets its activatedAt/endAt, so a `terminate` keeps them). `reject` ends a
 * request at once as `terminated` (Graph has no `rejected` status; nothing was ever active to tear down).
 * Throws on an action `relationshipActionAllowed` refuses: callers check first and answer the refusal.
 */
export function applyAction(stored: StoredLifecycle, action: RelationshipAction, now: number, delays: TransitionDelays): StoredLifecycle {
  const current = materializeRelationship(stored, now, delays);
  const verdict = relationshipActionAllowed(action, current.status);
  if (!verdict.ok) throw new RangeError(verdict.message);
  const next: Record<RelationshipAction, RelationshipStatus> = {
    lockForApproval: 'approvalPending', approve: 'approved', terminate: 'terminationRequested', reject: 'terminated',
  };
  return { ...current, status: next[action], statusSince: now, ...(action === 'reject' ? { endAt: now } : {}) };
}
