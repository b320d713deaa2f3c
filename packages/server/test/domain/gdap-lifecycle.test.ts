import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENTRA_ROLES } from '@pcapi/contracts';
import {
  APPROVAL_PENDING_LIFETIME_MS, AUTO_EXTEND_MS, IMMEDIATE_DELAYS, REALISTIC_DELAYS, addIsoDuration, applyAction,
  assignmentCreateAllowed, checkAssignmentRoles, checkAutoExtend, checkDisplayName, checkRelationshipDuration,
  checkRoleIds, effectiveAssignment, effectiveRelationship, materializeRelationship, parseIsoDuration,
  relationshipActionAllowed, relationshipActionTakenBy, relationshipDeleteAllowed, relationshipUpdateAllowed,
  type RelationshipAction, type RuleResult, type StoredLifecycle, type TransitionDelays,
} from '../../src/domain/gdap-lifecycle.js';
import { ASSIGNMENT_STATUSES, RELATIONSHIP_STATUSES, type RelationshipStatus } from '../../src/domain/model.js';

const GA = ENTRA_ROLES['Global Administrator']!;
const GR = ENTRA_ROLES['Global Reader']!;
const HELPDESK = ENTRA_ROLES['Helpdesk Administrator']!;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1); // when every base status below was entered
const END = T0 + 730 * DAY; // activation at T0 + P730D

const stored = (overrides: Partial<StoredLifecycle> = {}): StoredLifecycle => ({
  status: 'created', statusSince: T0, createdAt: T0 - DAY, activatedAt: null, endAt: null,
  duration: 'P730D', autoExtendDuration: 'PT0S', roleIds: [GR, HELPDESK], ...overrides,
});
const activeSince = (overrides: Partial<StoredLifecycle> = {}) =>
  stored({ status: 'active', activatedAt: T0, endAt: END, ...overrides });
const at = (s: StoredLifecycle, now: number, delays: TransitionDelays = IMMEDIATE_DELAYS) => effectiveRelationship(s, now, delays);

const refused = (result: RuleResult, ...fragments: string[]) => {
  assert.equal(result.ok, false, 'expected a refusal');
  if (result.ok) return;
  assert.equal(result.code, 'badRequest');
  for (const fragment of fragments) assert.ok(result.message.includes(fragment), `"${result.message}" should mention ${fragment}`);
};

