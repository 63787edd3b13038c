import { markComplex, requestInformation } from '../../src/application/case-handling';
import { sendProgressUpdates } from '../../src/application/progress-updates';
import { submitCase } from '../../src/application/submit-case';
import { NOW, complaint, openHandlingFixture, shanghai, type HandlingFixture } from '../support/case-handling';

describe('daily progress of complex cases', () => {
  let fx: HandlingFixture;

  beforeEach(async () => {
    fx = await openHandlingFixture('pglite');
  });

  afterEach(() => fx.destroy());

  async function complexCase() {
    const { caseId } = await submitCase(fx.cases, complaint(), NOW);
    return markComplex(fx.cases, { caseId, actor: { kind: 'staff', staffId: fx.staff.agent.id }, complex: true }, NOW);
  }
  const updates = async () => (await fx.outboxRows()).filter((row) => row.kind === 'progress_update');

  it('tells the complainant once per working day', async () => {
    const record = await complexCase();
    await submitCase(fx.cases, complaint(), NOW); // not complex: no daily message

    expect(await sendProgressUpdates(fx.cases, shanghai('2026-11-18T17:00'))).toBe(1);
    expect(await sendProgressUpdates(fx.cases, shanghai('2026-11-18T17:05'))).toBe(0);
    expect(await updates()).toEqual([
      expect.objectContaining({
        recipientIdentityId: record.complainantIdentityId,
        payload: { number: record.number, status: 'registered', resolveBy: shanghai('2026-11-25T10:00').toISOString() },
      }),
    ]);

    // Saturday 21 and Sunday 22 November are days off; Monday is not.
    expect(await sendProgressUpdates(fx.cases, shanghai('2026-11-21T17:00'))).toBe(0);
    expect(await sendProgressUpdates(fx.cases, shanghai('2026-11-23T17:00'))).toBe(1);
    expect((await fx.store.events.listForCase(record.id)).filter((e) => e.type === 'progress_update').map((e) => e.data.date)).toEqual(['2026-11-18', '2026-11-23']);
    expect(fx.cases.published.filter((e) => e.type === 'CaseProgressReported')).toHaveLength(2);
  });

  it('sends nothing while the case waits for the complainant, or once it is resolved', async () => {
    const record = await complexCase();
    await requestInformation(fx.deps, { caseId: record.id, actor: { kind: 'staff', staffId: fx.staff.agent.id }, question: '请提供订单号' }, NOW);
    expect(await sendProgressUpdates(fx.cases, shanghai('2026-11-18T17:00'))).toBe(0);
    expect(await updates()).toEqual([]);
  });

  it('runs side by side without sending anything twice', async () => {
    await Promise.all([complexCase(), complexCase(), complexCase()]);
    const runs = await Promise.all([1, 2, 3].map(() => sendProgressUpdates(fx.cases, shanghai('2026-11-18T17:00'))));
    expect(runs.reduce((a, b) => a + b, 0)).toBe(3);
    expect(await updates()).toHaveLength(3);
  });
});
