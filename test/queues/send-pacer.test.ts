import { Redis } from 'ioredis';
import type { NotificationJob } from '../../src/application/notifications';
import { toTelegram } from '../../src/channels/telegram/render';
import type { Reply } from '../../src/conversation/messages';
import { createNotificationQueues, type NotificationQueue, type NotificationQueues } from '../../src/queues/notification-queues';
import { createNotificationWorker, listDeadLetters, type NotificationLimits, type NotificationWorker } from '../../src/queues/notification-worker';
import { startFakeTelegram, type FakeTelegram } from '../support/fake-telegram';
import { eventually, openTestBull, RecordingSender, recordingLog, telegramSender } from './queue-support';

// What Telegram enforces, and what the fake answers 429 to (any rolling second).
const TELEGRAM = { perSecond: 30, perChatPerSecond: 1 };
// Telegram's own figures, with a wider margin than the app's: this machine is shared and noisy,
// and a late receipt is what the margin covers. bench/outbound.bench.ts measures the app's setting.
const PACED: NotificationLimits = { ...TELEGRAM, marginMs: 100 };

let bull: Awaited<ReturnType<typeof openTestBull>>;
let run = 0;

beforeAll(async () => {
  bull = await openTestBull();
});

afterAll(async () => {
  await bull.destroy();
});

describe('paced sending against Telegram limits', () => {
  let fake: FakeTelegram;
  let queues: NotificationQueues;
  let queue: NotificationQueue;
  let prefix: string;
  const workers: NotificationWorker[] = [];
  const connections: Redis[] = [];

  beforeEach(async () => {
    fake = await startFakeTelegram();
    fake.enforceLimits(TELEGRAM);
    prefix = `${bull.prefix}-pace-${run++}`;
    queues = createNotificationQueues(bull.connection, ['telegram'], { prefix });
    queue = queues.byChannel.get('telegram')!;
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.close()));
    await Promise.all(connections.splice(0).map((connection) => connection.quit()));
    await queues.close();
    await fake.close();
  });

  /** A worker process of its own: its own connection, its own sender. */
  function startWorker() {
    const connection = new Redis(process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
    connections.push(connection);
    const worker = createNotificationWorker({ connection, prefix, sender: telegramSender(fake), limits: PACED, onUnreachable: async () => undefined, log: recordingLog() });
    workers.push(worker);
  }

  /**
   * 50 chats get three jobs each, some carrying two replies and some a text Telegram takes as two
   * messages; five more chats get two jobs back to back. Returns what each chat must receive, in order.
   */
  async function enqueueTraffic(): Promise<{ expected: Map<string, string[]>; jobCount: number }> {
    const expected = new Map<string, string[]>();
    const jobs: Array<{ name: string; data: NotificationJob; opts: { jobId: string } }> = [];
    const add = (chatId: number, replies: Reply[]) => {
      const externalId = String(chatId);
      const id = jobs.length + 1;
      jobs.push({ name: 'status_changed', data: { outboxId: id, caseId: null, channel: 'telegram', externalId, identityId: `identity-${chatId}`, replies }, opts: { jobId: `pace-${id}` } });
      expected.set(externalId, [...(expected.get(externalId) ?? []), ...replies.flatMap((reply) => toTelegram(reply).map((message) => message.text))]);
    };
    for (let round = 0; round < 3; round++) {
      for (let n = 0; n < 50; n++) {
        const tag = `chat ${n} job ${round}`;
        if (round === 1 && n % 4 === 0) add(7_000_000 + n, [{ kind: 'text', text: `${tag} a` }, { kind: 'text', text: `${tag} b` }]);
        else if (round === 2 && n % 10 === 0) add(7_000_000 + n, [{ kind: 'text', text: `${tag} ${'长'.repeat(5000)}` }]);
        else add(7_000_000 + n, [{ kind: 'text', text: tag }]);
      }
    }
    for (let n = 0; n < 5; n++) {
      add(7_100_000 + n, [{ kind: 'text', text: `pair ${n} first` }]);
      add(7_100_000 + n, [{ kind: 'text', text: `pair ${n} second` }]);
    }
    await queue.addBulk(jobs);
    return { expected, jobCount: jobs.length };
  }

  /**
   * With `pairsInAnyOrder`, two jobs for one chat queued back to back may go out in either order:
   * taken by two processes at the same moment, whichever books the chat first sends first (as with
   * the per-chat key before the pacer). Each job's own messages still go out together and in order.
   */
  async function expectDeliveredWithinLimits({ expected, jobCount }: { expected: Map<string, string[]>; jobCount: number }, { pairsInAnyOrder = false } = {}) {
    const total = [...expected.values()].reduce((sum, texts) => sum + texts.length, 0);
    expect(total).toBeGreaterThanOrEqual(150);
    await eventually('all delivered', () => fake.sent().length >= total, 60_000);
    await eventually('all jobs completed', async () => (await queue.getJobCounts('completed')).completed === jobCount, 10_000);

    expect(fake.tooManyRequests).toBe(0);
    expect(fake.sent()).toHaveLength(total);
    for (const [chatId, texts] of expected) {
      const received = fake.sent(chatId).map((call) => call.params.text);
      if (pairsInAnyOrder && chatId.startsWith('71')) expect([...received].sort()).toEqual([...texts].sort());
      else expect(received).toEqual(texts);
    }
    // What the fake enforces, checked on what it accepted: no rolling second saw a 31st message, no chat a second one.
    const times = fake.sent().map((call) => call.at);
    for (let i = 0; i + TELEGRAM.perSecond < times.length; i++) expect(times[i + TELEGRAM.perSecond]! - times[i]!).toBeGreaterThanOrEqual(1000);
    for (const chatId of expected.keys()) {
      const chatTimes = fake.sent(chatId).map((call) => call.at);
      for (let i = 1; i < chatTimes.length; i++) expect(chatTimes[i]! - chatTimes[i - 1]!).toBeGreaterThanOrEqual(1000);
    }
    expect(await listDeadLetters(queue)).toEqual([]);
  }

  it('delivers every message once, in order per chat, without a 429, multi-message jobs included', async () => {
    startWorker();
    await expectDeliveredWithinLimits(await enqueueTraffic());
  });

  it('two worker processes sharing the queue stay within the limits together', async () => {
    startWorker();
    startWorker();
    await expectDeliveredWithinLimits(await enqueueTraffic(), { pairsInAnyOrder: true });
  });
});