// [base status, base overrides, offset from T0, expected status, expected statusSince offset]
type Row = [RelationshipStatus, Partial<StoredLifecycle>, number, RelationshipStatus, number];
const ACTIVE = { activatedAt: T0, endAt: END };
const TABLES: Record<string, { delays: TransitionDelays; rows: Row[] }> = {
  immediate: {
    delays: IMMEDIATE_DELAYS,
    rows: [
      ['created', {}, 0, 'created', 0], ['created', {}, 5000 * DAY, 'created', 0],
      ['approvalPending', {}, 0, 'approvalPending', 0], ['approvalPending', {}, 90 * DAY - 1, 'approvalPending', 0],
      ['approvalPending', {}, 90 * DAY, 'expired', 90 * DAY], ['approvalPending', {}, 400 * DAY, 'expired', 90 * DAY],
      ['approved', {}, 0, 'active', 0], ['approved', {}, 730 * DAY - 1, 'active', 0], ['approved', {}, 730 * DAY, 'expired', 730 * DAY],
      ['activating', {}, 0, 'active', 0], ['activating', {}, 730 * DAY, 'expired', 730 * DAY],
      ['active', ACTIVE, 0, 'active', 0], ['active', ACTIVE, 730 * DAY - 1, 'active', 0], ['active', ACTIVE, 730 * DAY, 'expired', 730 * DAY],
      ['expiring', { endAt: T0 }, 0, 'expired', 0],
      ['terminationRequested', ACTIVE, 0, 'terminated', 0], ['terminating', ACTIVE, 0, 'terminated', 0],
      ['expired', {}, 9000 * DAY, 'expired', 0], ['terminated', {}, 9000 * DAY, 'terminated', 0],
    ],
  },
  realistic: {
    delays: REALISTIC_DELAYS,
    rows: [
      ['created', {}, 5000 * DAY, 'created', 0],
      ['approvalPending', {}, 90 * DAY - 1, 'approvalPending', 0], ['approvalPending', {}, 90 * DAY, 'expired', 90 * DAY],
      ['approved', {}, 0, 'approved', 0], ['approved', {}, 29_999, 'approved', 0], ['approved', {}, 30_000, 'activating', 30_000],
      ['approved', {}, 89_999, 'activating', 30_000], ['approved', {}, 90_000, 'active', 90_000],
      ['approved', {}, 90_000 + 730 * DAY, 'expiring', 90_000 + 730 * DAY], ['approved', {}, 150_000 + 730 * DAY, 'expired', 150_000 + 730 * DAY],
      ['activating', {}, 59_999, 'activating', 0], ['activating', {}, 60_000, 'active', 60_000],
      ['active', ACTIVE, 730 * DAY - 1, 'active', 0], ['active', ACTIVE, 730 * DAY, 'expiring', 730 * DAY],
      ['active', ACTIVE, 730 * DAY + 59_999, 'expiring', 730 * DAY], ['active', ACTIVE, 730 * DAY + 60_000, 'expired', 730 * DAY + 60_000],
      ['expiring', { endAt: T0 }, 59_999, 'expiring', 0], ['expiring', { endAt: T0 }, 60_000, 'expired', 60_000],
      ['terminationRequested', ACTIVE, 29_999, 'terminationRequested', 0], ['terminationRequested', ACTIVE, 30_000, 'terminating', 30_000],
      ['terminationRequested', ACTIVE, 89_999, 'terminating', 30_000], ['terminationRequested', ACTIVE, 90_000, 'terminated', 90_000],
      // Termination wins over the end date.
      ['terminationRequested', ACTIVE, 800 * DAY, 'terminated', 90_000],
      ['terminating', ACTIVE, 59_999, 'terminating', 0], ['terminating', ACTIVE, 60_000, 'terminated', 60_000],
      ['expired', {}, 9000 * DAY, 'expired', 0], ['terminated', {}, 9000 * DAY, 'terminated', 0],
    ],
  },
};

describe('effectiveRelationship: derived status across time', () => {
  for (const [profile, { delays, rows }] of Object.entries(TABLES)) {
    test(`${profile} delays cover every base status`, () => {
      assert.deepEqual(new Set(rows.map((row) => row[0])), new Set(RELATIONSHIP_STATUSES));
    });
    for (const [base, overrides, offset, expected, sinceOffset] of rows) {
      test(`${profile}: ${base} at T0+${offset} ms is ${expected}`, () => {
        const effective = at(stored({ status: base, ...overrides }), T0 + offset, delays);
        assert.equal(effective.status, expected);
        assert.equal(effective.statusSince, T0 + sinceOffset);
      });
    }
  }

  test('activation fills activatedAt and endAt (activation + duration); before it they stay null', () => {
    const approved = stored({ status: 'approved' });
    assert.deepEqual(at(approved, T0 + 10_000, REALISTIC_DELAYS),
      { status: 'approved', statusSince: T0, activatedAt: null, endAt: null, nextChangeAt: T0 + 30_000 });
    assert.deepEqual(at(approved, T0 + 90_000, REALISTIC_DELAYS),
      { status: 'active', statusSince: T0 + 90_000, activatedAt: T0 + 90_000, endAt: T0 + 90_000 + 730 * DAY, nextChangeAt: T0 + 90_000 + 730 * DAY });
  });

  test('an approval request never approved expires 90 days after it was locked; endAt is that instant', () => {
    const effective = at(stored({ status: 'approvalPending' }), T0 + 100 * DAY);
    assert.deepEqual(effective, { status: 'expired', statusSince: T0 + APPROVAL_PENDING_LIFETIME_MS, activatedAt: null, endAt: T0 + 90 * DAY, nextChangeAt: null });
    assert.equal(at(stored({ status: 'approvalPending' }), T0 + 89 * DAY).nextChangeAt, T0 + 90 * DAY);
  });
});

