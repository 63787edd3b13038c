import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Telegraf } from 'telegraf';
import { SendError, type ChannelSender, type NotificationJob } from '../src/application/notifications';
import { toTelegram } from '../src/channels/telegram/render';
import { toSendError } from '../src/channels/telegram/telegram.channel';
import { createNotificationQueues } from '../src/queues/notification-queues';
import { createNotificationWorker, type NotificationLimits } from '../src/queues/notification-worker';
import type { QueueLog } from '../src/queues/queue-log';
import { startFakeTelegram, type FakeTelegram } from '../test/support/fake-telegram';
import { perSecond, sleep, type Bench, type BenchOutcome, type BenchScale } from './support/report';

// Telegram's documented limits, which the fake enforces like the real server (429 with retry_after).
const TELEGRAM_LIMITS = { perSecond: 30, perChatPerSecond: 1 };
const REDIS_URL = `${process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379'}/13`;
// NOTIFICATION_LIMITS.telegram in src/app.ts, and a setting as close to Telegram's 30/s as the worker allows.
const CONFIGS: Array<{ label: string; limits: NotificationLimits }> = [
  { label: 'app setting 25/s', limits: { perSecond: 25, perChatPerSecond: 1 } },
  { label: 'worker at 29/s', limits: { perSecond: 29, perChatPerSecond: 1 } },
];

export const outboundBench: Bench = { name: 'outbound', run: runOutboundBench };

async function runOutboundBench(scale: BenchScale): Promise<BenchOutcome> {
  const chats = scale.quick ? 40 : 250;
  const perChat = 3;
  const rows: BenchOutcome['rows'] = [];
  const details: Record<string, unknown> = { chats, perChat, telegramLimits: TELEGRAM_LIMITS };
  for (const config of CONFIGS) {
    const figures = await pushThrough(config.limits, chats, perChat);
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

async function pushThrough(limits: NotificationLimits, chats: number, perChat: number) {
  const fake = await startFakeTelegram();
  fake.enforceLimits(TELEGRAM_LIMITS);
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const queues = createNotificationQueues(connection, ['telegram'], { prefix, log: quiet });
  const worker = createNotificationWorker({ connection, sender: telegramSender(fake), limits, onUnreachable: async () => undefined, log: quiet, prefix });
  try {
    const queue = queues.byChannel.get('telegram')!;
    await Promise.all([queue.waitUntilReady(), worker.worker.waitUntilReady()]);
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
    };
  } finally {
    await worker.close();
    await queues.close();
    await connection.flushdb();
    await connection.quit();
    await fake.close();
  }
}

/** The app's Telegram sender (telegram.channel.ts), without the webhook side it does not need here. */
function telegramSender(fake: FakeTelegram): ChannelSender {
  const api = new Telegraf(fake.token, { telegram: { apiRoot: fake.url, webhookReply: false } }).telegram;
  return {
    channel: 'telegram',
    async send(externalId, replies) {
      try {
        for (const reply of replies) {
          for (const message of toTelegram(reply)) await api.sendMessage(externalId, message.text, message.reply_markup ? { reply_markup: message.reply_markup } : {});
        }
      } catch (error) {
        throw error instanceof SendError ? error : toSendError(error);
      }
    },
  };
}

const quiet: QueueLog = { info: () => undefined, warn: () => undefined, error: (fields, message) => console.error(message, fields) };
