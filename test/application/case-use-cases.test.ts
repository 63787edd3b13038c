import { addNote } from '../../src/application/add-note';
import { assignCase } from '../../src/application/assign-case';
import { changeStatus } from '../../src/application/change-status';
import type { Store } from '../../src/application/ports';
import { submitCase, type SubmitCaseInput } from '../../src/application/submit-case';
import { createStore } from '../../src/persistence/store';
import { outbox } from '../../src/persistence/schema';
import { caseServiceFor } from '../support/case-service';
import { DATABASE_KINDS, openTestDatabase, type TestDatabase } from '../support/databases';
import { defaultConfig } from '../support/app-config';

// Wednesday 2026-11-18 10:00 in Shanghai.
const NOW = new Date('2026-11-18T02:00:00Z');
const shanghai = (local: string) => new Date(`${local}+08:00`);

function complaint(overrides: Partial<SubmitCaseInput> = {}): SubmitCaseInput {
  return {
    type: 'complaint',
    category: 'service_attitude',
    channel: 'telegram',
    complainant: { channel: 'telegram', externalId: `user-${Math.random()}`, displayName: '李雷', locale: 'zh-Hans' },
    anonymous: false,
    contact: { name: '李雷', phone: '13800138000' },
    description: '营业厅工作人员态度恶劣，拒绝办理业务',
    descriptionScript: 'zh-Hans',
    location: '人民路营业厅',
    wants: ['apology'],
    ...overrides,
  };
}