describe('auto-extension', () => {
  const extending = activeSince({ autoExtendDuration: 'P180D' });

  test('at the end date a P180D relationship stays active and its end moves 180 days', () => {
    assert.deepEqual(at(extending, END), { status: 'active', statusSince: T0, activatedAt: T0, endAt: END + AUTO_EXTEND_MS, nextChangeAt: END + AUTO_EXTEND_MS });
  });

  test('repeats k times so that now falls before the end, in both delay profiles', () => {
    for (const delays of [IMMEDIATE_DELAYS, REALISTIC_DELAYS]) {
      for (const k of [1, 2, 3, 10]) {
        const justBefore = at(extending, END + k * AUTO_EXTEND_MS - 1, delays);
        assert.equal(justBefore.endAt, END + k * AUTO_EXTEND_MS);
        const atEnd = at(extending, END + k * AUTO_EXTEND_MS, delays);
        assert.equal(atEnd.status, 'active');
        assert.equal(atEnd.endAt, END + (k + 1) * AUTO_EXTEND_MS);
      }
    }
  });

  test('never with Global Administrator: such a relationship expires at its end even if P180D was stored', () => {
    const withGlobalAdmin = activeSince({ autoExtendDuration: 'P180D', roleIds: [GR, GA.toUpperCase()] });
    assert.equal(at(withGlobalAdmin, END).status, 'expired');
    const expiring = at(withGlobalAdmin, END + 1000, REALISTIC_DELAYS);
    assert.deepEqual(expiring, { status: 'expiring', statusSince: END, activatedAt: T0, endAt: END, nextChangeAt: END + 60_000 });
  });

  test('PT0S and P0D do not extend', () => {
    for (const autoExtendDuration of ['PT0S', 'P0D'] as const) {
      assert.equal(at(activeSince({ autoExtendDuration }), END).status, 'expired');
    }
  });

  test('the expiring window lasts delays.expiring from the end date', () => {
    const plain = activeSince();
    const delays = { ...IMMEDIATE_DELAYS, expiring: 7 * DAY };
    assert.equal(at(plain, END - 1, delays).status, 'active');
    assert.deepEqual(at(plain, END, delays), { status: 'expiring', statusSince: END, activatedAt: T0, endAt: END, nextChangeAt: END + 7 * DAY });
    assert.equal(at(plain, END + 7 * DAY - 1, delays).status, 'expiring');
    assert.deepEqual(at(plain, END + 7 * DAY, delays), { status: 'expired', statusSince: END + 7 * DAY, activatedAt: T0, endAt: END, nextChangeAt: null });
  });
});

