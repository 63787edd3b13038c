import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { SendError, type ChannelSender, type SendFailure, type SendOptions } from '../../src/application/notifications';
import { createTelegramChannel, type TelegramChannelDeps } from '../../src/channels/telegram/telegram.channel';
import type { Reply } from '../../src/conversation/messages';
import type { QueueLog } from '../../src/queues/queue-log';
import type { FakeTelegram } from '../support/fake-telegram';

/**
 * The machine's Redis for BullMQ: BullMQ refuses an ioredis keyPrefix and wants
 * `maxRetriesPerRequest: null`, so this is a plain connection plus a BullMQ `prefix` that no
 * other suite uses; `destroy` deletes every key under it.
 */
export async function openTestBull(): Promise<{ connection: Redis; prefix: string; destroy(): Promise<void> }> {
  const prefix = `test-bull-${randomBytes(6).toString('hex')}`;
  const connection = new Redis(process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  await connection.ping();
  return {
    connection,
    prefix,
    destroy: async () => {
      let cursor = '0';
      do {
        const [next, keys] = await connection.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length) await connection.del(...keys);
      } while (cursor !== '0');
      await connection.quit();
    },
  };
}

export interface SendCall {
  externalId: string;
  text: string;
  at: number;
  outcome: 'sent' | SendFailure['kind'];
}

/** A ChannelSender that records every call and can be told to fail. */
export class RecordingSender implements ChannelSender {
  readonly calls: SendCall[] = [];
  private readonly planned = new Map<string, SendFailure[]>();
  private readonly always = new Map<string, SendFailure>();

  constructor(readonly channel: string) {}

  /** The next calls for that chat fail with these, in order; later ones succeed. */
  failNext(externalId: string, ...failures: SendFailure[]): void {
    this.planned.set(externalId, [...(this.planned.get(externalId) ?? []), ...failures]);
  }

  failAlways(externalId: string, failure: SendFailure): void {
    this.always.set(externalId, failure);
  }

  get sent(): SendCall[] {
    return this.calls.filter((call) => call.outcome === 'sent');
  }

  sentTo(externalId: string): SendCall[] {
    return this.sent.filter((call) => call.externalId === externalId);
  }

  /** One record per call, its text the replies joined; each reply is paced like a message of its own. */
  async send(externalId: string, replies: readonly Reply[], options?: SendOptions): Promise<void> {
    for (const _ of replies) await options?.beforeEachMessage?.();
    const text = replies.map((reply) => (reply.kind === 'caseCard' ? reply.card.title : reply.text)).join('\n');
    const failure = this.planned.get(externalId)?.shift() ?? this.always.get(externalId);
    this.calls.push({ externalId, text, at: Date.now(), outcome: failure?.kind ?? 'sent' });
    if (failure) throw new SendError(failure, `fake ${failure.kind}`);
  }
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

export function recordingLog(): QueueLog & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (fields, message) => lines.push({ level: 'info', fields, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
    error: (fields, message) => lines.push({ level: 'error', fields, message }),
  };
}

/** Polls until `check` holds; fails with `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(20);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Fast enough for tests; per-chat spacing off unless a test is about it. */
export const FAST = { perSecond: 1000, perChatPerSecond: 1000 } as const;

/** The app's Telegram sender (telegram.channel.ts) talking to the fake; its webhook side is not used. */
export function telegramSender(fake: FakeTelegram): ChannelSender {
  const deps = { logger: pino({ level: 'silent' }) } as unknown as TelegramChannelDeps;
  const options = { token: fake.token, apiRoot: fake.url, mode: 'webhook', attachmentsDir: join(tmpdir(), 'telegram-sender-unused') } as const;
  return createTelegramChannel(options, deps).sender;
}