describe.each(DATABASE_KINDS)('case use cases on %s', (kind) => {
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    database = await openTestDatabase(kind);
    store = createStore(database.db);
    await store.departments.ensure(defaultConfig().policy.departments);
  });

  afterEach(async () => {
    await database.destroy();
  });

  const outboxRows = () => database.db.select().from(outbox).orderBy(outbox.id);

  describe('submitCase', () => {
    it('registers the case with its number, deadlines, timeline and the acknowledgement to send', async () => {
      const deps = caseServiceFor(store);
      const submitted = await submitCase(deps, complaint(), NOW);

      expect(submitted.number).toBe('TS-202611-0001');
      expect(submitted.departmentId).toBe('customer_service');
      expect(submitted.acknowledgeBy).toEqual(shanghai('2026-11-19T10:00'));
      // 3 working days from Wednesday 10:00 end on Monday 10:00.
      expect(submitted.resolveBy).toEqual(shanghai('2026-11-23T10:00'));

      const stored = await store.cases.findByNumber('TS-202611-0001');
      expect(stored).toMatchObject({ status: 'registered', severity: 'general', contactPhone: '13800138000', locationKey: '人民路营业厅' });
      expect((await store.events.listForCase(submitted.caseId)).map((e) => e.type)).toEqual(['submitted', 'routed']);
      expect((await outboxRows()).map((row) => [row.kind, row.recipientIdentityId])).toEqual([['case_received', stored!.complainantIdentityId]]);
      expect(deps.published.map((e) => e.type)).toEqual(['CaseSubmitted']);
    });

    it('numbers by the local month, per case type', async () => {
      const deps = caseServiceFor(store);
      // 01:00 on 1 December in Shanghai is still November in UTC.
      const december = await submitCase(deps, complaint(), new Date('2026-11-30T17:00:00Z'));
      const report = await submitCase(deps, complaint({ type: 'report', category: 'other' }), NOW);
      const suggestion = await submitCase(deps, complaint({ type: 'suggestion' }), NOW);
      expect([december.number, report.number, suggestion.number]).toEqual(['TS-202612-0001', 'JB-202611-0001', 'JY-202611-0001']);
      expect(report.resolveBy).toEqual(new Date(NOW.getTime() + 30 * 86_400_000));
    });

    it('gives 1,000 concurrent submissions 1,000 distinct, gap-free numbers', async () => {
      const deps = caseServiceFor(store);
      const submitted = await Promise.all(Array.from({ length: 1000 }, () => submitCase(deps, complaint({ location: null }), NOW)));
      const serials = submitted.map((s) => Number(s.number.slice('TS-202611-'.length))).sort((a, b) => a - b);
      expect(serials).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      expect(new Set(submitted.map((s) => s.number)).size).toBe(1000);
    });

    it('writes nothing, and keeps the number, when any part of the submission fails', async () => {
      const deps = caseServiceFor(store);
      const failingStore: Store = {
        ...store,
        transaction: (work) =>
          store.transaction((repos) =>
            work({ ...repos, outbox: { ...repos.outbox, add: () => Promise.reject(new Error('disk full')) } }),
          ),
      };
      await expect(submitCase({ ...deps, store: failingStore }, complaint(), NOW)).rejects.toThrow('disk full');
      expect(await outboxRows()).toEqual([]);
      expect(await store.cases.findByNumber('TS-202611-0001')).toBeNull();
      expect((await submitCase(deps, complaint(), NOW)).number).toBe('TS-202611-0001');
    });

    it('routes to the least-loaded member of the department, never to the person complained about (回避)', async () => {
      const deps = caseServiceFor(store);
      const accused = await store.staff.insert({ name: '周敏', departmentId: 'customer_service', role: 'agent', active: true });
      const colleague = await store.staff.insert({ name: '吴刚', departmentId: 'customer_service', role: 'agent', active: true });
      // The colleague now carries one case and the accused none: load alone would pick the accused.
      const first = await submitCase(deps, complaint({ accusedStaffId: accused.id }), NOW);
      const second = await submitCase(deps, complaint({ accusedStaffId: accused.id, involved: '周敏' }), NOW);
      expect([first.assigneeId, second.assigneeId]).toEqual([colleague.id, colleague.id]);
      const events = await store.events.listForCase(second.caseId);
      expect(events.find((e) => e.type === 'assigned')?.data).toMatchObject({ staffId: colleague.id });
      const assignedTo = (await outboxRows()).filter((r) => r.kind === 'case_assigned').map((r) => r.recipientStaffId);
      expect(assignedTo).toEqual([colleague.id, colleague.id]);

      const unrelated = await submitCase(deps, complaint(), NOW);
      expect(unrelated.assigneeId).toBe(accused.id);
    });

    it('leaves the case with the department when only the accused could take it', async () => {
      const deps = caseServiceFor(store);
      const accused = await store.staff.insert({ name: '周敏', departmentId: 'customer_service', role: 'agent', active: true });
      const submitted = await submitCase(deps, complaint({ accusedStaffId: accused.id }), NOW);
      expect(submitted.assigneeId).toBeNull();
      await expect(assignCase(deps, { caseId: submitted.caseId, to: { staffId: accused.id }, actor: { kind: 'system' } }, NOW)).rejects.toMatchObject({
        code: 'CASE.RECUSAL',
      });
      await expect(assignCase(deps, { caseId: submitted.caseId, to: 'auto', actor: { kind: 'system' } }, NOW)).rejects.toMatchObject({
        code: 'CASE.NO_ELIGIBLE_STAFF',
      });
    });

    it('makes a case major on a keyword in traditional script and tells the department manager', async () => {
      const deps = caseServiceFor(store);
      const manager = await store.staff.insert({ name: '鄭經理', departmentId: 'facilities', role: 'supervisor', active: true });
      await store.departments.setManager('facilities', manager.id);
      const submitted = await submitCase(
        deps,
        complaint({ category: 'facilities_equipment', description: '電梯故障，有人受困在裡面', descriptionScript: 'zh-Hant', location: '3號樓' }),
        NOW,
      );
      expect(submitted.severity).toBe('major');
      const stored = await store.cases.get(submitted.caseId);
      expect(stored).toMatchObject({ escalationLevel: 2, descriptionSimplified: '电梯故障，有人受困在里面' });
      expect((await outboxRows()).find((r) => r.kind === 'major_case')?.recipientStaffId).toBe(manager.id);
      expect(deps.published.map((e) => e.type)).toEqual(['CaseSubmitted', 'CaseEscalated']);
    });

    it('treats three complainants on the same matter as a collective complaint, whatever the script', async () => {
      const deps = caseServiceFor(store);
      const matter = { category: 'environment_hygiene', description: '垃圾没人清理，气味很大' };
      const first = await submitCase(deps, complaint({ ...matter, location: '3号楼 2单元' }), NOW);
      const second = await submitCase(deps, complaint({ ...matter, location: '3號樓2單元', descriptionScript: 'zh-Hant' }), NOW);
      expect(second.severity).toBe('general');
      const third = await submitCase(deps, complaint({ ...matter, location: '3号楼-2单元' }), NOW);
      expect(third.severity).toBe('major');
      for (const earlier of [first, second]) {
        expect(await store.cases.get(earlier.caseId)).toMatchObject({ severity: 'major', escalationLevel: 2 });
      }
    });

    it('refuses an unknown category with a code and the valid choices', async () => {
      await expect(submitCase(caseServiceFor(store), complaint({ category: 'weather' }), NOW)).rejects.toMatchObject({
        code: 'CASE.UNKNOWN_CATEGORY',
        message: expect.stringContaining('service_attitude'),
      });
    });

    it('keeps no contact details of an anonymous complainant, who stays reachable through the chat', async () => {
      const submitted = await submitCase(caseServiceFor(store), complaint({ anonymous: true }), NOW);
      const stored = await store.cases.get(submitted.caseId);
      expect(stored).toMatchObject({ anonymous: true, contactName: null, contactPhone: null });
      expect(stored?.complainantIdentityId).not.toBeNull();
    });
  });

  describe('assignCase', () => {
    it('reassigns, tells both staff members and records who did it', async () => {
      const deps = caseServiceFor(store);
      const first = await store.staff.insert({ name: '甲', departmentId: 'finance', role: 'agent', active: true });
      const second = await store.staff.insert({ name: '乙', departmentId: 'quality', role: 'agent', active: true });
      const supervisor = await store.staff.insert({ name: '丙', departmentId: 'finance', role: 'supervisor', active: true });
      const submitted = await submitCase(deps, complaint({ category: 'fees_billing' }), NOW);
      expect(submitted.assigneeId).toBe(first.id);

      const moved = await assignCase(deps, { caseId: submitted.caseId, to: { staffId: second.id }, actor: { kind: 'staff', staffId: supervisor.id }, reason: '属于质量问题' }, NOW);
      expect(moved).toMatchObject({ staffId: second.id, previousStaffId: first.id, departmentId: 'quality' });
      const reassigned = (await store.events.listForCase(submitted.caseId)).find((e) => e.type === 'reassigned');
      expect(reassigned).toMatchObject({ actor: { kind: 'staff', staffId: supervisor.id }, data: { reason: '属于质量问题' } });
      const staffMessages = (await outboxRows()).filter((r) => r.recipientStaffId).map((r) => [r.kind, r.recipientStaffId]);
      expect(staffMessages).toEqual([
        ['case_assigned', first.id],
        ['case_assigned', second.id],
        ['case_reassigned_away', first.id],
      ]);
    });

    it('refuses an inactive staff member', async () => {
      const deps = caseServiceFor(store);
      const gone = await store.staff.insert({ name: '离职', departmentId: 'finance', role: 'agent', active: false });
      const submitted = await submitCase(deps, complaint(), NOW);
      await expect(assignCase(deps, { caseId: submitted.caseId, to: { staffId: gone.id }, actor: { kind: 'system' } }, NOW)).rejects.toMatchObject({
        code: 'STAFF.NOT_AVAILABLE',
      });
    });
  });

  describe('changeStatus', () => {
    it('moves through the lifecycle, tells the complainant each time and pauses the clock while waiting for them', async () => {
      const deps = caseServiceFor(store);
      const { caseId } = await submitCase(deps, complaint(), NOW);
      const actor = { kind: 'system' } as const;
      await changeStatus(deps, { caseId, action: 'accept', actor }, NOW);
      await changeStatus(deps, { caseId, action: 'startInvestigation', actor }, NOW);
      const waiting = await changeStatus(deps, { caseId, action: 'requestInformation', actor, reason: '请提供收据照片' }, shanghai('2026-11-19T10:00'));
      expect(waiting.sla.resolve?.deadline).toBeNull();
      // Two working days later (Thu 10:00 → Mon 10:00) the complainant answers.
      const back = await changeStatus(deps, { caseId, action: 'receiveInformation', actor }, shanghai('2026-11-23T10:00'));
      // 8 working hours were used Wed 10:00 → Thu 10:00; 16 remain from Mon 10:00.
      expect(back.sla.resolve?.deadline).toBe(shanghai('2026-11-25T10:00').toISOString());

      const pushes = (await outboxRows()).filter((r) => r.kind === 'status_changed').map((r) => r.payload);
      expect(pushes).toEqual([
        { number: 'TS-202611-0001', status: 'accepted', reason: null },
        { number: 'TS-202611-0001', status: 'investigating', reason: null },
        { number: 'TS-202611-0001', status: 'awaiting_complainant', reason: '请提供收据照片' },
        { number: 'TS-202611-0001', status: 'investigating', reason: null },
      ]);
      expect(deps.published.filter((e) => e.type === 'CaseStatusChanged')).toHaveLength(4);
    });

    it('refuses an illegal transition with a stable code and changes nothing', async () => {
      const deps = caseServiceFor(store);
      const { caseId } = await submitCase(deps, complaint(), NOW);
      await expect(changeStatus(deps, { caseId, action: 'resolve', actor: { kind: 'system' } }, NOW)).rejects.toMatchObject({
        code: 'CASE.ILLEGAL_TRANSITION',
      });
      expect(await store.cases.get(caseId)).toMatchObject({ status: 'registered', version: 1 });
      expect((await outboxRows()).map((r) => r.kind)).toEqual(['case_received']);
    });

    it('says when a case does not exist', async () => {
      await expect(
        changeStatus(caseServiceFor(store), { caseId: '00000000-0000-4000-8000-000000000000', action: 'accept', actor: { kind: 'system' } }, NOW),
      ).rejects.toMatchObject({ code: 'CASE.NOT_FOUND' });
    });

    it('serialises concurrent changes: exactly one of two racing accepts wins', async () => {
      const deps = caseServiceFor(store);
      const { caseId } = await submitCase(deps, complaint(), NOW);
      const results = await Promise.allSettled([
        changeStatus(deps, { caseId, action: 'accept', actor: { kind: 'system' } }, NOW),
        changeStatus(deps, { caseId, action: 'accept', actor: { kind: 'system' } }, NOW),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((await store.events.listForCase(caseId)).filter((e) => e.type === 'status_changed')).toHaveLength(1);
    });
  });

  describe('addNote', () => {
    it('adds an internal note to the timeline without telling the complainant', async () => {
      const deps = caseServiceFor(store);
      const { caseId } = await submitCase(deps, complaint(), NOW);
      await addNote(deps, { caseId, actor: { kind: 'system' }, text: '  已电话回访  ' }, NOW);
      const note = (await store.events.listForCase(caseId)).find((e) => e.type === 'note');
      expect(note?.data).toEqual({ text: '已电话回访', internal: true });
      expect((await outboxRows()).map((r) => r.kind)).toEqual(['case_received']);
      await expect(addNote(deps, { caseId, actor: { kind: 'system' }, text: ' ' }, NOW)).rejects.toMatchObject({ code: 'NOTE.EMPTY' });
    });
  });
});