describe('calendar-aware durations', () => {
  const iso = (ms: number) => new Date(ms).toISOString();
  const from = (date: string, duration: string) => iso(addIsoDuration(Date.parse(date), duration));

  test('P1Y adds a calendar year: 366 days across 29 February, 365 otherwise', () => {
    assert.equal(from('2027-03-01T10:00:00.000Z', 'P1Y'), '2028-03-01T10:00:00.000Z');
    assert.equal(addIsoDuration(Date.UTC(2027, 2, 1), 'P1Y') - Date.UTC(2027, 2, 1), 366 * DAY);
    assert.equal(addIsoDuration(Date.UTC(2028, 2, 1), 'P1Y') - Date.UTC(2028, 2, 1), 365 * DAY);
    assert.equal(from('2028-02-29T00:00:00.000Z', 'P1Y'), '2029-02-28T00:00:00.000Z');
  });

  test('months clamp to the last day of the month; P2Y spans a leap day; days and weeks are fixed lengths', () => {
    assert.equal(from('2028-01-31T00:00:00.000Z', 'P1M'), '2028-02-29T00:00:00.000Z');
    assert.equal(from('2027-11-30T00:00:00.000Z', 'P3M'), '2028-02-29T00:00:00.000Z');
    assert.equal(from('2027-01-01T00:00:00.000Z', 'P2Y'), '2029-01-01T00:00:00.000Z');
    assert.equal(addIsoDuration(T0, 'P730D'), T0 + 730 * DAY);
    assert.equal(addIsoDuration(T0, 'P2W'), T0 + 14 * DAY);
    assert.equal(addIsoDuration(T0, 'P1DT24H'), T0 + 2 * DAY);
  });

  test('an activated relationship ends at activation + duration, calendar-aware', () => {
    const activation = Date.UTC(2027, 2, 1);
    const effective = at(stored({ status: 'approved', statusSince: activation, duration: 'P1Y' }), activation);
    assert.equal(effective.endAt, Date.UTC(2028, 2, 1));
    assert.equal(at(stored({ status: 'activating', duration: 'P730D' }), T0).endAt, T0 + 730 * DAY);
  });
});

describe('nextChangeAt', () => {
  const bases: StoredLifecycle[] = [
    ...RELATIONSHIP_STATUSES.map((status) => stored({ status, ...(status === 'expiring' ? { endAt: T0 } : ACTIVE) })),
    stored({ status: 'approved', autoExtendDuration: 'P180D', duration: 'P1D' }),
    activeSince({ autoExtendDuration: 'P180D', roleIds: [GA] }),
  ];
  const visible = ({ status, statusSince, activatedAt, endAt }: ReturnType<typeof at>) => ({ status, statusSince, activatedAt, endAt });

  for (const [profile, delays] of [['immediate', IMMEDIATE_DELAYS], ['realistic', REALISTIC_DELAYS]] as const) {
    test(`${profile}: the derived state is unchanged just before nextChangeAt and changes at it`, () => {
      for (const base of bases) {
        let now = T0;
        for (let step = 0; step < 6; step += 1) {
          const current = at(base, now, delays);
          if (current.nextChangeAt === null) {
            assert.deepEqual(visible(at(base, now + 10_000 * DAY, delays)), visible(current), `${base.status} should be final`);
            break;
          }
          assert.ok(current.nextChangeAt > now);
          assert.deepEqual(at(base, current.nextChangeAt - 1, delays), current, `${base.status} before ${current.nextChangeAt}`);
          assert.notDeepEqual(visible(at(base, current.nextChangeAt, delays)), visible(current), `${base.status} at ${current.nextChangeAt}`);
          now = current.nextChangeAt;
        }
      }
    });
  }
});

describe('effectiveAssignment', () => {
  test('pending becomes active after assignmentPending; deleting becomes deleted after assignmentDeleting', () => {
    const pending = { status: 'pending' as const, statusSince: T0 };
    assert.deepEqual(effectiveAssignment(pending, T0, IMMEDIATE_DELAYS), { status: 'active', statusSince: T0, nextChangeAt: null });
    assert.deepEqual(effectiveAssignment(pending, T0 + 29_999, REALISTIC_DELAYS), { status: 'pending', statusSince: T0, nextChangeAt: T0 + 30_000 });
    assert.deepEqual(effectiveAssignment(pending, T0 + 30_000, REALISTIC_DELAYS), { status: 'active', statusSince: T0 + 30_000, nextChangeAt: null });
    const deleting = { status: 'deleting' as const, statusSince: T0 };
    assert.deepEqual(effectiveAssignment(deleting, T0, IMMEDIATE_DELAYS), { status: 'deleted', statusSince: T0, nextChangeAt: null });
    assert.deepEqual(effectiveAssignment(deleting, T0 + 29_999, REALISTIC_DELAYS), { status: 'deleting', statusSince: T0, nextChangeAt: T0 + 30_000 });
    assert.deepEqual(effectiveAssignment(deleting, T0 + 30_000, REALISTIC_DELAYS), { status: 'deleted', statusSince: T0 + 30_000, nextChangeAt: null });
  });

  test('active, deleted and error are final', () => {
    for (const status of ASSIGNMENT_STATUSES.filter((s) => s !== 'pending' && s !== 'deleting')) {
      assert.deepEqual(effectiveAssignment({ status, statusSince: T0 }, T0 + 1000 * DAY, REALISTIC_DELAYS), { status, statusSince: T0, nextChangeAt: null });
    }
  });
});

