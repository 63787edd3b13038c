import { eq } from 'drizzle-orm';
import type { NotificationJob } from '../../src/application/notifications';
import type { Store } from '../../src/application/ports';
import { channelIdentities, outbox } from '../../src/persistence/schema';
import { createStore } from '../../src/persistence/store';
import { createNotificationQueues, type NotificationJobSettings, type NotificationQueue, type NotificationQueues } from '../../src/queues/notification-queues';
import { createNotificationWorker, listDeadLetters, type NotificationLimits, type NotificationWorker, type NotificationWorkerOptions } from '../../src/queues/notification-worker';
import { reportUnreachable } from '../../src/queues/unreachable';
import { defaultConfig } from '../support/app-config';
import { buildCase } from '../support/case-builder';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { eventually, FAST, openTestBull, RecordingSender, recordingLog, sleep } from './queue-support';

let bull: Awaited<ReturnType<typeof openTestBull>>;
let run = 0;

beforeAll(async () => {
  bull = await openTestBull();
});

afterAll(async () => {
  await bull.destroy();
});

describe('notification worker', () => {
  let queues: NotificationQueues;
  let queue: NotificationQueue;
  let prefix: string;
  let sender: RecordingSender;
  let workers: NotificationWorker[];
  let unreachable: NotificationJob[];
  let log: ReturnType<typeof recordingLog>;

  function setUp(jobs: NotificationJobSettings = {}) {
    prefix = `${bull.prefix}-${run++}`;
    queues = createNotificationQueues(bull.connection, ['telegram'], { prefix, jobs: { backoffMs: 10, ...jobs } });
    queue = queues.byChannel.get('telegram')!;
  }

  beforeEach(() => {
    setUp();
    sender = new RecordingSender('telegram');
    workers = [];
    unreachable = [];
    log = recordingLog();
  });

  afterEach(async () => {
    await Promise.all(workers.map((worker) => worker.close()));
    await queues.close();
  });

  function startWorker(limits: NotificationLimits = FAST, options: Partial<NotificationWorkerOptions> = {}) {
    const worker = createNotificationWorker({
      connection: bull.connection,
      prefix,
      sender,
      limits,
      onUnreachable: async (job) => {
        unreachable.push(job);
      },
      log,
      ...options,
    });
    workers.push(worker);
    return worker;
  }

  let outboxId = 1;
  async function enqueue(externalId: string, text: string, caseId: string | null = null, identityId = `identity-${externalId}`) {
    const id = outboxId++;
    const data: NotificationJob = { outboxId: id, caseId, channel: 'telegram', externalId, identityId, replies: [{ kind: 'text', text }] };
    return queue.add('status_changed', data, { jobId: `outbox-${id}-${identityId}` });
  }

  const stateOf = async (jobId: string | undefined) => (await queue.getJob(jobId!))!;

  it('sends each job once', async () => {
    startWorker();
    await enqueue('chat-1', 'hello');
    await enqueue('chat-2', 'world');
    await eventually('both sent', () => sender.sent.length === 2);
    await sleep(200);
    expect(sender.calls.map((call) => `${call.externalId}:${call.text}`).sort()).toEqual(['chat-1:hello', 'chat-2:world']);
  });

  it('spaces messages to one chat by the per-chat limit, without holding up other chats', async () => {
    startWorker({ perSecond: 100, perChatPerSecond: 1 });
    for (let i = 1; i <= 5; i++) await enqueue('busy-chat', `update ${i}`);
    await enqueue('other-chat', 'unrelated');
    await eventually('all sent', () => sender.sent.length === 6, 15_000);

    const busy = sender.sentTo('busy-chat');
    expect(busy).toHaveLength(5);
    const gaps = busy.slice(1).map((call, i) => call.at - busy[i]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(900);
    // The other chat went out while the busy one was still waiting for its second slot.
    expect(sender.sentTo('other-chat')[0]!.at).toBeLessThan(busy[1]!.at);
    // Held jobs were delayed, never failed.
    expect(await listDeadLetters(queue)).toEqual([]);
    expect(sender.calls).toHaveLength(6);
  });

  it.each(['channel', 'chat'] as const)('on a 429 (scope %s) waits retry_after and sends again, without counting a failed attempt', async (rateLimitScope) => {
    setUp({ attempts: 1 }); // one attempt: a 429 that counted as a failure would dead-letter the job
    startWorker(FAST, { rateLimitScope });
    sender.failNext('chat-429', { kind: 'rateLimited', retryAfterMs: 600 });
    const job = await enqueue('chat-429', 'after the wait');

    await eventually('sent after the 429', () => sender.sent.length === 1);
    const [limited, delivered] = sender.calls;
    expect(limited!.outcome).toBe('rateLimited');
    expect(delivered!.outcome).toBe('sent');
    expect(delivered!.at - limited!.at).toBeGreaterThanOrEqual(550);
    await eventually('completed', async () => (await stateOf(job.id).then((j) => j.getState())) === 'completed');
    const finished = await stateOf(job.id);
    expect(finished.attemptsMade).toBe(1);
    expect(await listDeadLetters(queue)).toEqual([]);
  });

  it('pauses the whole channel on a 429 by default', async () => {
    startWorker(FAST, { concurrency: 1 });
    sender.failNext('chat-a', { kind: 'rateLimited', retryAfterMs: 500 });
    await enqueue('chat-a', 'first');
    await sleep(100);
    await enqueue('chat-b', 'second');
    await eventually('both sent', () => sender.sent.length === 2);
    const limitedAt = sender.calls[0]!.at;
    expect(sender.sentTo('chat-b')[0]!.at - limitedAt).toBeGreaterThanOrEqual(450);
  });

  it('with rateLimitScope "chat", other chats go on during a 429', async () => {
    startWorker(FAST, { rateLimitScope: 'chat' });
    sender.failNext('chat-a', { kind: 'rateLimited', retryAfterMs: 1000 });
    await enqueue('chat-a', 'first');
    await sleep(100);
    await enqueue('chat-b', 'second');
    await eventually('both sent', () => sender.sent.length === 2);
    expect(sender.sentTo('chat-b')[0]!.at).toBeLessThan(sender.sentTo('chat-a')[0]!.at);
  });

  it('retries transient failures with backoff until they succeed', async () => {
    startWorker();
    sender.failNext('flaky', { kind: 'transient' }, { kind: 'transient' });
    const job = await enqueue('flaky', 'third time lucky');
    await eventually('sent', () => sender.sent.length === 1);
    expect(sender.calls.map((call) => call.outcome)).toEqual(['transient', 'transient', 'sent']);
    await eventually('completed', async () => (await stateOf(job.id).then((j) => j.getState())) === 'completed');
    expect((await stateOf(job.id)).attemptsMade).toBe(3);
    expect(await listDeadLetters(queue)).toEqual([]);
  });

  it('dead-letters a permanent failure at once', async () => {
    startWorker();
    sender.failAlways('bad-chat', { kind: 'permanent' });
    const job = await enqueue('bad-chat', 'never');
    await eventually('dead-lettered', async () => (await listDeadLetters(queue)).length === 1);
    const [dead] = await listDeadLetters(queue);
    expect(dead).toMatchObject({ jobId: job.id, outboxId: job.data.outboxId, channel: 'telegram', externalId: 'bad-chat', failedReason: 'fake permanent', attemptsMade: 1 });
    expect(dead!.finishedOn).toBeInstanceOf(Date);
    await sleep(200);
    expect(sender.calls).toHaveLength(1);
    expect(log.lines.some((line) => line.level === 'error' && line.message === 'notification dead-lettered')).toBe(true);
  });

  it('dead-letters a transient failure once the attempts are spent', async () => {
    startWorker();
    sender.failAlways('down', { kind: 'transient' });
    const job = await enqueue('down', 'never');
    await eventually('dead-lettered', async () => (await listDeadLetters(queue)).length === 1, 15_000);
    expect(sender.calls).toHaveLength(5);
    expect((await listDeadLetters(queue))[0]).toMatchObject({ jobId: job.id, attemptsMade: 5, failedReason: 'fake transient' });
  });

  it('treats an unexpected error from a sender like a transient one', async () => {
    startWorker();
    const job = await queue.add('x', { outboxId: 999, caseId: null, channel: 'telegram', externalId: 'boom', identityId: 'i', replies: [] }, { jobId: 'outbox-999-i' });
    sender.send = async () => {
      throw new TypeError('bug in the channel adapter');
    };
    await eventually('dead-lettered', async () => (await listDeadLetters(queue)).length === 1, 15_000);
    expect((await listDeadLetters(queue))[0]).toMatchObject({ jobId: job.id, attemptsMade: 5, failedReason: 'bug in the channel adapter' });
  });

  it('completes an unreachable job without retrying and reports it', async () => {
    startWorker();
    sender.failAlways('blocked', { kind: 'unreachable' });
    const job = await enqueue('blocked', 'hello?', 'case-1', 'identity-blocked');
    await eventually('completed', async () => (await stateOf(job.id).then((j) => j.getState())) === 'completed');
    expect(sender.calls).toHaveLength(1);
    expect(unreachable.map((j) => [j.identityId, j.caseId])).toEqual([['identity-blocked', 'case-1']]);
    expect((await stateOf(job.id)).returnvalue).toEqual({ outcome: 'unreachable' });
  });
});

describe('reportUnreachable', () => {
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    database = await openTestDatabase('pglite');
    store = createStore(database.db);
    await store.departments.ensure(defaultConfig().policy.departments);
  });

  afterEach(async () => {
    await database.destroy();
  });

  it('marks the complainant unreachable and tells the case handler once, through the outbox', async () => {
    const prefix = `${bull.prefix}-unreachable`;
    const queues = createNotificationQueues(bull.connection, ['telegram'], { prefix });
    const sender = new RecordingSender('telegram');
    const worker = createNotificationWorker({ connection: bull.connection, prefix, sender, limits: FAST, onUnreachable: reportUnreachable(store), log: recordingLog() });
    try {
      const handler = await store.staff.insert({ name: '王芳', departmentId: 'customer_service', role: 'agent', active: true });
      const complainant = await store.identities.upsert({ channel: 'telegram', externalId: 'tg-gone', kind: 'complainant', locale: 'zh-Hans' });
      const record = buildCase({ channel: 'telegram', complainantIdentityId: complainant.id, assigneeId: handler.id });
      await store.cases.insert(record);
      sender.failAlways('tg-gone', { kind: 'unreachable' });
      const queue = queues.byChannel.get('telegram')!;
      for (const id of [1, 2]) {
        const data: NotificationJob = { outboxId: id, caseId: record.id, channel: 'telegram', externalId: 'tg-gone', identityId: complainant.id, replies: [{ kind: 'text', text: `update ${id}` }] };
        await queue.add('status_changed', data, { jobId: `outbox-${id}-${complainant.id}` });
      }

      await eventually('both jobs done', async () => (await queue.getJobCounts('completed')).completed === 2);
      expect(sender.calls).toHaveLength(2);
      const [stored] = await database.db.select().from(channelIdentities).where(eq(channelIdentities.id, complainant.id));
      expect(stored!.unreachable).toBe(true);
      const rows = await database.db.select().from(outbox);
      expect(rows.map((row) => ({ kind: row.kind, to: row.recipientStaffId, caseId: row.caseId, payload: row.payload }))).toEqual([
        { kind: 'complainant_unreachable', to: handler.id, caseId: record.id, payload: { number: record.number } },
      ]);
      expect(await listDeadLetters(queue)).toEqual([]);
    } finally {
      await worker.close();
      await queues.close();
    }
  });

  it('marks a staff account unreachable without telling anyone about a complainant', async () => {
    const handler = await store.staff.insert({ name: '王芳', departmentId: 'customer_service', role: 'agent', active: true });
    const complainant = await store.identities.upsert({ channel: 'telegram', externalId: 'tg-complainant', kind: 'complainant' });
    const staffAccount = await store.identities.upsert({ channel: 'telegram', externalId: 'tg-staff', kind: 'staff' });
    const record = buildCase({ channel: 'telegram', complainantIdentityId: complainant.id, assigneeId: handler.id });
    await store.cases.insert(record);

    await reportUnreachable(store)({ outboxId: 1, caseId: record.id, channel: 'telegram', externalId: 'tg-staff', identityId: staffAccount.id, replies: [] });
    expect((await store.identities.get(staffAccount.id))!.unreachable).toBe(true);
    expect((await store.identities.get(complainant.id))!.unreachable).toBe(false);
    expect(await database.db.select().from(outbox)).toEqual([]);
  });
});