describe('a chat that is free only later', () => {
  let queues: NotificationQueues;
  let worker: NotificationWorker | undefined;

  afterEach(async () => {
    await worker?.close();
    await queues.close();
  });

  it('sends the job back to the delayed set without counting an attempt', async () => {
    const prefix = `${bull.prefix}-pace-${run++}`;
    // One attempt: a wait that counted as a failed attempt would dead-letter the job.
    queues = createNotificationQueues(bull.connection, ['telegram'], { prefix, jobs: { attempts: 1 } });
    const queue = queues.byChannel.get('telegram')!;
    const sender = new RecordingSender('telegram');
    // One message per 2 s to a chat: longer than the worker waits for in the process (1.5 s).
    worker = createNotificationWorker({ connection: bull.connection, prefix, sender, limits: { perSecond: 100, perChatPerSecond: 0.5 }, onUnreachable: async () => undefined, log: recordingLog() });
    const job = (n: number): NotificationJob => ({ outboxId: n, caseId: null, channel: 'telegram', externalId: 'slow-chat', identityId: 'identity-slow', replies: [{ kind: 'text', text: `update ${n}` }] });

    await queue.add('status_changed', job(1), { jobId: 'slow-1' });
    await eventually('first sent', () => sender.sent.length === 1);
    const second = await queue.add('status_changed', job(2), { jobId: 'slow-2' });
    await eventually('second waits in the delayed set', async () => (await queue.getJobState(second.id!)) === 'delayed');
    expect(sender.calls).toHaveLength(1);

    await eventually('second sent', () => sender.sent.length === 2, 10_000);
    await eventually('completed', async () => (await queue.getJobState(second.id!)) === 'completed');
    expect((await queue.getJob(second.id!))!.attemptsMade).toBe(1);
    expect(sender.calls.map((call) => call.text)).toEqual(['update 1', 'update 2']);
    expect(await listDeadLetters(queue)).toEqual([]);
  });
});