describe('durations', () => {
  test('parseIsoDuration reads every part and refuses what is not a duration', () => {
    assert.deepEqual(parseIsoDuration('P1Y2M3W4DT5H6M7.5S'), { years: 1, months: 2, weeks: 3, days: 4, hours: 5, minutes: 6, seconds: 7.5 });
    assert.deepEqual(parseIsoDuration('P730D'), { years: 0, months: 0, weeks: 0, days: 730, hours: 0, minutes: 0, seconds: 0 });
    assert.equal(parseIsoDuration('PT0S')?.seconds, 0);
    for (const text of ['', 'P', 'PT', 'P1DT', '730D', 'P-1D', 'p1d', 'P1.5D', 'P1D2Y', 'P1H', `P${'9'.repeat(400)}D`]) {
      assert.equal(parseIsoDuration(text), undefined, text);
    }
  });

  test('checkRelationshipDuration accepts P1D to P2Y (730 days), whole days only', () => {
    for (const text of ['P1D', 'P90D', 'P730D', 'P2Y', 'P24M', 'P1Y365D', 'P104W', 'PT24H', 'P1DT24H', 'PT1440M']) {
      assert.deepEqual(checkRelationshipDuration(text), { ok: true }, text);
    }
    refused(checkRelationshipDuration('P731D'), "'P731D'", 'P2Y', '730 days');
    refused(checkRelationshipDuration('P2Y1D'), "'P2Y1D'", 'maximum');
    refused(checkRelationshipDuration('P25M'), "'P25M'", 'maximum');
    refused(checkRelationshipDuration('P0D'), "'P0D'", 'minimum of P1D');
    refused(checkRelationshipDuration('PT0S'), "'PT0S'", 'minimum of P1D');
    refused(checkRelationshipDuration('PT12H'), "'PT12H'", 'whole number of days');
    refused(checkRelationshipDuration('P1DT1S'), "'P1DT1S'", 'whole number of days');
    refused(checkRelationshipDuration('two years'), "'two years'", 'not an ISO 8601 duration');
  });
});

