import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { submitCase } from '../../src/application/submit-case';
import { SLA_TIMER_QUEUE } from '../../src/queues/sla-timer-queue';
import { startAdminApp, type AdminApp } from '../support/admin-app';

async function until(what: () => Promise<boolean>, label: string): Promise<void> {
  for (let waited = 0; waited < 15_000; waited += 100) {
    if (await what()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${label}`);
}

describe('SLA timers in the running app, on a controllable clock', () => {
  let admin: AdminApp;
  let connection: Redis;
  let queue: Queue;

  beforeAll(async () => {
    admin = await startAdminApp(new Date('2026-11-23T02:00:00Z'));
    connection = new Redis(admin.app.config.env.REDIS_URL!, { maxRetriesPerRequest: null });
    queue = new Queue(SLA_TIMER_QUEUE, { connection, prefix: 'complaints' });
  });
  afterAll(async () => {
    await queue.close();
    await connection.quit();
    await admin.stop();
  });

  it('schedules a case’s deadlines when it is filed, and a breach escalates it once and tells the department', async () => {
    const supervisor = await admin.staff('supervisor', { departmentId: 'logistics' });
    const submitted = await submitCase(
      admin.app.cases,
      {
        type: 'complaint',
        category: 'delivery',
        channel: 'console',
        complainant: { channel: 'console', externalId: 'sla-person' },
        anonymous: true,
        contact: null,
        description: '包裹一直没有送到，也没有人联系我',
        descriptionScript: 'zh-Hans',
        wants: ['refund'],
      },
      admin.clock.now,
    );
    await until(async () => (await queue.getDelayedCount()) > 0, 'the timers to be scheduled');
    const scheduled = (await queue.getDelayed()).filter((job) => JSON.stringify(job.data).includes(submitted.caseId));
    expect(scheduled.length).toBeGreaterThan(0);

    // Forty days later every limit has passed: fire the timers now instead of waiting for them.
    admin.clock.now = new Date(admin.clock.now.getTime() + 40 * 86_400_000);
    for (const job of scheduled) await job.promote();
    await until(async () => ((await admin.app.store.cases.get(submitted.caseId))?.escalationLevel ?? 0) > 0, 'the escalation');
    await until(async () => (await queue.getActiveCount()) + (await queue.getWaitingCount()) === 0, 'the timers to finish');

    const record = (await admin.app.store.cases.get(submitted.caseId))!;
    const events = await admin.app.store.events.listForCase(record.id);
    const breaches = events.filter((event) => event.type === 'sla_breached');
    expect(breaches.length).toBeGreaterThan(0);
    // Each clock breaches once, however often its timer fires.
    expect(new Set(breaches.map((event) => String(event.data.clock))).size).toBe(breaches.length);
    expect(await admin.app.store.outbox.existsForCase(record.id, 'sla_breached')).toBe(true);
    for (const job of scheduled) {
      const fresh = await queue.getJob(job.id!);
      if (fresh) expect(await fresh.getState()).not.toBe('failed');
    }
    expect(supervisor.departmentId).toBe('logistics');
  });
});
