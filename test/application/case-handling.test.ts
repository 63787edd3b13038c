import {
  acceptCase,
  changeSeverity,
  closeCase,
  extendReportDeadline,
  markComplex,
  rejectCase,
  reopenCase,
  replyToComplainant,
  requestInformation,
  resolveCase,
} from '../../src/application/case-handling';
import { assignCase } from '../../src/application/assign-case';
import { submitCase } from '../../src/application/submit-case';
import type { Reply } from '../../src/conversation/messages';
import type { Actor } from '../../src/domain/case';
import { DATABASE_KINDS } from '../support/databases';
import { NOW, complaint, openHandlingFixture, shanghai, type HandlingFixture } from '../support/case-handling';
import { textOf } from '../support/dialog';

describe.each(DATABASE_KINDS)('case handling on %s', (kind) => {
  let fx: HandlingFixture;
  let actor: Actor;

  beforeEach(async () => {
    fx = await openHandlingFixture(kind);
    actor = { kind: 'staff', staffId: fx.staff.agent.id };
  });

  afterEach(() => fx.destroy());

  const submit = async (overrides: Parameters<typeof complaint>[0] = {}) => (await fx.store.cases.get((await submitCase(fx.cases, complaint(overrides), NOW)).caseId))!;
  const rows = async (kind: string) => (await fx.outboxRows()).filter((row) => row.kind === kind);
  const lastEvent = async (caseId: string) => (await fx.store.events.listForCase(caseId)).at(-1);
  const chatText = async () => textOf(((await rows('chat_replies')).at(-1)?.payload as { replies: Reply[] }).replies);

  it('starts the first-contact clock at submission, and the department-answer clock once someone has the case', async () => {
    const assigned = await submit();
    expect(assigned.sla.firstContact?.deadline).toBe(shanghai('2026-11-19T10:00').toISOString());
    expect(assigned.sla.departmentAnswer?.deadline).toBe(shanghai('2026-11-23T10:00').toISOString());

    const waiting = await submit({ category: 'fees_billing' });
    expect(waiting.assigneeId).toBeNull();
    expect(waiting.sla.departmentAnswer).toBeUndefined();
    const clerk = await fx.store.staff.insert({ name: '出纳', departmentId: 'finance', role: 'agent', active: true });
    await assignCase(fx.cases, { caseId: waiting.id, to: { staffId: clerk.id }, actor }, shanghai('2026-11-19T10:00'));
    expect((await fx.store.cases.get(waiting.id))?.sla.departmentAnswer?.deadline).toBe(shanghai('2026-11-24T10:00').toISOString());
  });

  it('accepts a case into investigation and ends the acknowledgement clock', async () => {
    const record = await submit();
    const accepted = await acceptCase(fx.cases, { caseId: record.id, actor }, NOW);
    expect(accepted.status).toBe('investigating');
    expect(accepted.sla.acknowledge?.deadline).toBeNull();
    // Accepting says nothing to the complainant in words: the first contact is still owed.
    expect(accepted.sla.firstContact?.deadline).not.toBeNull();
    expect((await rows('status_changed')).map((row) => row.payload.status)).toEqual(['accepted', 'investigating']);
    expect(await acceptCase(fx.cases, { caseId: record.id, actor }, NOW)).toMatchObject({ status: 'investigating', version: accepted.version });
  });

  it('rejects with the reason told to the complainant, which meets the first-response limits', async () => {
    const record = await submit();
    await expect(rejectCase(fx.cases, { caseId: record.id, actor, reason: '  ' }, NOW)).rejects.toMatchObject({ code: 'CASE.REASON_REQUIRED' });
    const rejected = await rejectCase(fx.cases, { caseId: record.id, actor, reason: '不属于本单位受理范围' }, NOW);
    expect(rejected.status).toBe('rejected');
    expect([rejected.sla.firstContact?.deadline, rejected.sla.departmentAnswer?.deadline, rejected.sla.resolve?.deadline]).toEqual([null, null, null]);
    expect((await rows('status_changed')).at(-1)?.payload).toEqual({ number: record.number, status: 'rejected', reason: '不属于本单位受理范围' });
  });

  it('replies to the complainant in their chat and stops the first-contact and department-answer clocks', async () => {
    const record = await submit();
    const replied = await replyToComplainant(fx.cases, { caseId: record.id, actor, text: '您好，我们已联系门店核实情况。' }, shanghai('2026-11-18T15:00'));
    expect(replied.sla.firstContact).toMatchObject({ deadline: null, consumedMinutes: 240 });
    expect(replied.sla.departmentAnswer?.deadline).toBeNull();
    expect(replied.sla.resolve?.deadline).not.toBeNull();
    expect(await rows('staff_reply')).toEqual([
      expect.objectContaining({ recipientIdentityId: record.complainantIdentityId, payload: { number: record.number, text: '您好，我们已联系门店核实情况。' } }),
    ]);
    expect(await lastEvent(record.id)).toMatchObject({ type: 'replied', actor, data: { text: '您好，我们已联系门店核实情况。' } });
    expect(fx.cases.published.at(-1)).toMatchObject({ type: 'CaseReplied', caseId: record.id, staffId: fx.staff.agent.id });
    await expect(replyToComplainant(fx.cases, { caseId: record.id, actor, text: '' }, NOW)).rejects.toMatchObject({ code: 'CASE.REPLY_EMPTY' });
  });

  it('cannot reply in chat to a case filed on someone’s behalf', async () => {
    const record = await submit({ complainant: null, channel: 'phone' });
    await expect(replyToComplainant(fx.cases, { caseId: record.id, actor, text: '您好' }, NOW)).rejects.toMatchObject({ code: 'CASE.NO_CHAT_COMPLAINANT' });
  });

  it('asks the complainant for information in their conversation and pauses the resolution clock', async () => {
    const record = await submit();
    const waiting = await requestInformation(fx.deps, { caseId: record.id, actor, question: '请提供收据照片' }, NOW);
    expect(waiting.status).toBe('awaiting_complainant');
    expect([waiting.sla.resolve?.deadline, waiting.sla.firstContact?.deadline]).toEqual([null, null]);
    expect(await chatText()).toContain(`关于案件 ${record.number}，工作人员需要您补充信息：请提供收据照片`);
  });

  it('resolves, starts the return visit and asks the complainant to rate', async () => {
    const record = await submit();
    const resolved = await resolveCase(fx.deps, { caseId: record.id, actor, result: '已退款并致歉' }, NOW);
    expect(resolved.status).toBe('resolved');
    expect(resolved.sla.returnVisit?.deadline).toBe(shanghai('2026-11-25T10:00').toISOString());
    expect((await rows('status_changed')).at(-1)?.payload).toEqual({ number: record.number, status: 'resolved', reason: '已退款并致歉' });
    expect(await chatText()).toContain(`您的案件 ${record.number} 已办结`);
  });

  it('reopens a resolved case with the complex limit when it is complex, and closes it', async () => {
    const record = await submit();
    await markComplex(fx.cases, { caseId: record.id, actor, complex: true }, NOW);
    await resolveCase(fx.deps, { caseId: record.id, actor, result: '已处理' }, NOW);
    await expect(reopenCase(fx.cases, { caseId: record.id, actor, reason: '' }, NOW)).rejects.toMatchObject({ code: 'CASE.REASON_REQUIRED' });
    const reopened = await reopenCase(fx.cases, { caseId: record.id, actor, reason: '复核发现未退款' }, shanghai('2026-11-19T10:00'));
    expect(reopened.status).toBe('reopened');
    expect(reopened.sla.resolve?.deadline).toBe(shanghai('2026-11-26T10:00').toISOString());
    await resolveCase(fx.deps, { caseId: record.id, actor, result: '已退款' }, shanghai('2026-11-20T10:00'));
    expect(await closeCase(fx.cases, { caseId: record.id, actor, reason: '电话回访满意' }, shanghai('2026-11-20T11:00'))).toMatchObject({ status: 'closed' });
  });

  it('gives a complex case 5 working days from the same start', async () => {
    const record = await submit();
    expect(record.sla.resolve?.deadline).toBe(shanghai('2026-11-23T10:00').toISOString());
    const complex = await markComplex(fx.cases, { caseId: record.id, actor, complex: true }, shanghai('2026-11-19T10:00'));
    expect(complex).toMatchObject({ complex: true });
    expect(complex.sla.resolve).toMatchObject({ startedAt: NOW.toISOString(), duration: { unit: 'workingDays', amount: 5 }, deadline: shanghai('2026-11-25T10:00').toISOString() });
    expect(await lastEvent(record.id)).toMatchObject({ type: 'complexity_changed', data: { complex: true, resolveBy: shanghai('2026-11-25T10:00').toISOString() } });
    expect(fx.cases.published.at(-1)).toMatchObject({ type: 'CaseDeadlinesChanged', reason: 'complexity' });

    const count = fx.cases.published.length;
    expect(await markComplex(fx.cases, { caseId: record.id, actor, complex: true }, NOW)).toMatchObject({ version: complex.version });
    expect(fx.cases.published).toHaveLength(count);
    const general = await markComplex(fx.cases, { caseId: record.id, actor, complex: false }, NOW);
    expect(general.sla.resolve?.deadline).toBe(shanghai('2026-11-23T10:00').toISOString());
  });

  it('extends a report once, from 30 to 60 days, and tells the reporter the new deadline', async () => {
    const report = await submit({ type: 'report', category: 'other' });
    expect(report.sla.resolve?.deadline).toBe(new Date(NOW.getTime() + 30 * 86_400_000).toISOString());
    const extended = await extendReportDeadline(fx.cases, { caseId: report.id, actor, reason: '涉及多个部门，需要调取记录' }, shanghai('2026-12-10T10:00'));
    const deadline = new Date(NOW.getTime() + 60 * 86_400_000).toISOString();
    expect(extended.sla.resolve?.deadline).toBe(deadline);
    expect(await rows('deadline_extended')).toEqual([
      expect.objectContaining({ recipientIdentityId: report.complainantIdentityId, payload: { number: report.number, deadline, reason: '涉及多个部门，需要调取记录' } }),
    ]);
    expect(await lastEvent(report.id)).toMatchObject({ type: 'deadline_extended', data: { to: deadline } });
    expect(fx.cases.published.at(-1)).toMatchObject({ type: 'CaseDeadlinesChanged', reason: 'extension' });

    await expect(extendReportDeadline(fx.cases, { caseId: report.id, actor, reason: '再延一次' }, NOW)).rejects.toMatchObject({ code: 'CASE.ALREADY_EXTENDED' });
    const plain = await submit();
    await expect(extendReportDeadline(fx.cases, { caseId: plain.id, actor, reason: '需要时间' }, NOW)).rejects.toMatchObject({ code: 'CASE.NOT_A_REPORT' });
  });

  it('makes a case major at once: the department manager and the leadership hear of it', async () => {
    const record = await submit();
    const major = await changeSeverity(fx.cases, { caseId: record.id, actor: { kind: 'staff', staffId: fx.staff.supervisor.id }, severity: 'major', reason: '涉及媒体曝光' }, NOW);
    expect(major).toMatchObject({ severity: 'major', severitySetByStaff: true, escalationLevel: 2 });
    expect((await rows('major_case')).map((row) => row.recipientStaffId).sort()).toEqual([fx.staff.manager.id, fx.staff.leader.id].sort());
    const timeline = (await fx.store.events.listForCase(record.id)).slice(-2);
    expect(timeline).toEqual([
      expect.objectContaining({ type: 'severity_changed', data: { from: 'general', to: 'major', reason: '涉及媒体曝光' } }),
      expect.objectContaining({ type: 'escalated', data: { level: 2, reasons: ['major'] } }),
    ]);
    expect(fx.cases.published.slice(-2).map((e) => e.type)).toEqual(['CaseSeverityChanged', 'CaseEscalated']);

    // Back to general: the decision is kept, the escalation is not undone, nobody is paged again.
    const general = await changeSeverity(fx.cases, { caseId: record.id, actor, severity: 'general', reason: '核实后为一般投诉' }, NOW);
    expect(general).toMatchObject({ severity: 'general', escalationLevel: 2 });
    expect(await rows('major_case')).toHaveLength(2);
  });
});