describe('rules', () => {
  test('checkAutoExtend: PT0S, P0D, P180D only; P180D never with Global Administrator', () => {
    for (const value of ['PT0S', 'P0D', 'P180D']) assert.deepEqual(checkAutoExtend(value, [GR]), { ok: true });
    assert.deepEqual(checkAutoExtend('PT0S', [GA]), { ok: true });
    refused(checkAutoExtend('P90D', [GR]), "'P90D'", 'PT0S, P0D, P180D');
    refused(checkAutoExtend('P180D', [GR, GA.toUpperCase()]), "'P180D'", 'Global Administrator', GA);
  });

  test('checkRoleIds: non-empty, GUIDs, no repeats; unknown GUIDs are fine', () => {
    assert.deepEqual(checkRoleIds([GR, '00000000-1111-2222-3333-444444444444']), { ok: true });
    refused(checkRoleIds([]), 'at least one role');
    refused(checkRoleIds([GR, 'Global Reader']), "'Global Reader'", 'not a GUID');
    refused(checkRoleIds([GR, HELPDESK, GR.toUpperCase()]), GR, 'more than once');
  });

  test('checkAssignmentRoles: non-empty and within the relationship, naming the ones outside', () => {
    assert.deepEqual(checkAssignmentRoles([GR.toUpperCase()], [GR, HELPDESK]), { ok: true });
    refused(checkAssignmentRoles([], [GR]), 'at least one role');
    const result = checkAssignmentRoles([GR, GA, HELPDESK], [GR]);
    refused(result, GA, HELPDESK, 'not among the roles');
    assert.ok(!result.ok && !result.message.includes(GR));
  });

  test('checkDisplayName: 1 to 50 characters, not only whitespace', () => {
    for (const name of ['a', 'x'.repeat(50), ' Contoso GDAP ']) assert.deepEqual(checkDisplayName(name), { ok: true });
    refused(checkDisplayName(''), 'empty');
    refused(checkDisplayName(' \t '), 'whitespace');
    refused(checkDisplayName('x'.repeat(51)), '51 characters', 'at most 50');
  });

  test('relationshipActionAllowed: each action from exactly one status', () => {
    const requires: Record<RelationshipAction, RelationshipStatus> = {
      lockForApproval: 'created', approve: 'approvalPending', reject: 'approvalPending', terminate: 'active',
    };
    for (const [action, required] of Object.entries(requires) as [RelationshipAction, RelationshipStatus][]) {
      for (const status of RELATIONSHIP_STATUSES) {
        const result = relationshipActionAllowed(action, status);
        if (status === required) assert.deepEqual(result, { ok: true });
        else refused(result, `'${action}'`, `status '${status}'`, `requires status '${required}'`);
      }
    }
  });

  test('relationshipActionTakenBy: the partner locks, the customer approves or rejects, either terminates', () => {
    const takers = (action: RelationshipAction) => (['partner', 'customer'] as const).filter((side) => relationshipActionTakenBy(action, side));
    assert.deepEqual(takers('lockForApproval'), ['partner']);
    assert.deepEqual(takers('approve'), ['customer']);
    assert.deepEqual(takers('reject'), ['customer']);
    assert.deepEqual(takers('terminate'), ['partner', 'customer']);
  });

  test('relationshipUpdateAllowed: anything editable while created; while active only autoExtendDuration or removing Global Administrator', () => {
    assert.deepEqual(relationshipUpdateAllowed('created', ['displayName', 'duration', 'customer', 'accessDetails', 'autoExtendDuration']), { ok: true });
    refused(relationshipUpdateAllowed('created', ['displayName', 'status', 'id']), 'status, id', "'created'");
    assert.deepEqual(relationshipUpdateAllowed('active', ['autoExtendDuration']), { ok: true });
    assert.deepEqual(relationshipUpdateAllowed('active', ['accessDetails'], { removesOnlyGlobalAdministrator: true }), { ok: true });
    refused(relationshipUpdateAllowed('active', ['accessDetails']), 'accessDetails', "'active'", 'remove the Global Administrator');
    refused(relationshipUpdateAllowed('active', ['accessDetails'], { removesOnlyGlobalAdministrator: false }), 'accessDetails');
    refused(relationshipUpdateAllowed('active', ['displayName', 'autoExtendDuration']), 'displayName');
    for (const status of RELATIONSHIP_STATUSES.filter((s) => s !== 'created' && s !== 'active')) {
      refused(relationshipUpdateAllowed(status, ['autoExtendDuration']), `status '${status}'`, 'cannot be updated');
    }
  });

  test('relationshipDeleteAllowed only while created; assignmentCreateAllowed only while active', () => {
    for (const status of RELATIONSHIP_STATUSES) {
      if (status === 'created') assert.deepEqual(relationshipDeleteAllowed(status), { ok: true });
      else refused(relationshipDeleteAllowed(status), `status '${status}'`, 'cannot be deleted');
      if (status === 'active') assert.deepEqual(assignmentCreateAllowed(status), { ok: true });
      else refused(assignmentCreateAllowed(status), `this one is '${status}'`, "only on an 'active'");
    }
  });
});

