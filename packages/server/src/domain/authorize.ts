/**
 * The authorization decision for "Get a customer organization": a pure function of the facts the
 * store returned, the settings and the clock. It never throws and never renders; the route turns a
 * denial into the catalog error, and `checks` into the error's `data`.
 */
import { ACCEPTED_GDAP_ROLES, AGENT_ROLES, roleDisplayName } from '@pcapi/contracts';
import type { AccessFacts, GdapRelationship, GroupMembership } from './model.js';

export interface AuthorizationSettings {
  /** Count membership through nested groups (agent groups and GDAP security groups). Default false. */
  nestedGroups: boolean;
  /** Let service principals (app-only callers) gain GDAP access through security groups. Default true. */
  servicePrincipalsInGdapGroups: boolean;
}

export interface AuthorizationRequest {
  partnerTenantId: string;
  partnerName: string;
  customerTenantId: string;
  /** How the caller is named in explanations: a UPN or an app's display name. */
  callerName: string;
  facts: AccessFacts;
  now: Date;
}

export type DenialReason = 'notAnAgent' | 'customerNotFound' | 'dapNotSupported' | 'noRelationship' | 'gdapAccessInsufficient';

export type Decision =
  /** `grantedUntil`: epoch ms when the granting relationship ends; the decision must not outlive it. */
  | { allowed: true; checks: string[]; grantedUntil: number }
  | { allowed: false; reason: DenialReason; checks: string[] };

const ACCEPTED_IDS = new Set(ACCEPTED_GDAP_ROLES.map((role) => role.id));
const ACCEPTED_NAMES = ACCEPTED_GDAP_ROLES.map((role) => role.name).join(', ');

const passed = (text: string) => `passed: ${text}`;
const failed = (text: string) => `failed: ${text}`;

export function authorize(request: AuthorizationRequest, settings: AuthorizationSettings): Decision {
  const { facts, callerName } = request;
  const checks: string[] = [];
  const deny = (reason: DenialReason, text: string | string[]): Decision => ({
    allowed: false,
    reason,
    checks: [...checks, ...(Array.isArray(text) ? text : [text]).map(failed)],
  });

  const principal = facts.principal;
  if (!principal) {
    return deny('notAnAgent', `${callerName} is not a user or application of partner tenant ${request.partnerName}`);
  }
  const caller = `${principal.kind === 'user' ? 'user' : 'application'} ${callerName}`;
  const reachable = facts.memberships.filter((group) => settings.nestedGroups || group.depth === 1);

  const agentGroups = reachable.filter((group) => group.agentRole !== null);
  if (agentGroups.length === 0) {
    return deny('notAnAgent', `${caller} is in none of the agent groups ${AGENT_ROLES.join(', ')} of partner ${request.partnerName}`);
  }
  checks.push(passed(`${caller} is in ${agentGroups.map((group) => group.displayName).join(', ')} of partner ${request.partnerName}`));

  const customer = facts.customer;
  if (!customer) {
    // Worded the same whether the customer does not exist or belongs to another partner.
    return deny('customerNotFound', `customer ${request.customerTenantId} is not a customer of partner ${request.partnerName}`);
  }
  checks.push(passed(`customer ${customer.displayName} (${customer.customerTenantId}) is a customer of partner ${request.partnerName}`));

  if (facts.relationships.length === 0) {
    return customer.dapEnabled
      ? deny('dapNotSupported', `partner ${request.partnerName} holds only DAP (delegated admin privileges) on customer ${customer.displayName}; DAP is not supported for this operation: a GDAP relationship granting ${ACCEPTED_NAMES} is required`)
      : deny('noRelationship', `partner ${request.partnerName} has no GDAP relationship with customer ${customer.displayName}; one granting ${ACCEPTED_NAMES} is required`);
  }

  const securityGroups =
    principal.kind === 'app' && !settings.servicePrincipalsInGdapGroups ? [] : reachable.filter((group) => group.agentRole === null);
  const failures: string[] = [];
  for (const relationship of facts.relationships) {
    const grant = evaluateRelationship(relationship, securityGroups, caller, request.now);
    if (grant.granted) return { allowed: true, checks: [...checks, passed(grant.text)], grantedUntil: new Date(relationship.endDateTime!).getTime() };
    failures.push(grant.text);
  }
  if (principal.kind === 'app' && !settings.servicePrincipalsInGdapGroups) {
    failures.push('service principals in GDAP security groups are not honored by this deployment (servicePrincipalsInGdapGroups is off)');
  }
  if (customer.dapEnabled) failures.push(`partner ${request.partnerName} also holds DAP on customer ${customer.displayName}, which this operation does not accept`);
  return deny('gdapAccessInsufficient', failures);
}

function evaluateRelationship(
  relationship: GdapRelationship,
  callerGroups: GroupMembership[],
  caller: string,
  now: Date,
): { granted: boolean; text: string } {
  const name = `relationship "${relationship.displayName}" (${relationship.id})`;
  const deny = (text: string) => ({ granted: false, text });
  const end = relationship.endDateTime ? new Date(relationship.endDateTime) : undefined;

  if (relationship.status === 'expired') return deny(`${name} expired on ${end ? end.toISOString() : 'an unknown date'}`);
  if (relationship.status !== 'active') return deny(`${name} is ${relationship.status}, not active`);
  if (!end || end.getTime() <= now.getTime()) {
    return deny(`${name} expired on ${end ? end.toISOString() : 'an unknown date'}`);
  }

  const callerGroupIds = new Set(callerGroups.map((group) => group.groupId));
  const assigned = relationship.accessAssignments.filter((assignment) => callerGroupIds.has(assignment.groupId));
  if (assigned.length === 0) {
    const groups = relationship.accessAssignments.map((assignment) => `"${assignment.groupDisplayName}"`);
    return deny(
      `${caller} is in no security group assigned on ${name}` +
        (groups.length > 0 ? ` (assigned groups: ${groups.join(', ')})` : ' (it has no access assignments)'),
    );
  }

  const reasons: string[] = [];
  for (const assignment of assigned) {
    const group = `group "${assignment.groupDisplayName}"`;
    if (assignment.status !== 'active') {
      reasons.push(`the access assignment of ${group} on ${name} is ${assignment.status}, not active`);
      continue;
    }
    const effective = assignment.roleIds.filter((id) => relationship.roleIds.includes(id));
    const accepted = effective.filter((id) => ACCEPTED_IDS.has(id));
    if (accepted.length > 0) {
      return {
        granted: true,
        text: `${caller} is in ${group}, which holds ${accepted.map(roleDisplayName).join(', ')} on ${name}, active until ${end.toISOString()}`,
      };
    }
    const held = effective.length > 0 ? effective.map(roleDisplayName).join(', ') : 'no roles within the relationship';
    reasons.push(`${caller} is in ${group}, assigned ${held} on ${name}: none of ${ACCEPTED_NAMES}`);
  }
  return deny(reasons.join('; '));
}
