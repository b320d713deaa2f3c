import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENTRA_ROLES } from '@pcapi/contracts';
import { authorize, type AuthorizationSettings, type Decision } from '../../src/domain/authorize.js';
import type {
  AccessAssignment, AccessFacts, GdapRelationship, GroupMembership, PartnerCustomer, Principal,
} from '../../src/domain/model.js';

const GA = ENTRA_ROLES['Global Administrator']!;
const DW = ENTRA_ROLES['Directory Writers']!;
const GR = ENTRA_ROLES['Global Reader']!;
const HELPDESK = ENTRA_ROLES['Helpdesk Administrator']!;
const USER_ADMIN = ENTRA_ROLES['User Administrator']!;

const PARTNER = '2c01706f-53f9-43ed-a5e3-50fe9b93e511';
const CUSTOMER = '13bba13f-49f8-49aa-8a22-1fe70d695fcb';
const NOW = new Date('2026-03-01T12:00:00Z');
const FUTURE = '2027-01-01T00:00:00.000Z';
const PAST = '2026-02-01T00:00:00.000Z';
const DEFAULTS: AuthorizationSettings = { nestedGroups: false, servicePrincipalsInGdapGroups: true };

const user: Principal = {
  tenantId: PARTNER, objectId: '11111111-1111-4111-8111-111111111111', kind: 'user', displayName: 'Admin',
  userPrincipalName: 'admin@fabrikam.example', clientId: null, mfaRegistered: true,
  accountEnabled: true, redirectUris: [], publicClient: false, appPermissions: [],
};
const app: Principal = {
  tenantId: PARTNER, objectId: '22222222-2222-4222-8222-222222222222', kind: 'app', displayName: 'Automation',
  userPrincipalName: null, clientId: '5cb9b94d-825a-47d7-830b-7226f428175e', mfaRegistered: false,
  accountEnabled: true, redirectUris: [], publicClient: false, appPermissions: [],
};
const customer: PartnerCustomer = {
  customerTenantId: CUSTOMER, displayName: 'Contoso', dapEnabled: false,
  organization: { street: null, countryLetterCode: null, postalCode: null, city: null, state: null, displayName: 'Contoso', technicalNotificationMails: [] },
};

const group = (groupId: string, displayName: string, depth = 1, agentRole: GroupMembership['agentRole'] = null): GroupMembership =>
  ({ groupId, displayName, agentRole, depth });
const ADMIN_AGENTS = group('a0000000-0000-4000-8000-000000000001', 'AdminAgents', 1, 'AdminAgents');
const READERS = group('b0000000-0000-4000-8000-000000000001', 'GDAP Readers');

const assignment = (roleIds: string[], overrides: Partial<AccessAssignment> = {}): AccessAssignment => ({
  id: 'assignment-1', groupId: READERS.groupId, groupDisplayName: READERS.displayName, status: 'active', roleIds, ...overrides,
});
const relationship = (roleIds: string[], assignments: AccessAssignment[], overrides: Partial<GdapRelationship> = {}): GdapRelationship => ({
  id: 'rel-1', displayName: 'Contoso readers', status: 'active', roleIds, endDateTime: FUTURE, accessAssignments: assignments, ...overrides,
});

function facts(overrides: Partial<AccessFacts> = {}): AccessFacts {
  return {
    principal: user,
    memberships: [ADMIN_AGENTS, READERS],
    customer,
    relationships: [relationship([GR], [assignment([GR])])],
    ...overrides,
  };
}

function decide(f: AccessFacts, settings: Partial<AuthorizationSettings> = {}, callerName = 'admin@fabrikam.example'): Decision {
  return authorize(
    { partnerTenantId: PARTNER, partnerName: 'Fabrikam', customerTenantId: CUSTOMER, callerName, facts: f, now: NOW },
    { ...DEFAULTS, ...settings },
  );
}

function denied(decision: Decision, reason: string): string {
  assert.equal(decision.allowed, false, `expected a denial, got ${JSON.stringify(decision)}`);
  if (!decision.allowed) assert.equal(decision.reason, reason);
  return decision.checks.join('\n');
}

function assertCheckPrefixes(decision: Decision) {
  assert.ok(decision.checks.length > 0);
  for (const check of decision.checks) assert.match(check, /^(passed|failed): /);
}