describe('applyAction and materialization', () => {
  test('lockForApproval, approve: the new base status since now', () => {
    const locked = applyAction(stored(), 'lockForApproval', T0 + 5, IMMEDIATE_DELAYS);
    assert.deepEqual(locked, stored({ status: 'approvalPending', statusSince: T0 + 5 }));
    const approved = applyAction(locked, 'approve', T0 + 10, REALISTIC_DELAYS);
    assert.deepEqual(approved, stored({ status: 'approved', statusSince: T0 + 10 }));
  });

  test('terminate materializes first: an approved base that is effectively active keeps activatedAt and endAt', () => {
    const approved = stored({ status: 'approved' });
    const now = T0 + 5 * DAY;
    const terminated = applyAction(approved, 'terminate', now, REALISTIC_DELAYS);
    assert.deepEqual(terminated, { ...approved, status: 'terminationRequested', statusSince: now, activatedAt: T0 + 90_000, endAt: T0 + 90_000 + 730 * DAY });
    assert.equal(at(terminated, now + 90_000, REALISTIC_DELAYS).status, 'terminated');
  });

  test('terminate keeps an auto-extended end date', () => {
    const extending = activeSince({ autoExtendDuration: 'P180D' });
    const now = END + 2 * AUTO_EXTEND_MS + 1;
    const terminated = applyAction(extending, 'terminate', now, IMMEDIATE_DELAYS);
    assert.equal(terminated.endAt, END + 3 * AUTO_EXTEND_MS);
    assert.deepEqual(at(terminated, now), { status: 'terminated', statusSince: now, activatedAt: T0, endAt: END + 3 * AUTO_EXTEND_MS, nextChangeAt: null });
  });

  test('reject ends a pending request at once as terminated', () => {
    const pending = stored({ status: 'approvalPending' });
    assert.deepEqual(applyAction(pending, 'reject', T0 + DAY, REALISTIC_DELAYS), { ...pending, status: 'terminated', statusSince: T0 + DAY, endAt: T0 + DAY });
  });

  test('an action its rule refuses throws, judged on the effective status', () => {
    const pending = stored({ status: 'approvalPending' });
    assert.throws(() => applyAction(pending, 'approve', T0 + 90 * DAY, IMMEDIATE_DELAYS), /'approve'.*status 'expired'/);
    assert.throws(() => applyAction(pending, 'terminate', T0, IMMEDIATE_DELAYS), /status 'approvalPending'/);
    assert.throws(() => applyAction(stored({ status: 'approved' }), 'terminate', T0 + 1000, REALISTIC_DELAYS), /status 'approved'/);
  });

  test('changing autoExtendDuration on a materialized base does not rewrite past extensions', () => {
    const extending = activeSince({ autoExtendDuration: 'P180D' });
    const now = END + AUTO_EXTEND_MS + 10;
    const changed = { ...materializeRelationship(extending, now, IMMEDIATE_DELAYS), autoExtendDuration: 'PT0S' as const };
    assert.deepEqual(at(changed, now), at(extending, now));
    assert.equal(at(changed, END + 2 * AUTO_EXTEND_MS - 1).status, 'active');
    assert.equal(at(changed, END + 2 * AUTO_EXTEND_MS).status, 'expired');
    // The same change on the raw row would have expired it in the past.
    assert.equal(at({ ...extending, autoExtendDuration: 'PT0S' }, now).status, 'expired');
  });

  test('materializing is idempotent and does not change what is derived', () => {
    for (const status of RELATIONSHIP_STATUSES) {
      const base = stored({ status, ...ACTIVE });
      for (const now of [T0, T0 + 45_000, END + 30_000, END + 400 * DAY]) {
        const once = materializeRelationship(base, now, REALISTIC_DELAYS);
        assert.deepEqual(materializeRelationship(once, now, REALISTIC_DELAYS), once);
        const { nextChangeAt: _ignored, ...derived } = at(base, now, REALISTIC_DELAYS);
        const { nextChangeAt: _also, ...fromMaterialized } = at(once, now, REALISTIC_DELAYS);
        assert.deepEqual(fromMaterialized, derived, `${status} at ${now}`);
      }
    }
  });
});
