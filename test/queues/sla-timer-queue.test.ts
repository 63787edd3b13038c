import { acceptCase } from '../../src/application/case-handling';
import { submitCase } from '../../src/application/submit-case';
import type { SlaTimerInput } from '../../src/application/sla-timers';
import { createSlaTimers, slaTimerJobId, subscribeTimers, type SlaTimers } from '../../src/queues/sla-timer-queue';
import { NOW, complaint, openHandlingFixture, shanghai, type HandlingFixture } from '../support/case-handling';
import { eventually, openTestBull, recordingLog } from './queue-support';

let bull: Awaited<ReturnType<typeof openTestBull>>;
let run = 0;

beforeAll(async () => {
  bull = await openTestBull();
});

afterAll(async () => {
  await bull.destroy();
});

describe('SLA timer queue', () => {
  let fx: HandlingFixture;
  let timers: SlaTimers;
  let now: Date;
  let log: ReturnType<typeof recordingLog>;

  beforeEach(async () => {
    fx = await openHandlingFixture('pglite');
    now = NOW;
    log = recordingLog();
    timers = createSlaTimers({ connection: bull.connection, deps: fx.deps, clock: () => now, log, prefix: `${bull.prefix}-${run++}` });
    await Promise.all([timers.queue.waitUntilReady(), timers.worker!.waitUntilReady()]);
  });

  afterEach(async () => {
    await timers.close();
    await fx.destroy();
  });

  const submit = async () => (await fx.store.cases.get((await submitCase(fx.cases, complaint(), NOW)).caseId))!;
  const delayed = () => timers.queue.getDelayed();
  const rows = async (kind: string) => (await fx.outboxRows()).filter((row) => row.kind === kind);

  /** What a scheduler does when the clock reaches `now`: due delayed jobs become waiting. */
  async function promoteDue(): Promise<number> {
    const due = (await delayed()).filter((job) => new Date((job.data as SlaTimerInput).at).getTime() <= now.getTime());
    await Promise.all(due.map((job) => job.promote()));
    return due.length;
  }

  it('adds one delayed job per timer under a stable id, however often the case is scheduled', async () => {
    const record = await submit();
    const pending = fx.timersOf(record);
    await timers.schedule(record.id, pending);
    await timers.schedule(record.id, pending);
    const jobs = await delayed();
    expect(jobs).toHaveLength(pending.length);
    expect(jobs.map((job) => job.id).sort()).toEqual(pending.map((timer) => slaTimerJobId(record.id, timer)).sort());
    expect(jobs.every((job) => !job.id!.includes(':'))).toBe(true);
    const breach = jobs.find((job) => job.id === slaTimerJobId(record.id, pending.at(-1)!))!;
    // The resolution deadline, Monday 10:00, is 5 days after the clock's Wednesday 10:00.
    expect(breach.delay).toBe(shanghai('2026-11-23T10:00').getTime() - NOW.getTime());
  });

  it('escalates a missed deadline exactly once, and lets timers the case outgrew pass', async () => {
    const record = await submit();
    await timers.schedule(record.id, fx.timersOf(record));
    // Accepting ends the acknowledgement clock: its queued timers are stale from now on.
    const accepted = await acceptCase(fx.cases, { caseId: record.id, actor: { kind: 'staff', staffId: fx.staff.agent.id } }, NOW);
    await timers.schedule(record.id, fx.timersOf(accepted));
    await timers.schedule(record.id, fx.timersOf(accepted));

    now = shanghai('2026-11-19T10:01');
    // Warning and breach of acknowledgement and of first contact.
    expect(await promoteDue()).toBe(4);
    await eventually('the four due timers ran', async () => (await timers.queue.getCompletedCount()) === 4);

    const outcomes = (await timers.queue.getCompleted()).map((job) => [(job.data as SlaTimerInput).clock, (job.data as SlaTimerInput).kind, job.returnvalue]);
    expect(outcomes.sort()).toEqual([
      ['acknowledge', 'breach', { outcome: 'stale' }],
      ['acknowledge', 'warn', { outcome: 'stale' }],
      ['firstContact', 'breach', { outcome: 'fired' }],
      ['firstContact', 'warn', { outcome: 'fired' }],
    ]);
    expect(await fx.store.cases.get(record.id)).toMatchObject({ escalationLevel: 1 });
    expect((await rows('sla_breached')).map((row) => row.recipientStaffId).sort()).toEqual([fx.staff.supervisor.id, fx.staff.manager.id].sort());
    expect(await rows('sla_warning')).toHaveLength(1);

    // The same timers scheduled again (a reconcile, a late event) change nothing.
    await timers.schedule(record.id, fx.timersOf(record));
    expect(await promoteDue()).toBe(0);
    expect(await timers.queue.getCompletedCount()).toBe(4);
    expect(await fx.store.cases.get(record.id)).toMatchObject({ escalationLevel: 1 });
  });

  it('puts a timer that ran early back until it is due', async () => {
    const record = await submit();
    const [first] = fx.timersOf(record);
    await timers.schedule(record.id, [first!]);
    const [job] = await delayed();
    await job!.promote();
    await eventually('the early timer went back to the delayed set', async () => (await timers.queue.getJobState(job!.id!)) === 'delayed');
    expect(await timers.queue.getCompletedCount()).toBe(0);
    expect(await rows('sla_warning')).toEqual([]);
  });

  it('reschedules on the domain events and recovers every running clock on reconcile', async () => {
    const unsubscribe = subscribeTimers(fx.cases.events, fx.store, timers);
    const first = await submit();
    await eventually('the submitted case has its timers', async () => (await delayed()).length === fx.timersOf(first).length);
    unsubscribe();

    const second = await submit();
    expect(await delayed()).toHaveLength(fx.timersOf(first).length);
    expect(await timers.reconcile()).toBe(2);
    expect(await delayed()).toHaveLength(fx.timersOf(first).length + fx.timersOf(second).length);
  });

  it('runs the progress messages every day at 17:00 Shanghai time', async () => {
    await timers.scheduleProgressUpdates();
    await timers.scheduleProgressUpdates();
    expect(await timers.queue.getJobSchedulers()).toEqual([expect.objectContaining({ pattern: '0 17 * * *', tz: 'Asia/Shanghai', name: 'progress-updates' })]);
  });
});