describe('authorize: allowed', () => {
  for (const [name, id] of [['Global Administrator', GA], ['Directory Writers', DW], ['Global Reader', GR]] as const) {
    test(`allows a caller whose group holds ${name}`, () => {
      const decision = decide(facts({ relationships: [relationship([id], [assignment([id])])] }));
      assert.equal(decision.allowed, true);
      assertCheckPrefixes(decision);
      assert.ok(decision.checks.every((check) => check.startsWith('passed: ')));
      assert.match(decision.checks.at(-1)!, new RegExp(`holds ${name}`));
      assert.match(decision.checks.at(-1)!, /GDAP Readers/);
    });
  }

  test('allows through the second relationship when only it qualifies', () => {
    const first = relationship([GR], [assignment([GR])], { id: 'rel-1', displayName: 'Old', status: 'terminated' });
    const second = relationship([GR], [assignment([GR], { id: 'assignment-2' })], { id: 'rel-2', displayName: 'New' });
    const decision = decide(facts({ relationships: [first, second] }));
    assert.equal(decision.allowed, true);
    assert.match(decision.checks.at(-1)!, /"New" \(rel-2\)/);
  });
});

describe('authorize: partner agents', () => {
  test('an unknown principal is notAnAgent', () => {
    const text = denied(decide(facts({ principal: undefined, memberships: [] })), 'notAnAgent');
    assert.match(text, /^failed: admin@fabrikam\.example is not a user or application of partner tenant Fabrikam$/);
  });

  test('a principal in no agent group is notAnAgent and the check names the agent groups', () => {
    const decision = decide(facts({ memberships: [READERS] }));
    const text = denied(decision, 'notAnAgent');
    assertCheckPrefixes(decision);
    assert.match(text, /AdminAgents, HelpdeskAgents, SalesAgents/);
  });

  test('an agent group reached only through a nested group counts only with nestedGroups', () => {
    const memberships = [group('c0000000-0000-4000-8000-000000000001', 'Ops'), { ...ADMIN_AGENTS, depth: 2 }, READERS];
    denied(decide(facts({ memberships })), 'notAnAgent');
    const decision = decide(facts({ memberships }), { nestedGroups: true });
    assert.equal(decision.allowed, true);
    assert.match(decision.checks[0]!, /^passed: user admin@fabrikam\.example is in AdminAgents/);
  });

  test('a GDAP security group reached only through nesting counts only with nestedGroups', () => {
    const memberships = [ADMIN_AGENTS, group('c0000000-0000-4000-8000-000000000001', 'Ops'), { ...READERS, depth: 2 }];
    const text = denied(decide(facts({ memberships })), 'gdapAccessInsufficient');
    assert.match(text, /is in no security group assigned on relationship "Contoso readers" \(rel-1\) \(assigned groups: "GDAP Readers"\)/);
    assert.equal(decide(facts({ memberships }), { nestedGroups: true }).allowed, true);
  });
});

