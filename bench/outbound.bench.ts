import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { NotificationJob } from '../src/application/notifications';
import { NOTIFICATION_LIMITS } from '../src/app';
import { createNotificationQueues } from '../src/queues/notification-queues';
import { createNotificationWorker, type NotificationLimits } from '../src/queues/notification-worker';
import type { QueueLog } from '../src/queues/queue-log';
import { telegramSender } from '../test/queues/queue-support';
import { startFakeTelegram } from '../test/support/fake-telegram';
import { perSecond, sleep, type Bench, type BenchOutcome, type BenchScale } from './support/report';

// Telegram's documented limits, which the fake enforces like the real server (429 with retry_after).
const TELEGRAM_LIMITS = { perSecond: 30, perChatPerSecond: 1 };
const REDIS_URL = `${process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379'}/13`;
// NOTIFICATION_LIMITS.telegram in src/app.ts, with one worker process and with two sharing the queue
// (two connections, as two processes would have: the pacer's schedule in Redis is what they share).
const APP_SETTING = NOTIFICATION_LIMITS.telegram!;
const CONFIGS: Array<{ label: string; limits: NotificationLimits; workers: number }> = [
  { label: `app setting ${APP_SETTING.perSecond}/s`, limits: APP_SETTING, workers: 1 },
  { label: `app setting ${APP_SETTING.perSecond}/s, two workers`, limits: APP_SETTING, workers: 2 },
];

export const outboundBench: Bench = { name: 'outbound', run: runOutboundBench };

async function runOutboundBench(scale: BenchScale): Promise<BenchOutcome> {
  const chats = scale.quick ? 40 : 250;
  const perChat = 3;
  const rows: BenchOutcome['rows'] = [];
  const details: Record<string, unknown> = { chats, perChat, telegramLimits: TELEGRAM_LIMITS };
  for (const config of CONFIGS) {
    const figures = await pushThrough(config.limits, config.workers, chats, perChat);
    const share = figures.rate / TELEGRAM_LIMITS.perSecond;
    rows.push({
      row: `Outbound Telegram pushes, ${chats * perChat} to ${chats} chats (${config.label})`,
      figure: `${perSecond(figures.rate)} = ${(share * 100).toFixed(0)}% of 30/s, ${figures.tooManyRequests} × 429`,
      baseline: '30/s Telegram limit (fake enforces 30/s, 1/s per chat)',
      target: '≥ 95% (28.5/s), zero 429',
      pass: share >= 0.95 && figures.tooManyRequests === 0,
    });
    details[config.label] = figures;
  }
  return { rows, details };
}

async function pushThrough(limits: NotificationLimits, workerCount: number, chats: number, perChat: number) {
  const fake = await startFakeTelegram();
  fake.enforceLimits(TELEGRAM_LIMITS);
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const queues = createNotificationQueues(connection, ['telegram'], { prefix, log: quiet });
  const connections = Array.from({ length: workerCount }, () => new Redis(REDIS_URL, { maxRetriesPerRequest: null }));
  const workers = connections.map((workerConnection) =>
    createNotificationWorker({ connection: workerConnection, sender: telegramSender(fake), limits, onUnreachable: async () => undefined, log: quiet, prefix }),
  );
  try {
    const queue = queues.byChannel.get('telegram')!;
    await Promise.all([queue.waitUntilReady(), ...workers.map((worker) => worker.worker.waitUntilReady())]);
    const total = chats * perChat;
    const jobs = Array.from({ length: total }, (_, n) => {
      const chatId = 5_000_000 + (n % chats);
      const data: NotificationJob = { outboxId: n + 1, caseId: null, channel: 'telegram', externalId: String(chatId), identityId: `bench-${chatId}`, replies: [{ kind: 'text', text: `案件 TS-202611-${String(n).padStart(4, '0')} 已受理，我们会尽快处理。` }] };
      return { name: 'case_update', data, opts: { jobId: `bench-${n}` } };
    });
    await queue.addBulk(jobs);
    const deadline = Date.now() + (total / limits.perSecond) * 1000 * 3 + 30_000;
    while (fake.sent().length < total && Date.now() < deadline) await sleep(200);
    const sent = fake.sent();
    const first = sent[0]?.at ?? 0;
    const last = sent.at(-1)?.at ?? 0;
    return {
      limits,
      delivered: sent.length,
      expected: total,
      seconds: (last - first) / 1000,
      rate: sent.length > 1 ? (sent.length - 1) / ((last - first) / 1000) : 0,
      tooManyRequests: fake.tooManyRequests,
      // How close the sends came to the limits: 1000 ms is the least that avoids a 429.
      tightest31SendsMs: tightest(sent.map((call) => call.at), TELEGRAM_LIMITS.perSecond + 1),
      tightestChatGapMs: Math.min(...Array.from({ length: chats }, (_, n) => tightest(fake.sent(5_000_000 + n).map((call) => call.at), 2))),
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.close()));
    await Promise.all(connections.map((workerConnection) => workerConnection.quit()));
    await queues.close();
    await connection.flushdb();
    await connection.quit();
    await fake.close();
  }
}

/** The shortest span of `count` consecutive times (sorted). */
function tightest(times: number[], count: number): number {
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i + count - 1 < times.length; i++) least = Math.min(least, times[i + count - 1]! - times[i]!);
  return least;
}

const quiet: QueueLog = { info: () => undefined, warn: () => undefined, error: (fields, message) => console.error(message, fields) };
