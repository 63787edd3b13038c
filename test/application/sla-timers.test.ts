import { markComplex, resolveCase } from '../../src/application/case-handling';
import { changeStatus } from '../../src/application/change-status';
import { handleSlaTimer } from '../../src/application/sla-timers';
import { submitCase } from '../../src/application/submit-case';
import { DATABASE_KINDS } from '../support/databases';
import { NOW, complaint, openHandlingFixture, shanghai, type HandlingFixture } from '../support/case-handling';
import { textOf } from '../support/dialog';
import type { Reply } from '../../src/conversation/messages';

const after = (at: string, ms = 60_000) => new Date(new Date(at).getTime() + ms);

describe.each(DATABASE_KINDS)('SLA timers on %s', (kind) => {
  let fx: HandlingFixture;

  beforeEach(async () => {
    fx = await openHandlingFixture(kind);
  });

  afterEach(() => fx.destroy());

  const submit = async (overrides: Parameters<typeof complaint>[0] = {}) => (await fx.store.cases.get((await submitCase(fx.cases, complaint(overrides), NOW)).caseId))!;
  const kinds = async (kind: string) => (await fx.outboxRows()).filter((row) => row.kind === kind);
  const timeline = async (caseId: string) => (await fx.store.events.listForCase(caseId)).map((event) => event.type);

  describe('a warning', () => {
    it('reaches the assignee once, at 80% of the limit', async () => {
      const record = await submit();
      const warning = fx.timer(record, 'firstContact', 'warn');
      // One working day from Wednesday 10:00: 80% is used at 17:24.
      expect(warning.at).toBe(shanghai('2026-11-18T17:24').toISOString());

      expect(await handleSlaTimer(fx.deps, warning, shanghai('2026-11-18T17:00'))).toEqual({ early: new Date(warning.at) });
      expect(await handleSlaTimer(fx.deps, warning, after(warning.at))).toBe('fired');
      expect(await handleSlaTimer(fx.deps, warning, after(warning.at, 120_000))).toBe('stale');

      const sent = await kinds('sla_warning');
      expect(sent.map((row) => [row.recipientStaffId, row.payload])).toEqual([
        [fx.staff.agent.id, { number: record.number, clock: 'firstContact', deadline: shanghai('2026-11-19T10:00').toISOString() }],
      ]);
      expect((await timeline(record.id)).filter((type) => type === 'sla_warning')).toHaveLength(1);
      expect((await fx.store.cases.get(record.id))?.sla.firstContact?.warnedAt).toBe(after(warning.at).toISOString());
      expect(fx.cases.published.filter((e) => e.type === 'CaseSlaTimerFired')).toEqual([expect.objectContaining({ clock: 'firstContact', kind: 'warn' })]);
    });

    it('goes to the department supervisors while nobody has the case', async () => {
      await fx.store.staff.update(fx.staff.agent.id, { active: false });
      const record = await submit();
      expect(record.assigneeId).toBeNull();
      const warning = fx.timer(record, 'acknowledge', 'warn');
      expect(await handleSlaTimer(fx.deps, warning, after(warning.at))).toBe('fired');
      expect((await kinds('sla_warning')).map((row) => row.recipientStaffId)).toEqual([fx.staff.supervisor.id]);
    });
  });

  describe('a missed deadline', () => {
    it('escalates the case one level and tells the supervisors and the department manager', async () => {
      const record = await submit();
      const breach = fx.timer(record, 'acknowledge', 'breach');
      expect(breach.at).toBe(shanghai('2026-11-19T10:00').toISOString());

      expect(await handleSlaTimer(fx.deps, breach, after(breach.at))).toBe('fired');
      expect(await handleSlaTimer(fx.deps, breach, after(breach.at, 120_000))).toBe('stale');

      const stored = await fx.store.cases.get(record.id);
      expect(stored).toMatchObject({ escalationLevel: 1 });
      expect(stored?.sla.acknowledge?.breachedAt).toBe(after(breach.at).toISOString());
      const sent = await kinds('sla_breached');
      expect(sent.map((row) => row.recipientStaffId).sort()).toEqual([fx.staff.supervisor.id, fx.staff.manager.id].sort());
      expect(sent[0]?.payload).toEqual({ number: record.number, clock: 'acknowledge', deadline: breach.at, level: 'supervisor' });
      expect(await timeline(record.id)).toEqual(expect.arrayContaining(['sla_breached', 'escalated']));
      expect(fx.cases.published.filter((e) => e.type === 'CaseEscalated')).toEqual([
        expect.objectContaining({ caseId: record.id, level: 1, reason: 'acknowledge_overdue' }),
      ]);
    });

    it('reaches the leadership when the department has no supervisor and no manager', async () => {
      // Fees and billing go to finance, where nobody works yet.
      const record = await submit({ category: 'fees_billing' });
      expect(record.departmentId).toBe('finance');
      const breach = fx.timer(record, 'firstContact', 'breach');
      expect(await handleSlaTimer(fx.deps, breach, after(breach.at))).toBe('fired');
      expect((await kinds('sla_breached')).map((row) => row.recipientStaffId)).toEqual([fx.staff.leader.id]);
    });

    it('is stale once the case was resolved', async () => {
      const record = await submit();
      const breach = fx.timer(record, 'resolve', 'breach');
      await resolveCase(fx.deps, { caseId: record.id, actor: { kind: 'staff', staffId: fx.staff.agent.id }, result: '已当面致歉' }, shanghai('2026-11-20T10:00'));
      expect(await handleSlaTimer(fx.deps, breach, after(breach.at))).toBe('stale');
      expect(await kinds('sla_breached')).toEqual([]);
      expect(await fx.store.cases.get(record.id)).toMatchObject({ escalationLevel: 0 });
    });

    it('is stale once the deadline moved, and the new one fires', async () => {
      const record = await submit();
      const general = fx.timer(record, 'resolve', 'breach');
      const complex = await markComplex(fx.cases, { caseId: record.id, actor: { kind: 'staff', staffId: fx.staff.agent.id }, complex: true }, NOW);
      const moved = fx.timer(complex, 'resolve', 'breach');
      expect([general.at, moved.at]).toEqual([shanghai('2026-11-23T10:00').toISOString(), shanghai('2026-11-25T10:00').toISOString()]);
      expect(await handleSlaTimer(fx.deps, general, after(general.at))).toBe('stale');
      expect(await handleSlaTimer(fx.deps, moved, after(moved.at))).toBe('fired');
      expect(await fx.store.cases.get(record.id)).toMatchObject({ escalationLevel: 1 });
    });

    it('is stale for a case that no longer exists', async () => {
      const timer = { caseId: '00000000-0000-4000-8000-000000000000', clock: 'resolve', kind: 'breach', at: NOW.toISOString() } as const;
      expect(await handleSlaTimer(fx.deps, timer, NOW)).toBe('stale');
    });
  });

  describe('after resolution', () => {
    async function resolved() {
      const record = await submit();
      await resolveCase(fx.deps, { caseId: record.id, actor: { kind: 'staff', staffId: fx.staff.agent.id }, result: '已退款' }, NOW);
      return (await fx.store.cases.get(record.id))!;
    }

    it('asks the complainant to rate again after 2 working days, once', async () => {
      const record = await resolved();
      const reminder = fx.timer(record, 'ratingReminder', 'remind');
      expect(reminder.at).toBe(shanghai('2026-11-20T10:00').toISOString());
      const before = (await kinds('chat_replies')).length;

      expect(await handleSlaTimer(fx.deps, reminder, after(reminder.at))).toBe('fired');
      expect(await handleSlaTimer(fx.deps, reminder, after(reminder.at, 120_000))).toBe('stale');

      const asked = (await kinds('chat_replies')).slice(before);
      expect(asked.map((row) => row.recipientIdentityId)).toEqual([record.complainantIdentityId]);
      expect(textOf((asked[0]?.payload as { replies: Reply[] }).replies)).toContain(`您的案件 ${record.number} 已办结。请对处理结果进行评价`);
      expect(await timeline(record.id)).toContain('rating_reminded');
    });

    it('closes the case by itself when no rating came within 5 working days', async () => {
      const record = await resolved();
      const visitEnds = fx.timer(record, 'returnVisit', 'breach');
      expect(visitEnds.at).toBe(shanghai('2026-11-25T10:00').toISOString());

      expect(await handleSlaTimer(fx.deps, visitEnds, after(visitEnds.at))).toBe('fired');

      const stored = await fx.store.cases.get(record.id);
      expect(stored).toMatchObject({ status: 'closed', escalationLevel: 0 });
      expect(stored?.sla.returnVisit).toMatchObject({ deadline: null, breachedAt: after(visitEnds.at).toISOString() });
      const told = (await kinds('status_changed')).at(-1);
      expect(told).toMatchObject({ recipientIdentityId: record.complainantIdentityId, payload: { number: record.number, status: 'closed', reason: null, reasonKey: 'closedWithoutRating' } });
      const closing = (await fx.store.events.listForCase(record.id)).at(-1);
      expect(closing).toMatchObject({ type: 'status_changed', actor: { kind: 'system' }, data: { from: 'resolved', to: 'closed', reasonKey: 'closedWithoutRating' } });
      expect(fx.cases.published.at(-1)).toMatchObject({ type: 'CaseStatusChanged', from: 'resolved', to: 'closed', action: 'close' });
      expect(fx.timersOf(stored!)).toEqual([]);
    });

    it('does nothing once the complainant rated', async () => {
      const record = await resolved();
      const visitEnds = fx.timer(record, 'returnVisit', 'breach');
      await changeStatus(fx.cases, { caseId: record.id, action: 'close', actor: { kind: 'complainant', identityId: record.complainantIdentityId } }, shanghai('2026-11-19T10:00'));
      expect(await handleSlaTimer(fx.deps, visitEnds, after(visitEnds.at))).toBe('stale');
      expect(await handleSlaTimer(fx.deps, fx.timer(record, 'ratingReminder', 'remind'), after(visitEnds.at))).toBe('stale');
    });
  });
});