describe('authorize: customer and relationships', () => {
  test('an unknown customer is customerNotFound', () => {
    const decision = decide(facts({ customer: undefined, relationships: [] }));
    denied(decision, 'customerNotFound');
    assert.match(decision.checks[0]!, /^passed: /);
    assert.match(decision.checks.at(-1)!, new RegExp(`^failed: customer ${CUSTOMER} is not a customer of partner Fabrikam`));
  });

  test('DAP without GDAP is dapNotSupported, naming DAP and the accepted roles', () => {
    const decision = decide(facts({ customer: { ...customer, dapEnabled: true }, relationships: [] }));
    denied(decision, 'dapNotSupported');
    const last = decision.checks.at(-1)!;
    assert.match(last, /^failed: /);
    assert.match(last, /DAP/);
    assert.match(last, /Global Administrator, Directory Writers, Global Reader/);
  });

  test('no relationship at all is noRelationship', () => {
    const decision = decide(facts({ relationships: [] }));
    denied(decision, 'noRelationship');
    assert.match(decision.checks.at(-1)!, /^failed: partner Fabrikam has no GDAP relationship with customer Contoso/);
    assert.doesNotMatch(decision.checks.at(-1)!, /DAP \(/);
  });

  for (const status of ['approvalPending', 'terminated'] as const) {
    test(`a relationship that is ${status} gives gdapAccessInsufficient naming the status`, () => {
      const decision = decide(facts({ relationships: [relationship([GR], [assignment([GR])], { status })]}));
      const text = denied(decision, 'gdapAccessInsufficient');
      assertCheckPrefixes(decision);
      assert.match(text, new RegExp(`failed: relationship "Contoso readers" \\(rel-1\\) is ${status}, not active`));
    });
  }

  test('an expired relationship names its end date', () => {
    const decision = decide(facts({ relationships: [relationship([GA], [assignment([GA])], { status: 'expired', endDateTime: PAST })] }));
    const text = denied(decision, 'gdapAccessInsufficient');
    assert.match(text, /expired on 2026-02-01T00:00:00\.000Z/);
  });

  test('an active relationship past its endDateTime is treated as expired', () => {
    const decision = decide(facts({ relationships: [relationship([GR], [assignment([GR])], { endDateTime: PAST })] }));
    const text = denied(decision, 'gdapAccessInsufficient');
    assert.match(text, /relationship "Contoso readers" \(rel-1\) expired on 2026-02-01T00:00:00\.000Z/);
  });

  test('a relationship ending exactly now is expired; one ending a millisecond later is not', () => {
    denied(decide(facts({ relationships: [relationship([GR], [assignment([GR])], { endDateTime: NOW.toISOString() })] })), 'gdapAccessInsufficient');
    const later = new Date(NOW.getTime() + 1).toISOString();
    assert.equal(decide(facts({ relationships: [relationship([GR], [assignment([GR])], { endDateTime: later })] })).allowed, true);
  });
});

describe('authorize: access assignments', () => {
  for (const status of ['pending', 'error'] as const) {
    test(`an assignment that is ${status} is named in the checks`, () => {
      const decision = decide(facts({ relationships: [relationship([GR], [assignment([GR], { status })])] }));
      const text = denied(decision, 'gdapAccessInsufficient');
      assert.match(text, new RegExp(`the access assignment of group "GDAP Readers" on relationship "Contoso readers" \\(rel-1\\) is ${status}, not active`));
    });
  }

  test('assignment roles outside the relationship roles do not count', () => {
    // The store could hold such a row; only the intersection with the relationship's roles grants.
    const decision = decide(facts({ relationships: [relationship([HELPDESK], [assignment([GR, HELPDESK])])] }));
    const text = denied(decision, 'gdapAccessInsufficient');
    assert.match(text, /assigned Helpdesk Administrator on relationship/);
    assert.doesNotMatch(text, /assigned [^:]*Global Reader/);
  });

  test('roles held but none accepted: the checks name the roles held and the accepted ones', () => {
    const decision = decide(facts({ relationships: [relationship([HELPDESK, USER_ADMIN], [assignment([HELPDESK, USER_ADMIN])])] }));
    const text = denied(decision, 'gdapAccessInsufficient');
    assert.match(text, /is in group "GDAP Readers", assigned Helpdesk Administrator, User Administrator on relationship "Contoso readers" \(rel-1\): none of Global Administrator, Directory Writers, Global Reader/);
  });

  test('the caller in no assigned group is told which groups are assigned', () => {
    const other = assignment([GR], { groupId: 'd0000000-0000-4000-8000-000000000001', groupDisplayName: 'Contoso Admins' });
    const text = denied(decide(facts({ relationships: [relationship([GR], [other])] })), 'gdapAccessInsufficient');
    assert.match(text, /user admin@fabrikam\.example is in no security group assigned on relationship "Contoso readers" \(rel-1\) \(assigned groups: "Contoso Admins"\)/);
  });

  test('an app caller in a GDAP group is allowed by default and denied with servicePrincipalsInGdapGroups off', () => {
    const appFacts = facts({ principal: app });
    const allowed = decide(appFacts, {}, 'Automation');
    assert.equal(allowed.allowed, true);
    assert.match(allowed.checks.at(-1)!, /^passed: application Automation is in group "GDAP Readers"/);

    const decision = decide(appFacts, { servicePrincipalsInGdapGroups: false }, 'Automation');
    const text = denied(decision, 'gdapAccessInsufficient');
    assertCheckPrefixes(decision);
    assert.match(text, /servicePrincipalsInGdapGroups is off/);
    assert.match(text, /application Automation is in no security group assigned/);
  });

  test('servicePrincipalsInGdapGroups off does not affect users', () => {
    assert.equal(decide(facts(), { servicePrincipalsInGdapGroups: false }).allowed, true);
  });

  test('every failed relationship is reported, and DAP alongside GDAP is mentioned', () => {
    const first = relationship([GR], [assignment([GR])], { id: 'rel-1', displayName: 'One', status: 'approvalPending' });
    const second = relationship([GR], [assignment([GR], { status: 'pending' })], { id: 'rel-2', displayName: 'Two' });
    const decision = decide(facts({ customer: { ...customer, dapEnabled: true }, relationships: [first, second] }));
    const text = denied(decision, 'gdapAccessInsufficient');
    assertCheckPrefixes(decision);
    assert.match(decision.checks[0]!, /^passed: /);
    assert.match(text, /"One" \(rel-1\) is approvalPending/);
    assert.match(text, /"Two" \(rel-2\) is pending/);
    assert.match(text, /also holds DAP on customer Contoso/);
  });
});
